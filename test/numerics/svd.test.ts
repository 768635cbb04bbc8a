// The one SVD (shared/numerics/svd.ts over wasm/assembly/svd.ts) against independent references:
// spectra built in the test as Q1 diag(s) Q2^T from random Householder products, a naive cyclic
// Jacobi eigen solver on A^T A, numpy when present, and the defining properties (residual,
// orthonormality, order). Tolerances: values to 1e-12 sigma_max (the kernel's promise),
// residual and orthonormality to 1e-13 (a few hundred ulps at these sizes).
import { spawnSync } from "node:child_process";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type Matrix, fromRows, zeros } from "../../shared/numerics/matrix.js";
import { singularValues, svd } from "../../shared/numerics/svd.js";
import { mulberry32 } from "./mulberry32.js";

const VALUE_TOL = 1e-12;
const RESIDUAL_TOL = 1e-13;
const ORTHO_TOL = 1e-13;

// ---- naive references (plain loops, nothing shared with the kernel) ----------------------------

function gaussian(rand: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
}

function randomMatrix(m: number, n: number, seed: number): Matrix {
  const rand = mulberry32(seed);
  const a = zeros(m, n);
  for (let k = 0; k < m * n; k++) a.data[k] = gaussian(rand);
  return a;
}

/** p orthonormal columns (n x p) of a random orthogonal matrix: n Householder reflections of [I_p; 0]. */
function randomOrthonormalColumns(n: number, p: number, rand: () => number): Matrix {
  const q = zeros(n, p);
  for (let i = 0; i < p; i++) q.data[i * p + i] = 1;
  for (let r = 0; r < n; r++) {
    const h = Array.from({ length: n }, () => gaussian(rand));
    const hh = h.reduce((s, x) => s + x * x, 0);
    for (let j = 0; j < p; j++) {
      let s = 0;
      for (let i = 0; i < n; i++) s += h[i]! * q.data[i * p + j]!;
      const f = (2 * s) / hh;
      for (let i = 0; i < n; i++) q.data[i * p + j] = q.data[i * p + j]! - f * h[i]!;
    }
  }
  return q;
}

/** A = Q1 diag(s) Q2^T with random orthonormal columns Q1 (m x p), Q2 (n x p), p = s.length. */
function withSpectrum(m: number, n: number, s: readonly number[], seed: number): Matrix {
  const rand = mulberry32(seed);
  const p = s.length;
  const q1 = randomOrthonormalColumns(m, p, rand);
  const q2 = randomOrthonormalColumns(n, p, rand);
  const a = zeros(m, n);
  for (let i = 0; i < m; i++)
    for (let j = 0; j < n; j++) {
      let x = 0;
      for (let k = 0; k < p; k++) x += q1.data[i * p + k]! * s[k]! * q2.data[j * p + k]!;
      a.data[i * n + j] = x;
    }
  return a;
}

/** Eigenvalues of a symmetric matrix by cyclic Jacobi rotations, descending. */
function jacobiEigenvalues(sym: Matrix): number[] {
  const n = sym.rows;
  const a = Float64Array.from(sym.data);
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) off += a[p * n + q]! ** 2;
    if (off === 0) break;
    for (let p = 0; p < n - 1; p++)
      for (let q = p + 1; q < n; q++) {
        const apq = a[p * n + q]!;
        if (apq === 0) continue;
        const theta = (a[q * n + q]! - a[p * n + p]!) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < n; k++) {
          const akp = a[k * n + p]!;
          const akq = a[k * n + q]!;
          a[k * n + p] = c * akp - s * akq;
          a[k * n + q] = s * akp + c * akq;
        }
        for (let k = 0; k < n; k++) {
          const apk = a[p * n + k]!;
          const aqk = a[q * n + k]!;
          a[p * n + k] = c * apk - s * aqk;
          a[q * n + k] = s * apk + c * aqk;
        }
      }
  }
  return Array.from({ length: n }, (_, i) => a[i * n + i]!).sort((x, y) => y - x);
}

