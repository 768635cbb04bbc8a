// The singular-value stage on its own: upper bidiagonal inputs pass the Householder stage
// unchanged (every reflector is the identity), so these exercise dqds (values only), dqds-shifted
// bidiagonal QR (with vectors) and the fall-back to plain QR (a zero on the diagonal) directly.
// Reference: bisection with Sturm counts on the Golub-Kahan tridiagonal [[0, B], [B^T, 0]]
// (eigenvalues +-sigma_k), written here in plain loops; it is accurate to a few eps sigma_max,
// independent of both qd and QR.
import { describe, expect, it } from "vitest";
import { type Matrix, zeros } from "../../shared/numerics/matrix.js";
import { singularValues, svd } from "../../shared/numerics/svd.js";
import { mulberry32 } from "./mulberry32.js";

const VALUE_TOL = 1e-12;

function bidiagonal(d: readonly number[], e: readonly number[]): Matrix {
  const n = d.length;
  const b = zeros(n, n);
  for (let i = 0; i < n; i++) b.data[i * n + i] = d[i]!;
  for (let i = 0; i < n - 1; i++) b.data[i * n + i + 1] = e[i]!;
  return b;
}

/** Singular values of the bidiagonal (d, e), descending, by bisection on the Golub-Kahan form. */
function bisectionValues(d: readonly number[], e: readonly number[]): number[] {
  const n = d.length;
  const off: number[] = [];
  for (let i = 0; i < n; i++) {
    off.push(d[i]!);
    if (i < n - 1) off.push(e[i]!);
  }
  let bound = 0;
  for (const x of off) bound = Math.max(bound, Math.abs(x));
  bound *= 2;
  // Eigenvalues below x of the 2n x 2n tridiagonal with zero diagonal and off-diagonal `off`.
  // A zero pivot counts as negative (as if x were larger by a hair), consistently.
  const below = (x: number): number => {
    let count = 0;
    let q = -x;
    for (let i = 0; ; i++) {
      if (q === 0) q = -1e-300;
      if (q < 0) count++;
      if (i === off.length) return count;
      q = -x - (off[i]! * off[i]!) / q;
    }
  };
  const values: number[] = [];
  for (let k = 0; k < n; k++) {
    // The (k+1)-th largest sigma: the smallest x with #(sigma >= x) <= k, i.e. below(x) >= 2n - k.
    let lo = 0;
    let hi = bound;
    for (let it = 0; it < 200 && hi - lo > 0; it++) {
      const mid = 0.5 * (lo + hi);
      if (mid === lo || mid === hi) break;
      if (below(mid) >= 2 * n - k) hi = mid;
      else lo = mid;
    }
    values.push(0.5 * (lo + hi));
  }
  return values;
}

function expectValuesNear(got: ArrayLike<number>, want: readonly number[]): void {
  expect(got.length).toBe(want.length);
  const scale = want[0]!;
  for (let k = 0; k < want.length; k++) expect(Math.abs(got[k]! - want[k]!)).toBeLessThanOrEqual(VALUE_TOL * scale);
}

function check(d: number[], e: number[]): void {
  const want = bisectionValues(d, e);
  const b = bidiagonal(d, e);
  expectValuesNear(singularValues(b), want);
  expectValuesNear(svd(b, { vectors: true }).values, want);
}

describe("svd of bidiagonal inputs against Sturm bisection", () => {
  it("random signs and sizes, n = 1..70", () => {
    const rand = mulberry32(11);
    for (const n of [1, 2, 3, 4, 5, 7, 16, 33, 70]) {
      const d = Array.from({ length: n }, () => 2 * rand() - 1);
      const e = Array.from({ length: n - 1 }, () => 2 * rand() - 1);
      check(d, e);
    }
  });

  it("graded down and graded up (15 orders of magnitude): the bottom and the top converge first", () => {
    const rand = mulberry32(12);
    const n = 60;
    const grade = (i: number) => 10 ** (-i / 4);
    const d = Array.from({ length: n }, (_, i) => grade(i) * (0.5 + rand()));
    const e = Array.from({ length: n - 1 }, (_, i) => grade(i) * (0.5 + rand()));
    check(d, e);
    check([...d].reverse(), [...e].reverse());
  });

  it("clustered and repeated values: equal diagonal, tiny coupling; the all-ones bidiagonal", () => {
    const rand = mulberry32(13);
    const n = 50;
    check(
      Array.from({ length: n }, (_, i) => 1 + 1e-10 * i),
      Array.from({ length: n - 1 }, () => 1e-7 * rand()),
    );
    check(Array(n).fill(1), Array(n - 1).fill(1));
    check(
      Array.from({ length: n }, (_, i) => (i % 2 ? 2 : 1)),
      Array(n - 1).fill(1e-9),
    );
  });

  it("zero couplings split the problem; zero and tiny diagonal entries (the plain-QR fall-back)", () => {
    const rand = mulberry32(14);
    const n = 40;
    const d = Array.from({ length: n }, () => rand() + 0.1);
    const e = Array.from({ length: n - 1 }, (_, i) => (i % 7 === 3 ? 0 : rand()));
    check(d, e);
    const withZero = [...d];
    withZero[17] = 0;
    withZero[n - 1] = 0;
    check(withZero, e);
    const tiny = [...d];
    tiny[5] = 1e-170; // its square underflows
    check(tiny, e);
  });
});
