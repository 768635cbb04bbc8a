import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { UsageError } from "../../shared/errors.js";
import { type Matrix, zeros } from "../../shared/numerics/matrix.js";
import { singularValues } from "../../shared/numerics/svd.js";
import { closedForm } from "../../shared/theory/closedForm.js";
import { deterministicObjective } from "../../shared/theory/deterministicObjective.js";
import { kSupportNorm } from "../../shared/theory/kSupportNorm.js";
import { frobenius2, gaussian, lcg, maxAbsDiff, minus, naiveProduct, naiveTranspose, randomMatrix, withSpectrum } from "./helpers.js";

const cellArb = fc.record({
  seed: fc.integer({ min: 1, max: 2 ** 30 }),
  m: fc.integer({ min: 2, max: 7 }),
  n: fc.integer({ min: 2, max: 7 }),
  blocks: fc.integer({ min: 1, max: 4 }),
  blockSize: fc.integer({ min: 1, max: 4 }),
  keepProbability: fc.double({ min: 0.1, max: 1, noNaN: true }),
});

/** Dropout's closed form from THEORY: soft threshold tau = lambda sum_active sigma / (r + lambda rho). */
function dropoutSpectrum(sigma: Float64Array, r: number, lambda: number): number[] {
  for (let rho = sigma.length; rho >= 0; rho--) {
    let sum = 0;
    for (let i = 0; i < rho; i++) sum += sigma[i]!;
    const tau = (lambda * sum) / (r + lambda * rho);
    const inside = rho === 0 || sigma[rho - 1]! > tau;
    const outside = rho === sigma.length || sigma[rho]! <= tau;
    if (inside && outside) return Array.from(sigma, (x, i) => (i < rho ? x - tau : 0));
  }
  throw new Error("no active set");
}