/** The Gram matrix of the smaller side: A^T A (n <= m) or A A^T. */
function gram(a: Matrix): Matrix {
  const { rows: m, cols: n } = a;
  const small = Math.min(m, n);
  const g = zeros(small, small);
  for (let i = 0; i < small; i++)
    for (let j = 0; j < small; j++) {
      let s = 0;
      if (n <= m) for (let k = 0; k < m; k++) s += a.data[k * n + i]! * a.data[k * n + j]!;
      else for (let k = 0; k < n; k++) s += a.data[i * n + k]! * a.data[j * n + k]!;
      g.data[i * small + j] = s;
    }
  return g;
}

function frobenius(x: ArrayLike<number>): number {
  let s = 0;
  for (let k = 0; k < x.length; k++) s += x[k]! ** 2;
  return Math.sqrt(s);
}

/** ||A - U S V^T||_F / ||A||_F (0 / 0 counts as 0). */
function relativeResidual(a: Matrix, values: Float64Array, u: Matrix, v: Matrix): number {
  const { rows: m, cols: n } = a;
  const p = values.length;
  let r = 0;
  for (let i = 0; i < m; i++)
    for (let j = 0; j < n; j++) {
      let x = 0;
      for (let k = 0; k < p; k++) x += u.data[i * p + k]! * values[k]! * v.data[j * p + k]!;
      r += (a.data[i * n + j]! - x) ** 2;
    }
  const norm = frobenius(a.data);
  return norm === 0 ? Math.sqrt(r) : Math.sqrt(r) / norm;
}

/** max |Q^T Q - I| over entries. */
function orthonormalityError(q: Matrix): number {
  const { rows, cols } = q;
  let worst = 0;
  for (let a = 0; a < cols; a++)
    for (let b = a; b < cols; b++) {
      let s = 0;
      for (let i = 0; i < rows; i++) s += q.data[i * cols + a]! * q.data[i * cols + b]!;
      worst = Math.max(worst, Math.abs(s - (a === b ? 1 : 0)));
    }
  return worst;
}

function expectValid(a: Matrix, tol = { residual: RESIDUAL_TOL, ortho: ORTHO_TOL }): Float64Array {
  const { values, U, V } = svd(a);
  const p = Math.min(a.rows, a.cols);
  expect(values.length).toBe(p);
  expect([U!.rows, U!.cols, V!.rows, V!.cols]).toEqual([a.rows, p, a.cols, p]);
  for (let k = 1; k < p; k++) expect(values[k]!).toBeLessThanOrEqual(values[k - 1]!);
  for (const x of values) expect(x).toBeGreaterThanOrEqual(0);
  expect(relativeResidual(a, values, U!, V!)).toBeLessThan(tol.residual);
  expect(orthonormalityError(U!)).toBeLessThan(tol.ortho);
  expect(orthonormalityError(V!)).toBeLessThan(tol.ortho);
  return values;
}

function expectValuesNear(got: ArrayLike<number>, want: readonly number[], tol: number): void {
  expect(got.length).toBe(want.length);
  const scale = Math.max(...want.map(Math.abs), 0);
  for (let k = 0; k < want.length; k++) expect(Math.abs(got[k]! - want[k]!)).toBeLessThanOrEqual(tol * scale);
}

// ---- properties on random shapes -------------------------------------------------------------

