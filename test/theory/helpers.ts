// Test-only helpers for the theory suites: a seeded LCG (independent of the project's RNG), naive
// matrix products written as plain triple loops, and small random problems.
import { type Matrix, zeros } from "../../shared/numerics/matrix.js";

/** Numerical Recipes LCG on 32 bits: uniform in [0, 1). */
export function lcg(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 4294967296;
  };
}

export function gaussian(uniform: () => number): () => number {
  return () => {
    const u = Math.max(uniform(), 1e-300);
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * uniform());
  };
}

export function randomMatrix(rows: number, cols: number, normal: () => number, scale = 1): Matrix {
  const a = zeros(rows, cols);
  for (let i = 0; i < a.data.length; i++) a.data[i] = scale * normal();
  return a;
}

export function naiveProduct(a: Matrix, b: Matrix): Matrix {
  const c = zeros(a.rows, b.cols);
  for (let i = 0; i < a.rows; i++)
    for (let j = 0; j < b.cols; j++) {
      let s = 0;
      for (let p = 0; p < a.cols; p++) s += a.data[i * a.cols + p]! * b.data[p * b.cols + j]!;
      c.data[i * b.cols + j] = s;
    }
  return c;
}

export function naiveTranspose(a: Matrix): Matrix {
  const t = zeros(a.cols, a.rows);
  for (let i = 0; i < a.rows; i++) for (let j = 0; j < a.cols; j++) t.data[j * a.rows + i] = a.data[i * a.cols + j]!;
  return t;
}

export function frobenius2(a: Matrix): number {
  let s = 0;
  for (const x of a.data) s += x * x;
  return s;
}

export function minus(a: Matrix, b: Matrix): Matrix {
  const c = zeros(a.rows, a.cols);
  for (let i = 0; i < c.data.length; i++) c.data[i] = a.data[i]! - b.data[i]!;
  return c;
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!));
  return a.length === b.length ? worst : Infinity;
}

/** Gram-Schmidt on the columns of a random Gaussian matrix: a random n x p orthonormal frame. */
export function randomOrthonormal(n: number, p: number, normal: () => number): Matrix {
  const q = randomMatrix(n, p, normal);
  for (let j = 0; j < p; j++) {
    for (let pass = 0; pass < 2; pass++)
      for (let l = 0; l < j; l++) {
        let dot = 0;
        for (let i = 0; i < n; i++) dot += q.data[i * p + j]! * q.data[i * p + l]!;
        for (let i = 0; i < n; i++) q.data[i * p + j]! -= dot * q.data[i * p + l]!;
      }
    let norm = 0;
    for (let i = 0; i < n; i++) norm += q.data[i * p + j]! ** 2;
    norm = Math.sqrt(norm);
    for (let i = 0; i < n; i++) q.data[i * p + j]! /= norm;
  }
  return q;
}

/** P diag(sigma) Q^T with random orthonormal P (m x p), Q (n x p). */
export function withSpectrum(m: number, n: number, sigma: readonly number[], normal: () => number): Matrix {
  const p = sigma.length;
  const left = randomOrthonormal(m, p, normal);
  const right = randomOrthonormal(n, p, normal);
  const a = zeros(m, n);
  for (let i = 0; i < m; i++)
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let c = 0; c < p; c++) s += left.data[i * p + c]! * sigma[c]! * right.data[j * p + c]!;
      a.data[i * n + j] = s;
    }
  return a;
}

/** sqrt of the sum of the k largest squares: the dual of the k-support norm, by sorting. */
export function dualKSupport(u: ArrayLike<number>, k: number): number {
  const sq = Array.from(u, (x) => x * x).sort((a, b) => b - a);
  return Math.sqrt(sq.slice(0, k).reduce((a, b) => a + b, 0));
}
