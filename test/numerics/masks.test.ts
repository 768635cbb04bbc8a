import { describe, expect, it } from "vitest";
import { type MaskFamily } from "../../shared/masks.js";
import { maskFamilyProblems, sampleMasks } from "../../shared/numerics/masks.js";
import { Stream, wordArray } from "../../shared/numerics/rng.js";

// Exact first and second moments (E z, E z z^T) by enumerating the family's elementary random
// choices, independently of the sampler: a list of (probability, mask) outcomes.
type Outcome = [number, number[]];

function bernoulliOutcomes(bits: number, p: number, expand: (b: number[]) => number[]): Outcome[] {
  const out: Outcome[] = [];
  for (let code = 0; code < 2 ** bits; code++) {
    const b = Array.from({ length: bits }, (_, i) => (code >> i) & 1);
    const prob = b.reduce((s, x) => s * (x ? p : 1 - p), 1);
    out.push([prob, expand(b)]);
  }
  return out;
}

function outcomes(mask: MaskFamily, r: number, rows = 1): Outcome[] {
  const theta = mask.keepProbability;
  switch (mask.family) {
    case "dropout":
      return bernoulliOutcomes(r, theta, (b) => b);
    case "dropconnect":
      return bernoulliOutcomes(rows * r, theta, (b) => b);
    case "dropblock": {
      const k = mask.blockSize;
      return bernoulliOutcomes(r / k, theta, (b) => Array.from({ length: r }, (_, u) => b[Math.floor(u / k)]!));
    }
    case "contiguous-dropblock": {
      const k = mask.blockSize;
      const gamma = 1 - theta ** (1 / k);
      // b[j] = 1: a seed at j, which drops units j, j+1, ..., j+k-1 (circularly).
      return bernoulliOutcomes(r, gamma, (b) =>
        Array.from({ length: r }, (_, u) => {
          for (let s = 0; s < k; s++) if (b[(u - s + r) % r]) return 0;
          return 1;
        }),
      );
    }
    case "custom":
      return mask.patterns.map((p, i) => [mask.probabilities[i]!, p]);
  }
}

function exactMoments(list: Outcome[], width: number) {
  const mean = new Array<number>(width).fill(0);
  const second = Array.from({ length: width }, () => new Array<number>(width).fill(0));
  for (const [p, z] of list)
    for (let i = 0; i < width; i++) {
      mean[i]! += p * z[i]!;
      for (let j = 0; j < width; j++) second[i]![j]! += p * z[i]! * z[j]!;
    }
  return { mean, second };
}

function checkFamily(mask: MaskFamily, r: number, rows = 1, count = 40_000) {
  const width = rows * r;
  const masks = sampleMasks(mask, { hiddenUnits: r, count, seed: 2026, weightRows: rows });
  const exact = exactMoments(outcomes(mask, r, rows), width);
  const mean = new Array<number>(width).fill(0);
  const second = Array.from({ length: width }, () => new Array<number>(width).fill(0));
  for (let s = 0; s < count; s++)
    for (let i = 0; i < width; i++) {
      const zi = masks[s * width + i]!;
      if (zi !== 0 && zi !== 1) throw new Error(`mask entry ${zi} is not 0/1`);
      mean[i]! += zi / count;
      if (zi) for (let j = 0; j < width; j++) second[i]![j]! += masks[s * width + j]! / count;
    }
  // Each entry is a mean of 0/1 variables with exact rate q: standard error sqrt(q(1-q)/count).
  const se = (q: number) => Math.sqrt(Math.max(q * (1 - q), 1e-12) / count);
  for (let i = 0; i < width; i++) {
    expect(Math.abs(mean[i]! - exact.mean[i]!)).toBeLessThan(5 * se(exact.mean[i]!) + 1e-12);
    for (let j = 0; j < width; j++) {
      const q = exact.second[i]![j]!;
      expect(Math.abs(second[i]![j]! - q)).toBeLessThan(5 * se(q) + 1e-12);
    }
  }
  return { exact, masks };
}

