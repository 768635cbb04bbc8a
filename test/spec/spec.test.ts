import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { UsageError } from "../../shared/errors.js";
import { resolveCell, type Cell } from "../../shared/spec/cell.js";
import { canonicalJson } from "../../shared/spec/canonical.js";
import { cellHash } from "../../shared/spec/hash.js";
import { formatProblem, SpecError } from "../../shared/spec/problems.js";
import { checkSpec, parseSpec, type Sweep } from "../../shared/spec/spec.js";

const options = { kernelVersion: 1 };

function problemsOf(text: string): string[] {
  const check = checkSpec(text, options);
  if (check.ok) throw new Error("expected the spec to be rejected");
  return check.problems.map(formatProblem);
}

const base = `
experiment: linear-factorisation
sizes: { m: 20, n: 15, hiddenUnits: 12 }
`;
const linear = `${base}mask: { family: dropblock, keepProbability: 0.5, blockSize: 1 }
`;

describe("grid expansion", () => {
  // The worked example of shared/spec/spec.ts's first comment.
  const example = `name: blocks
${linear}
seeds: [0, 1]
grid:
  mask.keepProbability: [0.5, 0.8]
  mask.blockSize: [1, 2, 4]
zip:
  - sizes.m: [20, 40]
    optimiser.epochs: [200, 400]
`;

  it("gives the worked example's 24 cells in nested-loop order, last axis fastest", () => {
    const sweep = parseSpec(example, options);
    expect(sweep.cells).toHaveLength(24);
    // Independent enumeration: nested loops in the order the axes are written.
    const expected: Record<string, unknown>[] = [];
    for (const keep of [0.5, 0.8])
      for (const k of [1, 2, 4])
        for (const [m, epochs] of [
          [20, 200],
          [40, 400],
        ])
          for (const seed of [0, 1])
            expected.push({ "mask.keepProbability": keep, "mask.blockSize": k, "sizes.m": m, "optimiser.epochs": epochs, seed });
    expect(sweep.cells.map((c) => c.parameters)).toEqual(expected);
    // The parameters are what the cells hold.
    for (const { cell, parameters } of sweep.cells) {
      if (cell.experiment !== "linear-factorisation") throw new Error("wrong kind");
      expect(cell.mask).toMatchObject({
        family: "dropblock",
        keepProbability: parameters["mask.keepProbability"],
        blockSize: parameters["mask.blockSize"],
      });
      expect([cell.sizes.m, cell.optimiser.epochs, cell.seed]).toEqual([
        parameters["sizes.m"],
        parameters["optimiser.epochs"],
        parameters["seed"],
      ]);
    }
  });

  it("fills every default into each cell", () => {
    const [first] = parseSpec(example, options).cells;
    expect(first!.cell).toEqual({
      experiment: "linear-factorisation",
      sizes: { m: 20, n: 15, hiddenUnits: 12 },
      target: { generator: "gaussian", noise: 0 },
      mask: { family: "dropblock", keepProbability: 0.5, blockSize: 1 },
      optimiser: { learningRate: "auto", epochs: 200, tolerance: 3e-4, batchSize: 15, maskScope: "sample", dtype: "f64" },
      seed: 0,
      monteCarloSamples: 1000,
    });
  });

  it("steps linked (zipped) axes together and multiplies independent ones", () => {
    const sweep = parseSpec(
      `${linear}
grid: { optimiser.learningRate: [0.01, 0.02, 0.03] }
zip:
  - { sizes.m: [10, 20, 30, 40], sizes.n: [5, 6, 7, 8] }
  - { target.generator: [flat, low-rank], target.rank: [1, 3] }
`,
      options,
    );
    expect(sweep.cells).toHaveLength(3 * 4 * 2);
    const pairs = new Set(sweep.cells.map((c) => `${c.parameters["sizes.m"]}x${c.parameters["sizes.n"]}`));
    expect([...pairs]).toEqual(["10x5", "20x6", "30x7", "40x8"]);
    for (const { cell } of sweep.cells) {
      if (cell.experiment !== "linear-factorisation") throw new Error("wrong kind");
      // `rank` is a low-rank field: the flat cells do not carry it.
      if (cell.target.generator === "flat") expect(cell.target).toEqual({ generator: "flat", noise: 0 });
      else expect(cell.target).toEqual({ generator: "low-rank", rank: 3, noise: 0 });
    }
  });

  it("lets an axis span mask families, each cell keeping only its family's fields", () => {
    const sweep = parseSpec(`${linear}\ngrid: { mask.family: [dropout, dropblock, contiguous-dropblock, dropconnect] }`, options);
    expect(sweep.cells.map((c) => (c.cell as { mask: unknown }).mask)).toEqual([
      { family: "dropout", keepProbability: 0.5 },
      { family: "dropblock", keepProbability: 0.5, blockSize: 1 },
      { family: "contiguous-dropblock", keepProbability: 0.5, blockSize: 1 },
      { family: "dropconnect", keepProbability: 0.5, layer: "last" },
    ]);
  });

  it("replaces a whole field when the axis value is an object", () => {
    const sweep = parseSpec(
      `${linear}\ngrid: { mask: [{ family: dropout }, { family: dropblock, blockSize: 3, keepProbability: 0.9 }] }`,
      options,
    );
    expect(sweep.cells.map((c) => (c.cell as { mask: unknown }).mask)).toEqual([
      { family: "dropout", keepProbability: 0.5 },
      { family: "dropblock", keepProbability: 0.9, blockSize: 3 },
    ]);
  });

  it("expands sections in order, each merging its fields and axes over the top level", () => {
    const sweep = parseSpec(
      `name: mixed
mask: { family: dropout, keepProbability: 0.8 }
optimiser: { epochs: 100 }
grid: { mask.keepProbability: [0.5, 0.9] }
sections:
  - name: factorisation
    experiment: linear-factorisation
    sizes: { m: 8, n: 6, hiddenUnits: 4 }
    optimiser: { learningRate: 0.1 }
  - name: regression
    experiment: linear-regression
    sizes: { m: 8, d: 5, N: 30, hiddenUnits: 4 }
    data: { generator: correlated }
    grid: { mask.keepProbability: [0.7], data.correlation: [0.1, 0.9] }
    seeds: [3]
`,
      options,
    );
    const bySection = (name: string) => sweep.cells.filter((c) => c.parameters["section"] === name);
    expect(bySection("factorisation")).toHaveLength(2);
    expect(bySection("regression")).toHaveLength(2);
    expect(sweep.cells.map((c) => c.parameters["section"])).toEqual(["factorisation", "factorisation", "regression", "regression"]);
    const f = bySection("factorisation")[1]!.cell;
    if (f.experiment !== "linear-factorisation") throw new Error("wrong kind");
    expect(f.optimiser).toMatchObject({ learningRate: 0.1, epochs: 100, batchSize: 6 });
    expect(f.mask).toEqual({ family: "dropout", keepProbability: 0.9 });
    const r = bySection("regression")[1]!.cell;
    if (r.experiment !== "linear-regression") throw new Error("wrong kind");
    expect(r).toMatchObject({ data: { generator: "correlated", correlation: 0.9 }, mask: { keepProbability: 0.7 }, seed: 3 });
  });

  it("keeps a cell that two sections share once, and ignores top-level fields a section's kind does not use", () => {
    const sweep = parseSpec(
      `mask: { family: dropout }
sections:
  - { name: a, experiment: noop, seeds: [0, 1] }
  - { name: b, experiment: noop, seeds: [1, 2] }
  - { name: c, experiment: linear-factorisation, sizes: { m: 2, n: 2, hiddenUnits: 1 } }
`,
      options,
    );
    expect(sweep.cells.map((c) => [c.parameters["section"], c.parameters["seed"]])).toEqual([
      ["a", 0],
      ["a", 1],
      ["b", 2],
      ["c", 0],
    ]);
    expect(sweep.cells[0]!.cell).toEqual({ experiment: "noop", seed: 0, work: { iterations: 0, fail: false } });
  });

  it("accepts a sweep of exactly maxCells cells and rejects one more", () => {
    const spec = (max: number) => `experiment: noop\nmaxCells: ${max}\nseeds: [0, 1, 2]\ngrid: { work.iterations: [1, 2, 3, 4] }`;
    expect(parseSpec(spec(12), options).cells).toHaveLength(12);
    expect(problemsOf(spec(11))).toEqual([
      "maxCells: the sweep has 12 cells (main: 4 x 3 = 12), more than maxCells = 11; shrink the grid or raise maxCells",
    ]);
    // The default cap is 20000.
    expect(
      problemsOf("experiment: noop\ngrid: { work.iterations: [" + Array.from({ length: 20_001 }, (_, i) => i).join(",") + "] }")[0],
    ).toMatch(/20001 cells .* more than maxCells = 20000/);
  });
});