describe("svd: random shapes (fast-check)", () => {
  it("is a valid thin SVD: residual, orthonormal U and V, descending non-negative values", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 40 }), fc.integer({ min: 1, max: 40 }), fc.integer(), (m, n, seed) => {
        expectValid(randomMatrix(m, n, seed));
      }),
      { numRuns: 40, seed: 20250101 },
    );
  });

  it("values match the square roots of eigenvalues of the Gram matrix (naive Jacobi)", () => {
    // Conditioning of A^T A limits this oracle: spectra are kept in [1, 10], where it is good
    // to ~1e-14 sigma_max.
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 24 }), fc.integer({ min: 1, max: 24 }), fc.integer(), (m, n, seed) => {
        const rand = mulberry32(seed);
        const p = Math.min(m, n);
        const s = Array.from({ length: p }, () => 1 + 9 * rand());
        const a = withSpectrum(m, n, s, seed ^ 0x5bd1e995);
        const reference = jacobiEigenvalues(gram(a)).map((x) => Math.sqrt(Math.max(x, 0)));
        expectValuesNear(singularValues(a), reference, VALUE_TOL);
      }),
      { numRuns: 25, seed: 7 },
    );
  });
});

// ---- known spectra ------------------------------------------------------------------------------

describe("svd: matrices with known spectra", () => {
  const cases: [number, number][] = [
    [30, 30],
    [60, 20], // QR first (m >= 1.6 n)
    [20, 60],
    [45, 30], // bidiagonalised directly (m < 1.6 n)
    [150, 120],
    [400, 300], // long vectors: rotations one at a time (beyond 160 rows), not carried through a sweep
  ];
  for (const [m, n] of cases) {
    it(`${m} x ${n}: values to 1e-12 sigma_max, across 12 orders of magnitude`, () => {
      const p = Math.min(m, n);
      const s = Array.from({ length: p }, (_, k) => 10 ** (-12 * (k / Math.max(p - 1, 1))));
      const a = withSpectrum(m, n, s, m * 1000 + n);
      const values = expectValid(a);
      expectValuesNear(values, s, VALUE_TOL);
      // values-only agrees with the full run (same algorithm, different QR shifts)
      expectValuesNear(singularValues(a), s, VALUE_TOL);
    });
  }

  it("agrees with numpy.linalg.svd when python3 with numpy is present", (ctx) => {
    const a = randomMatrix(70, 50, 99);
    const result = spawnSync(
      "python3",
      [
        "-c",
        "import json,sys,numpy as np; d=json.load(sys.stdin); A=np.array(d['a']).reshape(d['m'],d['n']); print(json.dumps(np.linalg.svd(A,compute_uv=False).tolist()))",
      ],
      { input: JSON.stringify({ a: Array.from(a.data), m: 70, n: 50 }), encoding: "utf8" },
    );
    if (result.error || result.status !== 0) ctx.skip();
    const reference = JSON.parse(result.stdout) as number[];
    expectValuesNear(singularValues(a), reference, VALUE_TOL);
  });
});

// ---- special values ---------------------------------------------------------------------------

