// ESLint (flat config) with typescript-eslint: `npm run lint`, run by .ci/run before the tests.
// The recommended rules of ESLint and typescript-eslint, plus three type-aware rules for async
// code (a promise nobody awaits loses its error), and the determinism rule of the result-producing
// modules (docs/ARCHITECTURE.md "Determinism"). Tuned, not silenced: each departure below says why.
// @ts-check
import js from "@eslint/js";
import globals from "globals";
import tseslint from "typescript-eslint";

/** JavaScript's transcendental functions: V8 computes them differently on arm64 (fused multiply-adds). */
const transcendental = "pow exp expm1 log log1p log2 log10 sin cos tan asin acos atan atan2 sinh cosh tanh cbrt hypot".split(" ");
const determinism =
  'V8 computes it differently on arm64: use the WebAssembly libm exports, or + - * / and Math.sqrt (docs/ARCHITECTURE.md "Determinism")';

/**
 * Modules whose numbers end up in a cell's result.json (or its hash): the theory, the kernels'
 * wrappers, the experiments, the deep network, the spec and cell resolution, the mask families,
 * the result envelope and the Worker that writes it; and the claims Aggregate evaluates.
 */
const resultProducing = [
  "shared/theory/**/*.ts",
  "shared/numerics/**/*.ts",
  "shared/experiments/**/*.ts",
  "shared/deep/**/*.ts",
  "shared/spec/**/*.ts",
  "shared/results/**/*.ts",
  "shared/masks.ts",
  "shared/pipeline/worker.ts",
  // summary.json's claims (verdicts, measured values) are compared byte for byte across hosts
  // by the artifact suite too.
  "shared/claims/**/*.ts",
  "shared/pipeline/aggregate.ts",
  // and the summary rows Reduce writes (merged by Aggregate).
  "shared/pipeline/reduce.ts",
];

export default tseslint.config(
  {
    // wasm/assembly is AssemblyScript (decorators on functions, its own built-ins): asc checks it.
    ignores: ["node_modules/", "wasm/assembly/", "wasm/build/", "cdk.out/", "runs/", "test-artifacts/", "coverage/"],
  },
  js.configs.recommended,
  tseslint.configs.recommended,
  {
    languageOptions: {
      globals: { ...globals.node },
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      // A leading underscore marks what is unused on purpose (a positional parameter, a skipped
      // tuple element); a rest sibling drops the fields it omits.
      "@typescript-eslint/no-unused-vars": [
        "error",
        {
          argsIgnorePattern: "^_",
          varsIgnorePattern: "^_",
          caughtErrorsIgnorePattern: "^_",
          destructuredArrayIgnorePattern: "^_",
          ignoreRestSiblings: true,
        },
      ],
    },
  },
  {
    files: ["**/*.ts"],
    rules: {
      // Type-aware: an async call whose promise is dropped or handed where a value is expected
      // fails silently (a Lambda returns before its write, a rejection goes unhandled).
      "@typescript-eslint/no-floating-promises": "error",
      "@typescript-eslint/no-misused-promises": "error",
      "@typescript-eslint/await-thenable": "error",
    },
  },
  {
    files: ["**/*.js", "**/*.mjs"],
    ...tseslint.configs.disableTypeChecked,
  },
  {
    // Tests read synthesized CloudFormation templates and ASL definitions, untyped JSON whose
    // shape is the thing under test; typing each probe would restate the template in types.
    files: ["test/**/*.ts"],
    rules: { "@typescript-eslint/no-explicit-any": "off" },
  },
  {
    files: resultProducing,
    rules: {
      "no-restricted-properties": [
        "error",
        ...transcendental.map((property) => ({ object: "Math", property, message: determinism })),
        {
          object: "Math",
          property: "random",
          message: "every draw comes from the one seeded RNG, Philox in WebAssembly (shared/numerics/rng.ts)",
        },
      ],
      "no-restricted-syntax": [
        "error",
        { selector: "BinaryExpression[operator='**']", message: `** (Math.pow): ${determinism}` },
        { selector: "AssignmentExpression[operator='**=']", message: `**= (Math.pow): ${determinism}` },
      ],
    },
  },
);