describe("spec validation: every problem, each with its path", () => {
  it("reports a bad value with the field's path, what is allowed and what was found", () => {
    expect(problemsOf(`${linear}\noptimiser: { learningRate: fast }`)).toEqual([
      'optimiser.learningRate: expected "auto" or a number > 0, got "fast"',
    ]);
  });

  it("lists every problem of a spec at once", () => {
    const problems = problemsOf(`
experiment: linear-factorisation
sizes: { m: 20, n: 15, hiddenUnits: 10, q: 1 }
mask: { family: dropblock, keepProbability: 0, blockSize: 3 }
optimiser: { learningRate: -1, epochs: 2.5, batchSize: 100, tolerance: 2, dtype: f16 }
target: { generator: low-rank, rank: 40 }
monteCarloSamples: many
grid:
  mask.keepProbabilty: [0.5]
`);
    expect(problems.sort()).toEqual(
      [
        "sizes.q: unknown field; expected one of: m, n, hiddenUnits",
        "mask.keepProbability: expected a number > 0 and <= 1, got 0",
        "mask.blockSize: expected a divisor of sizes.hiddenUnits = 10 (partitioned DropBlock splits the units into blocks), got 3",
        'optimiser.learningRate: expected "auto" or a number > 0, got -1',
        "optimiser.epochs: expected an integer >= 1, got 2.5",
        "optimiser.batchSize: expected at most sizes.n = 15, got 100",
        "optimiser.tolerance: expected a number > 0 and < 1, got 2",
        'optimiser.dtype: expected one of "f64", "f32", got "f16"',
        "target.rank: expected at most min(sizes.m, sizes.n) = 15, got 40",
        'monteCarloSamples: expected an integer >= 0, got "many"',
        'grid["mask.keepProbabilty"]: unknown field (did you mean keepProbability?); expected one of: family, keepProbability, blockSize',
      ].sort(),
    );
  });

  it("names missing fields and what they must be", () => {
    expect(problemsOf("experiment: linear-regression\nsizes: { m: 3, N: 9 }").sort()).toEqual(
      [
        "sizes.d: missing (expected an integer >= 1)",
        "sizes.hiddenUnits: missing (expected an integer >= 1)",
        "mask: missing (expected a mapping)",
      ].sort(),
    );
    expect(problemsOf("sizes: { m: 3 }")).toEqual([
      'experiment: missing (expected one of "linear-factorisation", "linear-regression", "deep", "noop")',
    ]);
    expect(problemsOf(`${linear}\ntarget: { generator: low-rank }`)).toEqual(["target.rank: missing (expected an integer >= 1)"]);
  });

  it("still reports unknown fields when a variant name is wrong", () => {
    expect(problemsOf(`${base}\nmask: { family: dropblok, keepProbabilty: 0.5 }`).sort()).toEqual(
      [
        'mask.family: expected one of "dropout", "dropblock", "dropconnect", "contiguous-dropblock", "custom", got "dropblok"',
        "mask.keepProbabilty: unknown field (did you mean keepProbability?); expected one of: family, keepProbability, blockSize, layer, patterns, probabilities",
      ].sort(),
    );
  });

  it("points problems caused by an axis value at the axis", () => {
    expect(problemsOf(`${linear}\ngrid: { mask.keepProbability: [0.5, 1.5, 2], mask.blockSize: [1, 5] }`).sort()).toEqual(
      [
        'grid["mask.keepProbability"]: expected a number > 0 and <= 1, got 1.5',
        'grid["mask.keepProbability"]: expected a number > 0 and <= 1, got 2',
        'grid["mask.blockSize"]: expected a divisor of sizes.hiddenUnits = 12 (partitioned DropBlock splits the units into blocks), got 5',
      ].sort(),
    );
    expect(problemsOf(`${linear}\nzip: [{ sizes.m: [4, 0], sizes.n: [3, 3] }]`)).toEqual([
      'zip[0]["sizes.m"]: expected an integer >= 1, got 0',
    ]);
    expect(problemsOf(`${linear}\nseeds: [1, -1]`)).toEqual(["seeds[1]: expected an integer >= 0 and <= 4294967295, got -1"]);
  });

  it("checks custom masks against the hidden units", () => {
    expect(problemsOf(`${base}\nmask: { family: custom, patterns: [[1, 0, 1], [0, 1, 1]], probabilities: [0.5, 0.6] }`).sort()).toEqual(
      [
        "mask.patterns[0]: expected 12 entries (sizes.hiddenUnits), got 3",
        "mask.patterns[1]: expected 12 entries (sizes.hiddenUnits), got 3",
        "mask.probabilities: expected entries summing to 1, got a sum of 1.1",
      ].sort(),
    );
    const ok = parseSpec(
      `experiment: linear-factorisation\nsizes: { m: 4, n: 4, hiddenUnits: 2 }\nmask: { family: custom, patterns: [[1, 0], [0, 1], [1, 1]] }`,
      options,
    );
    expect((ok.cells[0]!.cell as { mask: { probabilities: number[] } }).mask.probabilities).toEqual([1 / 3, 1 / 3, 1 / 3]);
  });

  it("checks the grid's own shape", () => {
    expect(
      problemsOf(`${linear}
grid: { seeds: [1], seed: [2], "mask..x": [1], optimiser.epochs: 5, optimiser.learningRate: [] }
`).sort(),
    ).toEqual(
      [
        'grid["seeds"]: "seeds" is a spec field, not a cell field, so it cannot be an axis',
        'grid["seed"]: seeds are an axis already; write seeds: [...] instead',
        'grid["mask..x"]: expected a dotted field path like "mask.blockSize", got "mask..x"',
        'grid["optimiser.epochs"]: expected a list of values, got 5',
        'grid["optimiser.learningRate"]: expected at least one value, got []',
      ].sort(),
    );
    expect(
      problemsOf(
        `${linear}\ngrid: { mask: [{ family: dropout }], mask.blockSize: [2] }\nzip: [{ sizes.m: [1, 2], sizes.n: [3] }, {}]`,
      ).sort(),
    ).toEqual(
      [
        'grid["mask.blockSize"]: overlaps the axis mask of grid["mask"]; each field may be set by one axis only',
        "zip[0]: expected lists of one common length (linked axes step together), got sizes.m: 2, sizes.n: 1",
        "zip[1]: expected at least one field path",
      ].sort(),
    );
  });

  it("rejects axes that do not change the cells", () => {
    expect(problemsOf("experiment: noop\ngrid: { mask.keepProbability: [0.5, 0.8] }")).toEqual([
      'grid["mask.keepProbability"]: mask.keepProbability has no effect on "noop" cells: cells #0 and #1 are identical; remove the axis or the duplicate cells',
    ]);
  });

  it("rejects malformed documents and misplaced spec fields", () => {
    expect(problemsOf("experiment: noop\n  bad: [")[0]).toMatch(/^YAML: /);
    expect(problemsOf("- 1\n- 2")).toEqual(["expected a mapping of spec fields, got [1,2]"]);
    expect(problemsOf("experiment: noop\nsections: [{ maxCells: 3, name: a }, { name: a, seeds: [1] }]").sort()).toEqual(
      [
        "sections[0].maxCells: allowed only at the top level of a spec",
        'sections[1].name: expected a name not used by another section, got "a"',
      ].sort(),
    );
    expect(problemsOf("experiment: noop\nseed: 4")).toEqual([
      "seed: set by `seeds` (a list, the innermost axis); write seeds: [...] instead",
    ]);
    expect(problemsOf("experiment: noop\nmaxCells: 0\nsections: []").sort()).toEqual(
      ["maxCells: expected an integer >= 1, got 0", "sections: expected at least one section, got []"].sort(),
    );
  });

  it("throws one SpecError (a usage error, exit 2) that lists every problem", () => {
    let error: unknown;
    try {
      parseSpec(`${linear}\noptimiser: { learningRate: fast, epochs: 0 }`, { ...options, source: "sweeps/x.yaml" });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(SpecError);
    expect(error).toBeInstanceOf(UsageError);
    expect((error as UsageError).exitCode).toBe(2);
    expect((error as Error).message).toBe(
      'sweeps/x.yaml: 2 problems\n  optimiser.learningRate: expected "auto" or a number > 0, got "fast"\n  optimiser.epochs: expected an integer >= 1, got 0',
    );
  });

  it("counts one problem in the singular", () => {
    expect(new SpecError("x.yaml", [{ path: "seeds", message: "expected a list" }]).message).toBe(
      "x.yaml: 1 problem\n  seeds: expected a list",
    );
  });
});

describe("content hashes", () => {
  const cell: Cell = { experiment: "noop", seed: 7, work: { iterations: 3, fail: false } };

  it("is the SHA-256 of the canonical JSON of the cell and the kernel version", () => {
    // Written by hand: keys sorted at every level, no spaces.
    const canonical = '{"cell":{"experiment":"noop","seed":7,"work":{"fail":false,"iterations":3}},"kernelVersion":1}';
    expect(cellHash(cell, 1)).toBe(createHash("sha256").update(canonical).digest("hex"));
  });

  it("does not depend on key order, and changes with the kernel version", () => {
    const reordered = JSON.parse('{"work":{"fail":false,"iterations":3},"seed":7,"experiment":"noop"}') as Cell;
    expect(cellHash(reordered, 1)).toBe(cellHash(cell, 1));
    expect(cellHash(cell, 2)).not.toBe(cellHash(cell, 1));
    expect(cellHash({ ...cell, seed: 8 }, 1)).not.toBe(cellHash(cell, 1));
  });

  it("gives the same cells and sweep id for the same spec however its mappings are ordered", () => {
    const a = parseSpec(
      `${linear}\noptimiser: { epochs: 9, learningRate: 0.1 }\ngrid: { seed: [] }`.replace("grid: { seed: [] }", ""),
      options,
    );
    const b = parseSpec(
      `optimiser: { learningRate: 0.1, epochs: 9 }\nmask: { blockSize: 1, keepProbability: 0.5, family: dropblock }\nsizes: { hiddenUnits: 12, n: 15, m: 20 }\nexperiment: linear-factorisation`,
      options,
    );
    expect(b.cells.map((c) => c.hash)).toEqual(a.cells.map((c) => c.hash));
    expect(b.sweepId).toBe(a.sweepId);
    const other: Sweep = parseSpec(`${linear}\noptimiser: { epochs: 10, learningRate: 0.1 }`, options);
    expect(other.sweepId).not.toBe(a.sweepId);
    expect(parseSpec(`${linear}\noptimiser: { epochs: 9, learningRate: 0.1 }`, { kernelVersion: 2 }).sweepId).not.toBe(a.sweepId);
  });

  it("writes canonical JSON with sorted keys and refuses numbers JSON cannot hold", () => {
    expect(canonicalJson({ b: [1, { d: 2, c: 1e-7 }], a: "é", z: undefined })).toBe('{"a":"é","b":[1,{"c":1e-7,"d":2}]}');
    expect(() => canonicalJson({ x: NaN })).toThrow(/non-finite number NaN at \$\.x/);
    expect(() => canonicalJson([Infinity])).toThrow(/\$\[0\]/);
    expect(() => canonicalJson({ b: [1, { d: 2, c: -Infinity }], a: NaN })).toThrow(/non-finite number NaN at \$\.a$/);
    expect(() => canonicalJson({ b: [1, { d: () => 1, c: 1 }] })).toThrow(/cannot encode function at \$\.b\[1\]\.d$/);
  });

  it("resolves a cell the same way whether defaults were written or left out", () => {
    const short = resolveCell({ experiment: "noop", seed: 1 });
    const long = resolveCell({ experiment: "noop", seed: 1, work: { iterations: 0, fail: false } });
    if (!short.ok || !long.ok) throw new Error("expected valid cells");
    expect(cellHash(short.cell, 1)).toBe(cellHash(long.cell, 1));
  });
});
