// The deep cell's rules across fields (shared/experiments/deepParams.ts `deepParamProblems`):
// one set, checked the same way by `runDeepCell`'s `resolveDeepCellParams` and by a spec's deep
// cells (shared/spec/cell.ts), with defaults read from the schema; the reason a block size must
// divide hiddenUnits given per mask family; too many digits as one problem at `samples` that
// says how many are allowed.
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { classCountsFor, mnistDigitCounts } from "../../shared/deep/mnistSelection.js";
import {
  deepCellParamsSchema,
  deepParamProblems,
  resolveDeepCellParams,
  type DeepCellParams,
} from "../../shared/experiments/deepParams.js";
import { resolveCell } from "../../shared/spec/cell.js";
import { formatProblem } from "../../shared/spec/problems.js";
import { cli } from "../hardening/helpers.js";

const root = mkdtempSync(join(tmpdir(), "dropsweep-deep-params-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** The problems `runDeepCell` would refuse the parameters with, as lines ([] when accepted). */
function refusedByRun(params: Record<string, unknown>): string[] {
  try {
    resolveDeepCellParams(params as DeepCellParams);
    return [];
  } catch (error) {
    return (error as Error).message.replace(/^deep cell: /, "").split("; ");
  }
}

/** The problems a spec's deep cell gets, as lines ([] when accepted). */
function refusedBySpec(params: Record<string, unknown>): string[] {
  const check = resolveCell({ experiment: "deep", ...params });
  return check.ok ? [] : check.problems.map(formatProblem);
}

/** The largest total whose split fits, by trying every total that could (independent of the search's bounds). */
function bruteForceLargest(proportions?: number[]): number {
  let largest = 0;
  const everything = mnistDigitCounts.reduce((s, n) => s + n, 0);
  // A split of more digits than the package holds cannot fit; + 10 covers a split that loses some.
  for (let samples = 1; samples <= everything + 10; samples++)
    if (classCountsFor(samples, proportions).every((n, c) => n <= mnistDigitCounts[c]!)) largest = samples;
  return largest;
}

const held = mnistDigitCounts.join(", ");
const onClass5 = [0, 0, 0, 0, 0, 1, 0, 0, 0, 0];

describe("a deep cell's rules across fields: one set for runDeepCell and the spec", () => {
  const cases: Record<string, Record<string, unknown>> = {
    "a usable cell": { seed: 1, mask: { family: "dropout" } },
    "a bad keep probability and a block size that does not divide r": {
      seed: 1,
      hiddenUnits: 20,
      mask: { family: "dropblock", keepProbability: 1.5, blockSize: 3 },
    },
    "a contiguous block size that does not divide the default r": { seed: 1, mask: { family: "contiguous-dropblock", blockSize: 7 } },
    "too many digits": { seed: 1, samples: 9000, mask: { family: "dropout" } },
    "the default samples, more than class 5 holds": { seed: 1, classProportions: onClass5, mask: { family: "dropout" } },
    "all-zero class proportions": { seed: 1, classProportions: new Array(10).fill(0), mask: { family: "dropout" } },
    "a negative proportion (the schema's to report) and a bad samples": {
      seed: 1,
      samples: 0,
      classProportions: [1, -1, 1, 1, 1, 1, 1, 1, 1, 1],
      mask: { family: "dropout" },
    },
  };
  for (const [name, params] of Object.entries(cases))
    it(`gives the same problems either way: ${name}`, () => {
      expect(refusedByRun(params)).toEqual(refusedBySpec(params));
    });

  it("reports the fields' own problems and the rules between them together, from runDeepCell's check too", () => {
    expect(refusedByRun(cases["a bad keep probability and a block size that does not divide r"]!)).toEqual([
      "mask.keepProbability: expected a number > 0 and <= 1, got 1.5",
      "mask.blockSize: expected a divisor of hiddenUnits = 20 (partitioned DropBlock splits the units into blocks), got 3",
    ]);
  });

  it("counts a field left out as the schema's default (samples, hiddenUnits), not a copy of it", () => {
    const samples = deepCellParamsSchema.shape.samples.parse(undefined);
    const hiddenUnits = deepCellParamsSchema.shape.hiddenUnits.parse(undefined);
    expect(refusedBySpec(cases["the default samples, more than class 5 holds"]!)).toEqual([
      `samples: expected at most ${mnistDigitCounts[5]} with these classProportions (the mnist package holds ${held} digits of classes 0..9: class 5 would need ${samples}), got ${samples}`,
    ]);
    expect(refusedBySpec(cases["a contiguous block size that does not divide the default r"]!)).toEqual([
      expect.stringMatching(new RegExp(`^mask\\.blockSize: expected a divisor of hiddenUnits = ${hiddenUnits} `)),
    ]);
    // An unusable value is the schema's problem alone: no rule is checked on it.
    expect(deepParamProblems({ seed: 1, samples: 0, mask: { family: "dropout" } })).toEqual([]);
    expect(deepParamProblems({ seed: 1, samples: "many", hiddenUnits: -4, mask: { family: "dropblock", blockSize: 3 } })).toEqual([]);
  });
});

describe("a block size that does not divide hiddenUnits: the reason for each family", () => {
  it("partitioned DropBlock splits the units; a deep cell's contiguous DropBlock is measured against that closed form", () => {
    expect(refusedBySpec({ seed: 1, hiddenUnits: 40, mask: { family: "dropblock", blockSize: 7 } })).toEqual([
      "mask.blockSize: expected a divisor of hiddenUnits = 40 (partitioned DropBlock splits the units into blocks), got 7",
    ]);
    expect(refusedBySpec({ seed: 1, hiddenUnits: 40, mask: { family: "contiguous-dropblock", blockSize: 7 } })).toEqual([
      "mask.blockSize: expected a divisor of hiddenUnits = 40 (a deep cell measures contiguous DropBlock against partitioned DropBlock's closed form with the same block size, which splits the units into blocks), got 7",
    ]);
  });

  it("a linear cell's contiguous DropBlock needs only a window that fits", () => {
    const linear = (blockSize: number) =>
      resolveCell({
        experiment: "linear-factorisation",
        seed: 1,
        sizes: { m: 4, n: 4, hiddenUnits: 6 },
        mask: { family: "contiguous-dropblock", blockSize },
      });
    expect(linear(4).ok).toBe(true);
    const tooWide = linear(7);
    expect(tooWide.ok ? [] : tooWide.problems.map(formatProblem)).toEqual([
      "mask.blockSize: expected at most sizes.hiddenUnits = 6 (a window of blockSize units must fit in them), got 7",
    ]);
  });

  it("dropsweep run says so for a deep spec: exit 2, one line per problem, nothing written", async () => {
    const spec = join(root, "contiguous.yaml");
    writeFileSync(
      spec,
      "name: contiguous-deep\nexperiment: deep\nhiddenUnits: 40\nmask: {family: contiguous-dropblock, blockSize: 7}\nseeds: [1]\n",
    );
    const out = join(root, "out");
    const result = await cli("run", spec, "--out", out);
    expect(result.code).toBe(2);
    expect(result.err).toContain(
      "mask.blockSize: expected a divisor of hiddenUnits = 40 (a deep cell measures contiguous DropBlock against partitioned DropBlock's closed form with the same block size, which splits the units into blocks), got 7",
    );
    expect(result.err).not.toContain("(partitioned DropBlock splits the units into blocks)");
    expect(() => readdirSync(out)).toThrow();
  });
});

describe("too many digits: one problem at samples, saying how many are allowed", () => {
  it("gives the largest samples that fits, exactly (brute force over every total), for equal and other proportions", () => {
    // Equal shares: class 5 holds 863, but 8636..8639 give it 864 (the remainders go to the lower classes first).
    expect(bruteForceLargest()).toBe(8635);
    expect(refusedBySpec({ seed: 1, samples: 8636, mask: { family: "dropout" } })).toEqual([
      `samples: expected at most 8635 with equal class proportions (the mnist package holds ${held} digits of classes 0..9: class 5 would need 864), got 8636`,
    ]);
    expect(refusedBySpec({ seed: 1, samples: 8635, mask: { family: "dropout" } })).toEqual([]);
  });

  it("matches brute force on many class proportions", () => {
    // A seeded linear congruential generator: proportions of every shape, zeros and tiny shares included.
    let state = 12345;
    const next = () => (state = (state * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const proportions: number[][] = [onClass5, [3, 1, 1, 1, 1, 1, 1, 1, 1, 1], [1, 1, 1, 1, 1, 1e-6, 1, 1, 1, 1]];
    for (let i = 0; i < 40; i++) proportions.push(Array.from({ length: 10 }, () => (next() < 0.2 ? 0 : Math.round(next() * 1000) / 100)));
    for (const p of proportions.filter((p) => p.some((x) => x > 0))) {
      const largest = bruteForceLargest(p);
      expect(refusedBySpec({ seed: 1, samples: largest, classProportions: p, mask: { family: "dropout" } }), String(p)).toEqual([]);
      const [problem, ...more] = refusedBySpec({ seed: 1, samples: largest + 1, classProportions: p, mask: { family: "dropout" } });
      expect(more).toEqual([]);
      expect(problem, String(p)).toMatch(
        new RegExp(`^samples: expected at most ${largest} with these classProportions .*, got ${largest + 1}$`),
      );
    }
  });

  it("far too many digits: still one problem, naming how many classes fall short", () => {
    expect(refusedBySpec({ seed: 1, samples: 20000, mask: { family: "dropout" } })).toEqual([
      `samples: expected at most 8635 with equal class proportions (the mnist package holds ${held} digits of classes 0..9: 10 of the 10 classes would need more), got 20000`,
    ]);
  });
});
