import { describe, expect, it } from "vitest";
import type { MaskFamily } from "../../shared/masks.js";
import { type Matrix, zeros } from "../../shared/numerics/matrix.js";
import { createDeterministicObjective, deterministicObjective } from "../../shared/theory/deterministicObjective.js";
import { maskMoments } from "../../shared/theory/maskMoments.js";
import { gaussian, lcg, maxAbsDiff, naiveProduct, naiveTranspose, randomMatrix, randomOrthonormal } from "./helpers.js";

const r = 6;
const theta = 0.6;
const families: MaskFamily[] = [
  { family: "dropout", keepProbability: theta },
  { family: "dropblock", keepProbability: theta, blockSize: 3 },
  { family: "dropconnect", keepProbability: theta, layer: "last" },
  { family: "dropconnect", keepProbability: theta, layer: "first" },
  { family: "contiguous-dropblock", keepProbability: theta, blockSize: 3 },
  {
    family: "custom",
    keepProbability: theta,
    patterns: [
      [1, 1, 0, 0, 1, 1],
      [0, 1, 1, 1, 0, 0],
      [1, 0, 1, 0, 1, 1],
      [1, 1, 1, 1, 1, 1],
    ],
    probabilities: [0.4, 0.3, 0.2, 0.1],
  },
];
const label = (f: MaskFamily) => (f.family === "dropconnect" ? `dropconnect (${f.layer})` : f.family);

/**
 * One stochastic loss L = sum_n ||y_n - U_z diag(z/theta) V_z^T x_n||^2 with a fresh mask per
 * sample, drawn by a plain sampler written here from the family's description.
 */
function stochasticLoss(mask: MaskFamily, y: Matrix, x: Matrix, u: Matrix, v: Matrix, uniform: () => number): number {
  const m = y.rows;
  const d = x.rows;
  const samples = y.cols;
  let loss = 0;
  for (let n = 0; n < samples; n++) {
    const z = new Array<number>(r).fill(1);
    let uMask: number[] | null = null; // m x r weight mask (DropConnect, last layer)
    let vMask: number[] | null = null; // d x r weight mask (DropConnect, first layer)
    switch (mask.family) {
      case "dropout":
        for (let i = 0; i < r; i++) z[i] = uniform() < theta ? 1 : 0;
        break;
      case "dropblock":
        for (let g = 0; g < r / mask.blockSize; g++) {
          const keep = uniform() < theta ? 1 : 0;
          for (let i = 0; i < mask.blockSize; i++) z[g * mask.blockSize + i] = keep;
        }
        break;
      case "contiguous-dropblock": {
        const gamma = 1 - Math.pow(theta, 1 / mask.blockSize);
        for (let s = 0; s < r; s++) if (uniform() < gamma) for (let o = 0; o < mask.blockSize; o++) z[(s + o) % r] = 0;
        break;
      }
      case "custom": {
        let pick = uniform();
        let j = 0;
        while (j < mask.probabilities.length - 1 && pick >= mask.probabilities[j]!) pick -= mask.probabilities[j++]!;
        mask.patterns[j]!.forEach((bit, i) => (z[i] = bit));
        break;
      }
      case "dropconnect":
        if (mask.layer === "last") uMask = Array.from({ length: m * r }, () => (uniform() < theta ? 1 : 0));
        else vMask = Array.from({ length: d * r }, () => (uniform() < theta ? 1 : 0));
        break;
    }
    const hidden = new Array<number>(r).fill(0);
    for (let i = 0; i < r; i++) {
      for (let j = 0; j < d; j++) hidden[i]! += v.data[j * r + i]! * (vMask ? vMask[j * r + i]! / theta : 1) * x.data[j * samples + n]!;
      if (mask.family !== "dropconnect") hidden[i]! *= z[i]! / theta;
    }
    for (let a = 0; a < m; a++) {
      let out = 0;
      for (let i = 0; i < r; i++) out += u.data[a * r + i]! * (uMask ? uMask[a * r + i]! / theta : 1) * hidden[i]!;
      loss += (y.data[a * samples + n]! - out) ** 2;
    }
  }
  return loss;
}

