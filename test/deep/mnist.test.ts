// MNIST selection: deterministic from the seed, class counts as asked, digits read unchanged
// from the `mnist` package.
import { createRequire } from "node:module";
import { describe, expect, it } from "vitest";
import { availableDigits, classCountsFor, imagePixels, mnistSelectionProblems, mnistTrainingSet } from "../../shared/deep/mnist.js";
import { mnistDigitCounts } from "../../shared/deep/mnistSelection.js";
import { formatProblem } from "../../shared/spec/problems.js";

const mnist = createRequire(import.meta.url)("mnist") as { raw: number[]; length: number }[];

describe("mnistTrainingSet", () => {
  it("is a pure function of the seed and differs between seeds", () => {
    const a = mnistTrainingSet({ samples: 50, seed: 3 });
    const b = mnistTrainingSet({ samples: 50, seed: 3 });
    const c = mnistTrainingSet({ samples: 50, seed: 4 });
    expect(Buffer.from(a.images.buffer).equals(Buffer.from(b.images.buffer))).toBe(true);
    expect(Array.from(a.indices)).toEqual(Array.from(b.indices));
    expect(Array.from(a.indices)).not.toEqual(Array.from(c.indices));
  });

  it("takes each digit unchanged from the package's raw pixels, n_c per class, no repeats", () => {
    const set = mnistTrainingSet({ samples: 47, seed: 1 });
    expect(set.classCounts.reduce((s, n) => s + n, 0)).toBe(47);
    expect(Math.max(...set.classCounts) - Math.min(...set.classCounts)).toBeLessThanOrEqual(1);
    const seen = new Set<string>();
    set.labels.forEach((c, row) => {
      const i = set.indices[row]!;
      const raw = mnist[c]!.raw.slice(i * imagePixels, (i + 1) * imagePixels);
      expect(Array.from(set.images.subarray(row * imagePixels, (row + 1) * imagePixels))).toEqual(raw.map(Math.fround));
      seen.add(`${c}/${i}`);
    });
    expect(seen.size).toBe(47);
    expect(set.classCounts).toEqual(Array.from({ length: 10 }, (_, c) => set.labels.filter((l) => l === c).length));
  });

  it("splits samples by class proportions with largest remainders", () => {
    expect(classCountsFor(10, [1, 1, 1, 1, 1, 1, 1, 1, 1, 1])).toEqual(new Array(10).fill(1));
    expect(classCountsFor(7, [4, 2, 1, 0, 0, 0, 0, 0, 0, 0])).toEqual([4, 2, 1, 0, 0, 0, 0, 0, 0, 0]);
    const counts = classCountsFor(100, [3, 1, 1, 1, 1, 1, 1, 1, 1, 1]);
    expect(counts.reduce((s, n) => s + n, 0)).toBe(100);
    expect(counts[0]).toBe(25);
  });

  it("validates against per-class counts that are the package's own (kept as constants so validation never loads the digits)", () => {
    expect([...mnistDigitCounts]).toEqual(mnist.slice(0, 10).map((d) => d.length));
    expect(availableDigits()).toEqual([...mnistDigitCounts]);
    // The largest class-0 request that fits, and one more.
    const proportions = [1, 0, 0, 0, 0, 0, 0, 0, 0, 0];
    expect(mnistSelectionProblems({ samples: mnist[0]!.length, seed: 1, classProportions: proportions })).toEqual([]);
    expect(mnistSelectionProblems({ samples: mnist[0]!.length + 1, seed: 1, classProportions: proportions })).toEqual([
      {
        path: "samples",
        message: `expected at most ${mnist[0]!.length} with these classProportions (the mnist package holds ${mnist
          .slice(0, 10)
          .map((d) => d.length)
          .join(", ")} digits of classes 0..9: class 0 would need ${mnist[0]!.length + 1}), got ${mnist[0]!.length + 1}`,
      },
    ]);
  });

  it("names the field when a selection cannot be made", () => {
    expect(availableDigits().reduce((s, n) => s + n, 0)).toBe(10000);
    const lines = (selection: Parameters<typeof mnistSelectionProblems>[0]) => mnistSelectionProblems(selection).map(formatProblem);
    expect(lines({ samples: 0, seed: 1 })).toEqual(["samples: expected a positive integer, got 0"]);
    expect(lines({ samples: 10000, seed: 1 })).toEqual([
      expect.stringMatching(/^samples: expected at most 8635 with equal class proportions /),
    ]);
    expect(lines({ samples: 10, seed: 1, classProportions: [1, 2] })).toEqual([
      "classProportions: expected 10 entries (digits 0..9), got 2",
    ]);
    expect(lines({ samples: 10, seed: 1, classProportions: new Array<number>(10).fill(0) })).toEqual([
      "classProportions: expected non-negative numbers, at least one positive",
    ]);
    expect(() => mnistTrainingSet({ samples: 10000, seed: 1 })).toThrow(/^samples: expected at most 8635 with equal class proportions/);
  });
});