describe('closed-form global minimum (THEORY.md "Induced regulariser and closed-form global minimum")', () => {
  it("k = 1 reproduces the dropout soft threshold", () => {
    fc.assert(
      fc.property(cellArb, ({ seed, m, n, blocks, keepProbability }) => {
        const y = randomMatrix(m, n, gaussian(lcg(seed)));
        const cf = closedForm({ targets: y, hiddenUnits: blocks, blockSize: 1, keepProbability });
        const expected = dropoutSpectrum(cf.targetSpectrum, blocks, (1 - keepProbability) / keepProbability);
        expect(maxAbsDiff(cf.spectrum, expected)).toBeLessThanOrEqual(1e-10);
        expect(cf.kSupportIndex).toBe(0);
        expect(cf.blocksNeeded).toBe(cf.rank);
      }),
      { numRuns: 60, seed: 11 },
    );
  });

  it("k >= rank(Y) gives ridge shrinkage sigma / (1 + mu)", () => {
    fc.assert(
      fc.property(cellArb, fc.integer({ min: 1, max: 3 }), ({ seed, m, n, blocks, keepProbability }, rankY) => {
        const normal = gaussian(lcg(seed));
        const p = Math.min(rankY, m, n);
        const sigma = Array.from({ length: p }, () => 0.5 + Math.abs(normal()));
        const y = withSpectrum(m, n, sigma, normal);
        const k = p + (seed % 2);
        const cf = closedForm({ targets: y, hiddenUnits: blocks * k, blockSize: k, keepProbability });
        const mu = (1 - keepProbability) / keepProbability / blocks;
        const expected = Array.from(cf.targetSpectrum, (x, i) => (i < p ? x / (1 + mu) : 0));
        expect(maxAbsDiff(cf.spectrum, expected)).toBeLessThanOrEqual(1e-10);
        expect(cf.rank).toBe(p);
      }),
      { numRuns: 60, seed: 12 },
    );
  });

  it("DropBlock equals Dropout when the dropout optimum is flat (w_1 <= sum w / k)", () => {
    let flatCases = 0;
    fc.assert(
      fc.property(cellArb, ({ seed, m, n, blocks, blockSize, keepProbability }) => {
        const normal = gaussian(lcg(seed));
        const p = Math.min(m, n);
        const sigma = Array.from({ length: p }, () => 1 + 0.3 * Math.abs(normal()));
        const y = withSpectrum(m, n, sigma, normal);
        const r = blocks * blockSize;
        const dropout = closedForm({ targets: y, hiddenUnits: r, blockSize: 1, keepProbability });
        const w = Array.from(dropout.spectrum);
        if (w[0]! > w.reduce((a, b) => a + b, 0) / blockSize) return;
        flatCases++;
        const dropblock = closedForm({ targets: y, hiddenUnits: r, blockSize, keepProbability });
        expect(maxAbsDiff(dropblock.spectrum, dropout.spectrum)).toBeLessThanOrEqual(1e-10);
        // (1/b) ||A||_(k)^2 = (1/r) ||A||_*^2 at that optimum.
        const nuclear = w.reduce((a, b) => a + b, 0);
        expect((kSupportNorm(w, blockSize).normSquared * blockSize) / r).toBeCloseTo((nuclear * nuclear) / r, 9);
      }),
      { numRuns: 80, seed: 13 },
    );
    expect(flatCases).toBeGreaterThan(10);
  });

  it("its value is below the objective at random points, in A and in (U, V)", () => {
    fc.assert(
      fc.property(cellArb, ({ seed, m, n, blocks, blockSize, keepProbability }) => {
        const normal = gaussian(lcg(seed));
        const y = randomMatrix(m, n, normal);
        const r = blocks * blockSize;
        const cf = closedForm({ targets: y, hiddenUnits: r, blockSize, keepProbability });
        // A-space: ||Y - A||^2 + mu ||A||_(k)^2 over A* + perturbations, and A* itself.
        const objectiveAt = (a: Matrix) => frobenius2(minus(y, a)) + cf.mu * kSupportNorm(singularValues(a), blockSize).normSquared;
        expect(objectiveAt(cf.product)).toBeCloseTo(cf.objective, 9);
        for (let trial = 0; trial < 4; trial++) {
          const a = minus(cf.product, randomMatrix(m, n, normal, 0.05 * (trial + 1)));
          expect(objectiveAt(a)).toBeGreaterThanOrEqual(cf.objective - 1e-10);
        }
        // (U, V)-space: the deterministic DropBlock objective at random factors.
        const mask = { family: "dropblock" as const, keepProbability, blockSize };
        for (let trial = 0; trial < 4; trial++) {
          const value = deterministicObjective({
            targets: y,
            U: randomMatrix(m, r, normal, 0.5),
            V: randomMatrix(n, r, normal, 0.5),
            mask,
          });
          expect(value).toBeGreaterThanOrEqual(cf.objective - 1e-10);
        }
        // The product's own spectrum is w, and the balance target is ||A*||_(k) / b.
        expect(maxAbsDiff(singularValues(cf.product), cf.spectrum)).toBeLessThanOrEqual(1e-10);
        expect(cf.balanceTarget).toBeCloseTo(kSupportNorm(cf.spectrum, blockSize).norm / blocks, 12);
        expect(cf.representable).toBe(blocks >= cf.blocksNeeded);
      }),
      { numRuns: 40, seed: 14 },
    );
  });

  it("rejects bad cells and non-finite targets with UsageError naming the field", () => {
    const y = randomMatrix(3, 3, gaussian(lcg(1)));
    expect(() => closedForm({ targets: y, hiddenUnits: 5, blockSize: 2, keepProbability: 0.5 })).toThrow(
      /^blockSize: expected a divisor of hiddenUnits = 5 \(partitioned DropBlock splits the units into blocks\), got 2$/,
    );
    expect(() => closedForm({ targets: y, hiddenUnits: 4, blockSize: 2, keepProbability: 0 })).toThrow(UsageError);
    expect(() => closedForm({ targets: y, hiddenUnits: 4, blockSize: 2, keepProbability: 1.5 })).toThrow(/keepProbability/);
    expect(() => closedForm({ targets: y, hiddenUnits: 0, blockSize: 1, keepProbability: 0.5 })).toThrow(/hiddenUnits/);
    const bad = zeros(2, 2);
    bad.data[3] = Number.NaN;
    expect(() => closedForm({ targets: bad, hiddenUnits: 2, blockSize: 1, keepProbability: 0.5 })).toThrow(/targets: entry \(1, 1\)/);
  });

  it("keep probability 1 leaves Y unregularised (objective 0)", () => {
    const y = randomMatrix(4, 3, gaussian(lcg(5)));
    const cf = closedForm({ targets: y, hiddenUnits: 4, blockSize: 2, keepProbability: 1 });
    expect(maxAbsDiff(cf.product.data, y.data)).toBeLessThanOrEqual(1e-12);
    expect(cf.objective).toBeLessThanOrEqual(1e-24);
  });
});

/** Cholesky S = L L^T and L^{-1} by forward substitution: a different whitening than S^{-1/2}. */
function choleskyInverse(s: Matrix): Matrix {
  const d = s.rows;
  const l = zeros(d, d);
  for (let i = 0; i < d; i++)
    for (let j = 0; j <= i; j++) {
      let sum = s.data[i * d + j]!;
      for (let p = 0; p < j; p++) sum -= l.data[i * d + p]! * l.data[j * d + p]!;
      l.data[i * d + j] = i === j ? Math.sqrt(sum) : sum / l.data[j * d + j]!;
    }
  const inv = zeros(d, d);
  for (let c = 0; c < d; c++)
    for (let i = 0; i < d; i++) {
      let sum = i === c ? 1 : 0;
      for (let p = 0; p < i; p++) sum -= l.data[i * d + p]! * inv.data[p * d + c]!;
      inv.data[i * d + c] = sum / l.data[i * d + i]!;
    }
  return inv;
}