describe("svd: special values", () => {
  it("zero matrix: zero values, still orthonormal U and V", () => {
    for (const [m, n] of [
      [5, 3],
      [3, 5],
      [4, 4],
    ] as const) {
      const values = expectValid(zeros(m, n));
      expect(Array.from(values)).toEqual(new Array(Math.min(m, n)).fill(0));
    }
  });

  it("1 x 1: |a|, signs carried by U V", () => {
    const { values, U, V } = svd(fromRows([[-2.5]]));
    expect(values[0]).toBe(2.5);
    expect(U!.data[0]! * V!.data[0]!).toBe(-1);
    expect(Array.from(singularValues(fromRows([[0]])))).toEqual([0]);
  });

  it("rank-deficient: zero values to 1e-12 sigma_max, U completed to orthonormal columns", () => {
    const s = [4, 2, 1, 0, 0, 0];
    for (const [m, n] of [
      [9, 6],
      [6, 9],
      [20, 6],
    ] as const) {
      const values = expectValid(withSpectrum(m, n, s, 3));
      expectValuesNear(values, s, VALUE_TOL);
    }
    // exactly rank 1 (an outer product), exact zeros in the input
    const a = fromRows([
      [1, 2, 3],
      [2, 4, 6],
      [0, 0, 0],
      [3, 6, 9],
    ]);
    const values = expectValid(a);
    expectValuesNear(values, [Math.sqrt(14) * Math.sqrt(14), 0, 0], VALUE_TOL);
  });

  it("repeated singular values", () => {
    const s = [3, 3, 3, 1, 1, 1e-3, 1e-3];
    const values = expectValid(withSpectrum(12, 7, s, 11));
    expectValuesNear(values, s, VALUE_TOL);
    const identity = zeros(6, 6);
    for (let i = 0; i < 6; i++) identity.data[i * 6 + i] = 1;
    expectValuesNear(expectValid(identity), new Array(6).fill(1), VALUE_TOL);
  });

  it("extreme aspect ratios: 1000 x 3 and 3 x 1000, 1 x n and m x 1", () => {
    for (const [m, n] of [
      [1000, 3],
      [3, 1000],
    ] as const) {
      const s = [5, 0.5, 1e-6];
      expectValuesNear(expectValid(withSpectrum(m, n, s, m + n)), s, VALUE_TOL);
    }
    const row = randomMatrix(1, 50, 5);
    expectValuesNear(expectValid(row), [frobenius(row.data)], VALUE_TOL);
    const column = randomMatrix(50, 1, 6);
    expectValuesNear(expectValid(column), [frobenius(column.data)], VALUE_TOL);
  });

  it("empty: 0 x n and m x 0 give no values and empty factors", () => {
    for (const [m, n] of [
      [0, 3],
      [3, 0],
      [0, 0],
    ] as const) {
      const { values, U, V } = svd(zeros(m, n));
      expect(values.length).toBe(0);
      expect([U!.rows, U!.cols, V!.rows, V!.cols]).toEqual([m, 0, n, 0]);
      expect(singularValues(zeros(m, n)).length).toBe(0);
    }
  });

  it("NaN or infinite entries: a clear error naming the entry", () => {
    const a = randomMatrix(4, 3, 1);
    a.data[5] = Number.NaN;
    expect(() => svd(a)).toThrow(/entry \(1, 2\) of the 4 x 3 matrix is NaN; only finite values/);
    a.data[5] = Number.POSITIVE_INFINITY;
    expect(() => singularValues(a)).toThrow(/entry \(1, 2\) .* Infinity/);
  });

  it("huge and tiny scales: relative accuracy kept (exact power-of-two rescaling)", () => {
    const base = withSpectrum(8, 6, [6, 5, 4, 3, 2, 1], 21);
    for (const scale of [1e250, 1e-250, 1e-310]) {
      const a = { ...base, data: base.data.map((x) => x * scale) };
      const values = singularValues(a);
      expectValuesNear(
        Array.from(values, (x) => x / scale),
        [6, 5, 4, 3, 2, 1],
        scale < 1e-300 ? 1e-9 : VALUE_TOL,
      );
    }
  });

  it("graded and structured inputs: diagonal, Hilbert-like, a bidiagonal with tiny entries", () => {
    const diag = fromRows([
      [0, 0, 0],
      [0, -7, 0],
      [0, 0, 1e-20],
      [0, 0, 0],
    ]);
    expectValuesNear(expectValid(diag), [7, 1e-20, 0], VALUE_TOL);
    const hilbert = zeros(10, 10);
    for (let i = 0; i < 10; i++) for (let j = 0; j < 10; j++) hilbert.data[i * 10 + j] = 1 / (i + j + 1);
    const reference = jacobiEigenvalues(hilbert); // symmetric positive definite: sigma = lambda
    expectValuesNear(expectValid(hilbert), reference, VALUE_TOL);
  });

  it("is deterministic: the same input gives bit-identical output", () => {
    const a = randomMatrix(37, 23, 4);
    const first = svd(a);
    const second = svd(a);
    expect(Buffer.from(second.values.buffer)).toEqual(Buffer.from(first.values.buffer));
    expect(Buffer.from(second.U!.data.buffer)).toEqual(Buffer.from(first.U!.data.buffer));
    expect(Buffer.from(second.V!.data.buffer)).toEqual(Buffer.from(first.V!.data.buffer));
  });
});