describe("mask samplers: empirical mean and covariance against exact enumeration", () => {
  it("dropout: mean theta, covariance theta(1-theta) I", () => {
    const { exact } = checkFamily({ family: "dropout", keepProbability: 0.7 }, 5);
    expect(exact.second[0]![1]! - exact.mean[0]! * exact.mean[1]!).toBeCloseTo(0, 12);
  });

  it("partitioned dropblock: blocks share one draw", () => {
    const { masks } = checkFamily({ family: "dropblock", keepProbability: 0.6, blockSize: 2 }, 6);
    for (let s = 0; s < 100; s++) for (let g = 0; g < 3; g++) expect(masks[s * 6 + 2 * g]).toBe(masks[s * 6 + 2 * g + 1]);
  });

  it("dropconnect: independent per weight over a rows x r matrix", () => {
    checkFamily({ family: "dropconnect", keepProbability: 0.55, layer: "first" }, 3, 2);
  });

  it("contiguous dropblock with circular windows: keep rate theta at every unit", () => {
    const mask: MaskFamily = { family: "contiguous-dropblock", keepProbability: 0.6, blockSize: 3 };
    const { exact } = checkFamily(mask, 7);
    for (const m of exact.mean) expect(m).toBeCloseTo(0.6, 12);
    // windows of k = r cover everything: a unit is kept only if no seed at all
    checkFamily({ family: "contiguous-dropblock", keepProbability: 0.8, blockSize: 4 }, 4);
  });

  it("custom: categorical draw over the given patterns", () => {
    checkFamily(
      {
        family: "custom",
        keepProbability: 0.5,
        patterns: [
          [1, 1, 0, 0],
          [0, 0, 1, 1],
          [1, 0, 1, 0],
          [1, 1, 1, 1],
        ],
        probabilities: [0.2, 0.3, 0.1, 0.4],
      },
      4,
    );
  });

  it("keepProbability 1 keeps everything", () => {
    for (const mask of [
      { family: "dropout", keepProbability: 1 },
      { family: "dropblock", keepProbability: 1, blockSize: 2 },
      { family: "contiguous-dropblock", keepProbability: 1, blockSize: 3 },
    ] satisfies MaskFamily[])
      expect(sampleMasks(mask, { hiddenUnits: 6, count: 50, seed: 1 }).every((x) => x === 1)).toBe(true);
  });

  it("mask i does not depend on how masks were requested", () => {
    const mask: MaskFamily = { family: "contiguous-dropblock", keepProbability: 0.5, blockSize: 2 };
    const all = sampleMasks(mask, { hiddenUnits: 5, count: 10, seed: 3 });
    const tail = sampleMasks(mask, { hiddenUnits: 5, count: 4, seed: 3, firstMask: 6 });
    expect(Array.from(tail)).toEqual(Array.from(all.subarray(30)));
    expect(Array.from(sampleMasks(mask, { hiddenUnits: 5, count: 10, seed: 4 }))).not.toEqual(Array.from(all));
  });

  it("reads the documented words of the stream (wasm/assembly/masks.ts), across bulk chunks", () => {
    // 300 masks of 16 units: 4,800 words for dropout and contiguous DropBlock, more than one
    // bulk chunk of 1,024, starting at an unaligned mask index.
    const r = 16,
      count = 300,
      firstMask = 7,
      seed = 5;
    const below = (p: number) => Math.floor(p * 2 ** 32);
    const check = (mask: MaskFamily, perMask: number, expand: (words: Uint32Array) => number[]) => {
      const got = sampleMasks(mask, { hiddenUnits: r, count, seed, firstMask });
      const words = wordArray(count * perMask, seed, Stream.mask, 0, firstMask * perMask);
      for (let i = 0; i < count; i++)
        expect(Array.from(got.subarray(i * r, (i + 1) * r)), `mask ${i}`).toEqual(expand(words.subarray(i * perMask, (i + 1) * perMask)));
    };
    check({ family: "dropout", keepProbability: 0.4 }, r, (w) => Array.from(w, (x) => (x < below(0.4) ? 1 : 0)));
    check({ family: "dropblock", keepProbability: 0.4, blockSize: 4 }, 4, (w) =>
      Array.from({ length: r }, (_, u) => (w[Math.floor(u / 4)]! < below(0.4) ? 1 : 0)),
    );
    const k = 3,
      gamma = 1 - 0.6 ** (1 / k);
    check({ family: "contiguous-dropblock", keepProbability: 0.6, blockSize: k }, r, (w) =>
      Array.from({ length: r }, (_, u) => {
        for (let s = 0; s < k; s++) if (w[(u - s + r) % r]! < below(gamma)) return 0;
        return 1;
      }),
    );
  });

  it("names the field of every problem", () => {
    expect(maskFamilyProblems({ family: "dropout", keepProbability: 0 }, 4)[0]).toMatch(/keepProbability/);
    expect(maskFamilyProblems({ family: "dropblock", keepProbability: 0.5, blockSize: 3 }, 4)[0]).toMatch(
      /^mask\.blockSize: expected a divisor of hiddenUnits = 4/,
    );
    expect(maskFamilyProblems({ family: "contiguous-dropblock", keepProbability: 0.5, blockSize: 5 }, 4)[0]).toMatch(/blockSize/);
    const bad = maskFamilyProblems({ family: "custom", keepProbability: 0.5, patterns: [[1, 0]], probabilities: [0.5] }, 3);
    expect(bad).toEqual([
      "mask.patterns[0]: expected 3 entries (hiddenUnits), got 2",
      "mask.probabilities: expected entries summing to 1, got a sum of 0.5",
    ]);
    expect(() => sampleMasks({ family: "dropout", keepProbability: 2 }, { hiddenUnits: 3, count: 1, seed: 1 })).toThrow(/keepProbability/);
  });
});