describe('deterministic objective (THEORY.md "Deterministic objective")', () => {
  const normal = gaussian(lcg(2026));
  const m = 3;
  const d = 4;
  const samples = 5;
  const y = randomMatrix(m, samples, normal);
  const x = randomMatrix(d, samples, normal);
  const u = randomMatrix(m, r, normal, 0.7);
  const v = randomMatrix(d, r, normal, 0.7);

  for (const mask of families)
    it(`equals the Monte Carlo mean of the stochastic loss within 3 standard errors: ${label(mask)}`, () => {
      const uniform = lcg(99);
      const draws = 6000;
      let sum = 0;
      let sumSq = 0;
      for (let t = 0; t < draws; t++) {
        const loss = stochasticLoss(mask, y, x, u, v, uniform);
        sum += loss;
        sumSq += loss * loss;
      }
      const mean = sum / draws;
      const standardError = Math.sqrt((sumSq / draws - mean * mean) / (draws - 1));
      const exact = deterministicObjective({ targets: y, inputs: x, U: u, V: v, mask });
      expect(Math.abs(mean - exact)).toBeLessThanOrEqual(3 * standardError);
      // The check can fail: the mask's contribution is many standard errors wide.
      const plain = deterministicObjective({ targets: y, inputs: x, U: u, V: v, mask: { family: "dropout", keepProbability: 1 } });
      expect(Math.abs(exact - plain)).toBeGreaterThan(10 * standardError);
    });

  it("has the gradient of central finite differences, for every family, with and without X", () => {
    for (const mask of families)
      for (const inputs of [x, null]) {
        const objective = createDeterministicObjective({ targets: inputs ? y : randomFactorTarget(y, d), inputs, mask, hiddenUnits: r });
        const { gradU, gradV } = objective.valueAndGradient(u, v);
        for (const [which, grad] of [
          ["U", gradU],
          ["V", gradV],
        ] as const) {
          const base = which === "U" ? u : v;
          const numeric = new Float64Array(base.data.length);
          for (let i = 0; i < base.data.length; i++) {
            const h = 1e-6;
            const plus = { ...base, data: Float64Array.from(base.data) };
            const minus = { ...base, data: Float64Array.from(base.data) };
            plus.data[i]! += h;
            minus.data[i]! -= h;
            const fPlus = which === "U" ? objective.value(plus, v) : objective.value(u, plus);
            const fMinus = which === "U" ? objective.value(minus, v) : objective.value(u, minus);
            numeric[i] = (fPlus - fMinus) / (2 * h);
          }
          expect(maxAbsDiff(grad.data, numeric), `${label(mask)} d/d${which} ${inputs ? "data" : "factorisation"}`).toBeLessThanOrEqual(
            1e-6,
          );
        }
      }
  });

  it("DropConnect on the last layer equals Dropout for any X", () => {
    const dropout = deterministicObjective({ targets: y, inputs: x, U: u, V: v, mask: families[0]! });
    expect(deterministicObjective({ targets: y, inputs: x, U: u, V: v, mask: families[2]! })).toBeCloseTo(dropout, 10);
  });

  it("DropConnect on the first layer equals Dropout iff X X^T is diagonal", () => {
    const yFactor = randomFactorTarget(y, d); // X = I needs d = N columns
    const dropout = (inputs: Matrix | null) =>
      deterministicObjective({ targets: inputs ? y : yFactor, inputs, U: u, V: v, mask: families[0]! });
    const first = (inputs: Matrix | null) =>
      deterministicObjective({ targets: inputs ? y : yFactor, inputs, U: u, V: v, mask: families[3]! });
    // X = D Q^T with orthonormal Q: X X^T = D^2 is diagonal (but X is not I).
    const q = randomOrthonormal(samples, d, normal);
    const diagonalGram = naiveTranspose(q);
    for (let i = 0; i < d; i++) for (let j = 0; j < samples; j++) diagonalGram.data[i * samples + j]! *= 1 + i;
    const gram = naiveProduct(diagonalGram, naiveTranspose(diagonalGram));
    expect(Math.abs(gram.data[1]!)).toBeLessThan(1e-12);
    expect(first(diagonalGram)).toBeCloseTo(dropout(diagonalGram), 10);
    expect(first(null)).toBeCloseTo(dropout(null), 10);
    expect(Math.abs(first(x) - dropout(x))).toBeGreaterThan(1e-3);
  });

  it("is cheap to reuse: the prepared objective gives the one-shot value", () => {
    const mask = families[1]!;
    const prepared = createDeterministicObjective({ targets: y, inputs: x, mask, hiddenUnits: r });
    expect(prepared.value(u, v)).toBe(deterministicObjective({ targets: y, inputs: x, U: u, V: v, mask }));
    expect(() => prepared.value(v, u)).toThrow(/U: expected 3 x 6/);
  });
});