describe('data mode (THEORY.md "Data matrix", X != I)', () => {
  it("agrees with the factorisation of Y Pc^T under Cholesky whitening Pc = L^{-1} X", () => {
    fc.assert(
      fc.property(cellArb, fc.integer({ min: 0, max: 4 }), ({ seed, m, n: d, blocks, blockSize, keepProbability }, extra) => {
        const normal = gaussian(lcg(seed));
        const samples = d + extra;
        const x = randomMatrix(d, samples, normal);
        const y = randomMatrix(m, samples, normal);
        const r = blocks * blockSize;
        const cf = closedForm({ targets: y, inputs: x, hiddenUnits: r, blockSize, keepProbability });
        const lInv = choleskyInverse(naiveProduct(x, naiveTranspose(x)));
        const pc = naiveProduct(lInv, x);
        const target = naiveProduct(y, naiveTranspose(pc));
        const reference = closedForm({ targets: target, hiddenUnits: r, blockSize, keepProbability });
        const product = naiveProduct(reference.product, lInv);
        const scale = 1 + Math.max(...Array.from(y.data, Math.abs));
        expect(maxAbsDiff(cf.product.data, product.data)).toBeLessThanOrEqual(1e-8 * scale);
        const unexplained = frobenius2(minus(y, naiveProduct(target, pc)));
        expect(cf.objective).toBeCloseTo(reference.objective + unexplained, 8);
        // The fitted predictions B* S^{-1/2} X have the spectrum w; the objective holds there.
        const predictions = naiveProduct(cf.product, x);
        const predicted = singularValues(predictions);
        const padded = Array.from(predicted, (_, i) => cf.spectrum[i] ?? 0); // rank <= d: the rest is 0
        expect(maxAbsDiff(predicted, padded)).toBeLessThanOrEqual(1e-8 * scale);
        expect(frobenius2(minus(y, predictions)) + cf.mu * kSupportNorm(cf.spectrum, blockSize).normSquared).toBeCloseTo(cf.objective, 8);
      }),
      { numRuns: 40, seed: 15 },
    );
  });

  it("rejects singular X X^T and mismatched sample counts", () => {
    const normal = gaussian(lcg(3));
    const y = randomMatrix(2, 5, normal);
    const x = randomMatrix(3, 5, normal);
    for (let j = 0; j < 5; j++) x.data[2 * 5 + j] = x.data[j]! + x.data[5 + j]!; // row 2 = row 0 + row 1
    expect(() => closedForm({ targets: y, inputs: x, hiddenUnits: 2, blockSize: 1, keepProbability: 0.5 })).toThrow(
      /inputs: X X\^T is singular/,
    );
    expect(() =>
      closedForm({ targets: y, inputs: randomMatrix(6, 5, normal), hiddenUnits: 2, blockSize: 1, keepProbability: 0.5 }),
    ).toThrow(/inputs: X X\^T is singular/);
    expect(() =>
      closedForm({ targets: y, inputs: randomMatrix(2, 4, normal), hiddenUnits: 2, blockSize: 1, keepProbability: 0.5 }),
    ).toThrow(/inputs: X has 4 columns/);
  });

  it("gives A* = 0 as a zero closed form: rank 0, no blocks needed, minimum ||Y||^2", () => {
    // Y's rows orthogonal to X's rows (Gram-Schmidt against X's rows, in plain loops): no U V^T X
    // reaches any of Y, so the effective target Y Pm^T is zero up to rounding.
    const normal = gaussian(lcg(11));
    const x = randomMatrix(2, 6, normal);
    const y = randomMatrix(3, 6, normal);
    const basis: number[][] = [];
    for (let i = 0; i < 2; i++) {
      const row = Array.from(x.data.subarray(i * 6, i * 6 + 6));
      for (const b of basis) {
        const dot = row.reduce((s, v, j) => s + v * b[j]!, 0);
        for (let j = 0; j < 6; j++) row[j]! -= dot * b[j]!;
      }
      const norm = Math.sqrt(row.reduce((s, v) => s + v * v, 0));
      basis.push(row.map((v) => v / norm));
    }
    for (let i = 0; i < 3; i++)
      for (const b of basis) {
        let dot = 0;
        for (let j = 0; j < 6; j++) dot += y.data[i * 6 + j]! * b[j]!;
        for (let j = 0; j < 6; j++) y.data[i * 6 + j]! -= dot * b[j]!;
      }
    for (const blockSize of [1, 2]) {
      const cf = closedForm({ targets: y, inputs: x, hiddenUnits: 4, blockSize, keepProbability: 0.5 });
      expect(cf.rank).toBe(0);
      expect(cf.blocksNeeded).toBe(0);
      expect(cf.representable).toBe(true);
      expect(Math.max(...cf.spectrum)).toBe(0);
      expect(cf.objective).toBeCloseTo(frobenius2(y), 10);
    }
    // Factorisation of a zero target: the same.
    const zero = closedForm({ targets: zeros(3, 4), hiddenUnits: 4, blockSize: 2, keepProbability: 0.5 });
    expect([zero.rank, zero.blocksNeeded, zero.objective]).toEqual([0, 0, 0]);
  });
});
