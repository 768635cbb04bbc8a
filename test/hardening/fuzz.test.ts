// Fuzzing the two commands that take user input: `dropsweep run SPEC` with malformed specs and
// `dropsweep theory` with malformed flags and matrices. Every case is invalid by construction;
// each must end in one clear message (exit 2) with no stack trace, in bounded time, having
// written nothing. Most run in-process through cli/main.ts; a handful through bin/dropsweep.js.
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { main } from "../../cli/main.js";
import { parseSpec } from "../../shared/spec/spec.js";
import { capture, spawnCli } from "./helpers.js";

const root = mkdtempSync(join(tmpdir(), "dropsweep-fuzz-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** Seeded, so a failure is reproducible; DROPSWEEP_FUZZ_SEED explores other cases. */
const seed = Number(process.env.DROPSWEEP_FUZZ_SEED ?? 20261127);
const stackTrace = /\n\s+at .+[:(]\d+/;
let caseNumber = 0;

interface Outcome {
  code?: number;
  error?: unknown;
  out: string;
  err: string;
}

async function cli(argv: string[]): Promise<Outcome> {
  const captured = await capture(() =>
    Promise.race([
      main(argv),
      new Promise<number>((_, reject) => setTimeout(() => reject(new Error(`no answer within 10 s: ${argv.join(" ")}`)), 10_000)),
    ]),
  );
  return {
    ...(captured.value !== undefined ? { code: captured.value } : {}),
    ...(captured.error !== undefined ? { error: captured.error } : {}),
    out: captured.out,
    err: captured.err,
  };
}

/** The contract for bad input: exit 2, one message on stderr naming the problem, no stack, stdout empty. */
function expectUsageError(outcome: Outcome, what: string): void {
  expect(outcome.error, `${what}: threw instead of exiting 2: ${String((outcome.error as Error)?.stack ?? outcome.error)}`).toBeUndefined();
  expect(outcome.code, `${what}: exit code (stderr: ${outcome.err})`).toBe(2);
  expect(outcome.err, what).toMatch(/^dropsweep: \S/);
  expect(outcome.err, what).not.toMatch(stackTrace);
  expect(outcome.out, what).toBe("");
}

const noopBase = { name: "fuzz", experiment: "noop", seeds: [0, 1], grid: { "work.iterations": [0, 10] } };
const linearBase = {
  name: "fuzz",
  experiment: "linear-factorisation",
  sizes: { m: 8, n: 6, hiddenUnits: 6 },
  target: { generator: "decaying", decay: 0.6 },
  mask: { family: "dropblock", keepProbability: 0.5, blockSize: 2 },
  optimiser: { learningRate: 0.02, epochs: 10, batchSize: 1 },
  monteCarloSamples: 20,
};

function setPath(spec: Record<string, unknown>, path: string, value: unknown): Record<string, unknown> {
  const copy = structuredClone(spec);
  const parts = path.split(".");
  let at = copy as Record<string, unknown>;
  for (const part of parts.slice(0, -1)) at = (at[part] ??= {}) as Record<string, unknown>;
  at[parts.at(-1)!] = value;
  return copy;
}

const notANumber = fc.oneof(
  fc.string().filter((s) => s.trim() === "" || !Number.isFinite(Number(s))),
  fc.boolean(),
  fc.array(fc.integer(), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 4 }), fc.integer(), { maxKeys: 2 }),
);
const notAPositiveInteger = fc.oneof(
  notANumber,
  fc.integer({ min: -1000, max: 0 }),
  fc.double({ min: 0.01, max: 100, noNaN: true }).filter((x) => !Number.isInteger(x)),
);
const badKeep = fc.oneof(
  notANumber,
  fc.double({ max: 0, noNaN: true, noDefaultInfinity: true }),
  fc.double({ min: 1.000001, max: 1e6, noNaN: true }),
);
const identifier = fc.stringMatching(/^[a-z][a-zA-Z0-9]{0,10}$/);

/** A valid spec with one thing wrong, as YAML text. */
const mutatedSpec: fc.Arbitrary<[string, string]> = fc.oneof(
  identifier.map((k) => [`unknown top-level field zz${k}`, stringify({ ...noopBase, [`zz${k}`]: 1 })] as [string, string]),
  identifier.map((k) => [`unknown experiment no-such-${k}`, stringify({ ...noopBase, experiment: `no-such-${k}` })] as [string, string]),
  fc
    .oneof(
      fc.string(),
      fc.integer(),
      fc.constant({}),
      fc.array(
        fc.oneof(
          fc.string({ minLength: 1 }),
          fc.double({ noNaN: true }).filter((x) => !Number.isInteger(x)),
          fc.integer({ max: -1 }),
        ),
        { minLength: 1, maxLength: 3 },
      ),
    )
    .map((seeds) => [`bad seeds ${JSON.stringify(seeds)}`, stringify({ ...noopBase, seeds })] as [string, string]),
  fc
    .oneof(fc.integer({ min: -5, max: 3 }), notANumber)
    .map((maxCells) => [`bad maxCells ${JSON.stringify(maxCells)}`, stringify({ ...noopBase, maxCells })] as [string, string]),
  fc
    .tuple(
      fc.constantFrom("sizes.m", "sizes.n", "sizes.hiddenUnits", "optimiser.epochs", "optimiser.batchSize", "monteCarloSamples"),
      notAPositiveInteger,
    )
    .map(([path, value]) => [`${path} = ${JSON.stringify(value)}`, stringify(setPath(linearBase, path, value))] as [string, string]),
  badKeep.map(
    (value) =>
      [`keepProbability = ${JSON.stringify(value)}`, stringify(setPath(linearBase, "mask.keepProbability", value))] as [string, string],
  ),
  fc
    .constantFrom(4, 5)
    .map((k) => [`blockSize ${k} does not divide 6`, stringify(setPath(linearBase, "mask.blockSize", k))] as [string, string]),
  fc
    .tuple(fc.constantFrom("optimiser.learningRate", "target.decay"), notANumber)
    .map(([path, value]) => [`${path} = ${JSON.stringify(value)}`, stringify(setPath(linearBase, path, value))] as [string, string]),
  identifier.map(
    (k) => [`grid over unknown field zz${k}`, stringify({ ...noopBase, grid: { [`work.zz${k}`]: [1, 2] } })] as [string, string],
  ),
  fc.constant<[string, string]>(["empty grid axis", stringify({ ...noopBase, grid: { "work.iterations": [] } })]),
  fc
    .integer({ min: 3, max: 6 })
    .map(
      (n) =>
        [`grid larger than maxCells`, stringify({ ...noopBase, maxCells: 2, seeds: Array.from({ length: n }, (_, i) => i) })] as [
          string,
          string,
        ],
    ),
  fc
    .constantFrom(
      "name: fuzz\nexperiment: noop\nexperiment: noop\n",
      "name: fuzz\nexperiment: noop\nseeds: [0, 1\n",
      "name: fuzz\n\texperiment: noop\n",
      "- experiment: noop\n",
      "",
      "---\n...\n",
      "name: fuzz\nexperiment: noop\nsections: []\n",
      "name: fuzz\nexperiment: noop\nsections: [{ name: a, seeds: 3 }]\n",
      "a: &x [*x]\n",
    )
    .map((text) => [`hand-made ${JSON.stringify(text)}`, text] as [string, string]),
);

/** Text from nowhere: random characters, random JSON values, random bytes. */
const randomSpec: fc.Arbitrary<[string, string | Uint8Array]> = fc.oneof(
  fc.string({ unit: "grapheme", maxLength: 200 }).map((t) => [`random text ${JSON.stringify(t)}`, t] as [string, string]),
  fc.jsonValue({ maxDepth: 3 }).map((v) => [`random JSON ${JSON.stringify(v)}`, JSON.stringify(v)] as [string, string]),
  fc.uint8Array({ maxLength: 300 }).map((b) => [`random bytes (${b.length})`, b] as [string, Uint8Array]),
);

describe("fuzzing dropsweep run with malformed specs", () => {
  it("the base specs are valid (so one mutation is what makes each case invalid)", () => {
    for (const base of [noopBase, linearBase]) expect(() => parseSpec(stringify(base), { kernelVersion: 1 })).not.toThrow();
  });

  const check = async ([what, text]: [string, string | Uint8Array]) => {
    const n = caseNumber++;
    const spec = join(root, `spec-${n}.yaml`);
    const out = join(root, `out-${n}`);
    writeFileSync(spec, text);
    expectUsageError(await cli(["run", spec, "--out", out]), what);
    expect(existsSync(out), `${what}: wrote ${out}`).toBe(false);
  };

  it("700 specs with one field wrong", async () => {
    await fc.assert(fc.asyncProperty(mutatedSpec, check), { numRuns: 700, seed });
  });

  it("300 specs of random text, JSON and bytes", async () => {
    await fc.assert(fc.asyncProperty(randomSpec, check), { numRuns: 300, seed });
  });
});

describe("fuzzing dropsweep theory with malformed inputs", () => {
  const matrixFile = (what: string, content: string) => {
    const path = join(root, `m-${caseNumber++}.json`);
    writeFileSync(path, content);
    return path;
  };
  const goodY = JSON.stringify([
    [1, 2, 3],
    [4, 5, 6],
    [7, 8, 10],
  ]);
  const row = fc.array(fc.double({ min: -10, max: 10, noNaN: true }), { minLength: 1, maxLength: 4 });
  const badMatrix = fc.oneof(
    fc.constantFrom(
      "",
      "[]",
      "[[]]",
      "{}",
      "null",
      "[1, 2]",
      "[[1, 2], [3]]",
      '[["a"]]',
      "[[1e999]]",
      "[[1, NaN]]",
      "[[1, 2],",
      "[[null]]",
    ),
    fc
      .array(row, { minLength: 2, maxLength: 4 })
      .filter((rows) => new Set(rows.map((r) => r.length)).size > 1)
      .map((rows) => JSON.stringify(rows)),
    fc
      .jsonValue({ maxDepth: 2 })
      .filter((v) => !Array.isArray(v))
      .map((v) => JSON.stringify(v)),
    fc.string({ maxLength: 50 }).filter((s) => {
      try {
        JSON.parse(s);
        return false;
      } catch {
        return true;
      }
    }),
  );
  const flags = fc.record({ hidden: fc.constant("4"), block: fc.constant("2"), keep: fc.constant("0.5") });
  const badFlag = fc.oneof(
    fc.tuple(
      fc.constantFrom("hidden", "block"),
      fc.oneof(
        fc.constantFrom("0", "-1", "1.5", "", "x", "1e3x", " "),
        fc.string({ maxLength: 6 }).filter((s) => !/^\s*\d+\s*$/.test(s) || Number(s) < 1),
      ),
    ),
    fc.tuple(
      fc.constant("keep"),
      fc.oneof(
        fc.constantFrom("0", "-0.1", "1.01", "", "nan", "Infinity"),
        fc.string({ maxLength: 6 }).filter((s) => !(Number(s) > 0 && Number(s) <= 1) || s.trim() === ""),
      ),
    ),
  );

  it("300 bad matrices", async () => {
    await fc.assert(
      fc.asyncProperty(badMatrix, fc.boolean(), flags, async (content, asInputs, f) => {
        const bad = matrixFile("bad", content);
        const argv = [
          "theory",
          "--hidden",
          f.hidden,
          "--block",
          f.block,
          "--keep",
          f.keep,
          "--targets",
          asInputs ? matrixFile("y", goodY) : bad,
          ...(asInputs ? ["--inputs", bad] : []),
        ];
        expectUsageError(await cli(argv), `matrix ${JSON.stringify(content)} as ${asInputs ? "inputs" : "targets"}`);
      }),
      { numRuns: 300, seed },
    );
  });

  it("200 bad flags", async () => {
    const targets = matrixFile("y", goodY);
    await fc.assert(
      fc.asyncProperty(badFlag, flags, fc.boolean(), async ([name, value], f, unknownFlag) => {
        const values: Record<string, string> = { ...f, [name]: value };
        const argv = [
          "theory",
          "--targets",
          targets,
          ...Object.entries(values).flatMap(([k, v]) => [`--${k}`, v]),
          ...(unknownFlag ? ["--frobnicate"] : []),
        ];
        expectUsageError(await cli(argv), argv.join(" "));
      }),
      { numRuns: 200, seed },
    );
  });
});

describe("through bin/dropsweep.js", () => {
  it("a handful of bad inputs exit 2 with a message and no stack, writing nothing", async () => {
    const out = join(root, "spawned-out");
    const spec = (text: string) => {
      const path = join(root, `spawned-${caseNumber++}.yaml`);
      writeFileSync(path, text);
      return path;
    };
    const cases = [
      ["run", spec(stringify(setPath(linearBase, "mask.keepProbability", 2))), "--out", out],
      ["run", spec("\u0000\u0001garbage: [\n"), "--out", out],
      ["run", join(root, "no-such.yaml"), "--out", out],
      ["run", spec(stringify(noopBase)), "--out", out, "--inject-faults", "2"],
      ["theory", "--targets", spec("[[1, 2], [3]]"), "--hidden", "2", "--block", "1", "--keep", "0.5"],
      ["theory", "--hidden", "3", "--block", "2", "--keep", "0.5", "--targets", spec("[[1]]")],
    ];
    for (const argv of cases) {
      const result = await spawnCli(argv, undefined, 60_000);
      expect(result.code, `${argv.join(" ")}: ${result.err}`).toBe(2);
      expect(result.err).toMatch(/^dropsweep: \S/);
      expect(result.err).not.toMatch(stackTrace);
      expect(result.out).toBe("");
      expect(existsSync(out)).toBe(false);
    }
  });
});