/** A target with as many columns as V has rows, for factorisation mode (X = I, d = N). */
function randomFactorTarget(y: Matrix, d: number): Matrix {
  const normal = gaussian(lcg(5));
  return randomMatrix(y.rows, d, normal);
}

/** Exact moments by enumerating every seed (or block) pattern with its probability. */
function enumeratedMoments(draw: (bits: number[]) => number[], count: number, p: number, r: number) {
  const mean = new Float64Array(r);
  const second = new Float64Array(r * r);
  for (let code = 0; code < 1 << count; code++) {
    const bits = Array.from({ length: count }, (_, i) => (code >> i) & 1);
    const weight = bits.reduce((acc, b) => acc * (b ? p : 1 - p), 1);
    const z = draw(bits);
    for (let i = 0; i < r; i++) {
      mean[i]! += weight * z[i]!;
      for (let j = 0; j < r; j++) second[i * r + j]! += weight * z[i]! * z[j]!;
    }
  }
  const covariance = zeros(r, r);
  for (let i = 0; i < r; i++) for (let j = 0; j < r; j++) covariance.data[i * r + j] = second[i * r + j]! - mean[i]! * mean[j]!;
  return { mean, covariance };
}

describe('maskMoments (THEORY.md "Mask families")', () => {
  it("contiguous DropBlock with circular windows: exact enumeration over all seed patterns", () => {
    for (const [units, k, keep] of [
      [6, 3, 0.6],
      [7, 2, 0.3],
      [5, 5, 0.8],
      [4, 1, 0.5],
    ] as const) {
      const gamma = 1 - Math.pow(keep, 1 / k);
      const exact = enumeratedMoments(
        (seeds) => {
          const z = new Array<number>(units).fill(1);
          seeds.forEach((s, at) => {
            if (s) for (let o = 0; o < k; o++) z[(at + o) % units] = 0;
          });
          return z;
        },
        units,
        gamma,
        units,
      );
      const moments = maskMoments({ family: "contiguous-dropblock", keepProbability: keep, blockSize: k }, units);
      expect(maxAbsDiff(moments.mean, exact.mean)).toBeLessThan(1e-12);
      expect(maxAbsDiff(moments.covariance.data, exact.covariance.data)).toBeLessThan(1e-12);
    }
  });

  it("partitioned DropBlock and dropout: exact enumeration over block (unit) keep patterns", () => {
    for (const k of [1, 2, 3]) {
      const units = 6;
      const exact = enumeratedMoments((keeps) => Array.from({ length: units }, (_, i) => keeps[Math.floor(i / k)]!), units / k, 0.7, units);
      const mask: MaskFamily =
        k === 1 ? { family: "dropout", keepProbability: 0.7 } : { family: "dropblock", keepProbability: 0.7, blockSize: k };
      const moments = maskMoments(mask, units);
      expect(maxAbsDiff(moments.mean, exact.mean)).toBeLessThan(1e-12);
      expect(maxAbsDiff(moments.covariance.data, exact.covariance.data)).toBeLessThan(1e-12);
    }
  });

  it("custom: carries a mean that is not theta * 1", () => {
    const moments = maskMoments(families[5]!, r);
    expect(moments.mean[0]).toBeCloseTo(0.4 + 0.2 + 0.1, 14);
    expect(moments.mean[3]).toBeCloseTo(0.3 + 0.1, 14);
    expect(moments.covariance.data[0 * r + 3]).toBeCloseTo(0.1 - 0.7 * 0.4, 14);
  });

  it("rejects invalid families", () => {
    expect(() => maskMoments({ family: "dropblock", keepProbability: 0.5, blockSize: 4 }, 6)).toThrow(/blockSize/);
    expect(() => maskMoments({ family: "contiguous-dropblock", keepProbability: 0.5, blockSize: 7 }, 6)).toThrow(/blockSize/);
    expect(() => maskMoments({ family: "custom", keepProbability: 0.5, patterns: [[1, 0]], probabilities: [0.5] }, 2)).toThrow(
      /mask\.probabilities: expected entries summing to 1, got a sum of 0\.5/,
    );
    expect(() => maskMoments({ family: "custom", keepProbability: 0.5, patterns: [[1, 2]], probabilities: [1] }, 2)).toThrow(/0 or 1/);
    expect(() => maskMoments({ family: "dropout", keepProbability: 0 }, 2)).toThrow(/keepProbability/);
  });
});
