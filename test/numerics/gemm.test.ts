import { describe, expect, it } from "vitest";
import { gemm, matmul } from "../../shared/numerics/gemm.js";
import { type Matrix, fromRows, zeros } from "../../shared/numerics/matrix.js";
import { Stream, gaussianMatrix } from "../../shared/numerics/rng.js";

// Independent reference: the textbook triple loop on op(A), op(B).
function naive(a: Matrix, b: Matrix, transA: boolean, transB: boolean, alpha: number, beta: number, c?: Matrix): Matrix {
  const m = transA ? a.cols : a.rows;
  const k = transA ? a.rows : a.cols;
  const n = transB ? b.rows : b.cols;
  const out = zeros(m, n);
  for (let i = 0; i < m; i++)
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let p = 0; p < k; p++) {
        const x = transA ? a.data[p * a.cols + i]! : a.data[i * a.cols + p]!;
        const y = transB ? b.data[j * b.cols + p]! : b.data[p * b.cols + j]!;
        s += x * y;
      }
      out.data[i * n + j] = alpha * s + (c ? beta * c.data[i * n + j]! : 0);
    }
  return out;
}

/**
 * The largest |got - exact| / bound over the entries, for the standard bound of a sum of k
 * products computed with unit roundoff u (Higham, Accuracy and Stability, 3.5):
 *   |error_ij| <= gamma (|alpha| sum_p |a_ip||b_pj| + |beta||c_ij|),  gamma = n u / (1 - n u),
 * with n = k + 4 (k - 1 additions and k products, the product with alpha, beta c and the final
 * sum, plus the rounding of A, B, C to f32). The reference is itself an f64 sum of k products,
 * so its own bound at u = 2^-53 is added. The kernel passes when this is <= 1.
 */
function boundRatio(
  got: Matrix,
  reference: Matrix,
  a: Matrix,
  b: Matrix,
  transA: boolean,
  transB: boolean,
  alpha: number,
  beta: number,
  c: Matrix | undefined,
  u: number,
): number {
  const m = got.rows,
    n = got.cols;
  const k = transA ? a.rows : a.cols;
  const gamma = (units: number) => ((k + 4) * units) / (1 - (k + 4) * units);
  let worst = 0;
  for (let i = 0; i < m; i++)
    for (let j = 0; j < n; j++) {
      let magnitude = 0;
      for (let p = 0; p < k; p++) {
        const x = transA ? a.data[p * a.cols + i]! : a.data[i * a.cols + p]!;
        const y = transB ? b.data[j * b.cols + p]! : b.data[p * b.cols + j]!;
        magnitude += Math.abs(x * y);
      }
      magnitude = Math.abs(alpha) * magnitude + (c ? Math.abs(beta * c.data[i * n + j]!) : 0);
      const bound = (gamma(u) + gamma(2 ** -53)) * magnitude;
      const error = Math.abs(got.data[i * n + j]! - reference.data[i * n + j]!);
      worst = Math.max(worst, bound > 0 ? error / bound : error > 0 ? Infinity : 0);
    }
  return worst;
}

let seq = 0;
const randn = (r: number, c: number) => gaussianMatrix(r, c, 99, Stream.data, seq++);

describe("gemm", () => {
  // Shapes cross the micro-tile (4x8 / 4x4), cache-block (MC 96, KC 256) and edge boundaries.
  const shapes: [number, number, number][] = [
    [1, 1, 1],
    [3, 5, 7],
    [4, 8, 16],
    [5, 9, 3],
    [13, 17, 300],
    [97, 33, 257],
    [100, 80, 100],
    [130, 70, 513],
  ];
  for (const dtype of ["f64", "f32"] as const)
    for (const transA of [false, true])
      for (const transB of [false, true])
        it(`${dtype} op(A)=${transA ? "A^T" : "A"} op(B)=${transB ? "B^T" : "B"} matches the triple loop`, () => {
          for (const [m, n, k] of shapes) {
            const a = transA ? randn(k, m) : randn(m, k);
            const b = transB ? randn(n, k) : randn(k, n);
            const c = randn(m, n);
            const alpha = 0.75,
              beta = -1.25;
            const got = gemm(a, b, { transA, transB, alpha, beta, c, dtype });
            const u = dtype === "f64" ? 2 ** -53 : 2 ** -24;
            const ratio = boundRatio(got, naive(a, b, transA, transB, alpha, beta, c), a, b, transA, transB, alpha, beta, c, u);
            expect(ratio, `${m}x${n}x${k}`).toBeLessThanOrEqual(1);
          }
        });

  it("beta = 0 never reads C (NaN in C does not leak)", () => {
    const a = randn(9, 6),
      b = randn(6, 11);
    const c = zeros(9, 11);
    c.data.fill(NaN);
    for (const dtype of ["f32", "f64"] as const) {
      const got = gemm(a, b, { c, beta: 0, dtype });
      expect(got.data.every(Number.isFinite)).toBe(true);
    }
  });

  it("special values: k = 0 scales C by beta, empty outputs, NaN propagates", () => {
    const c = fromRows([
      [1, 2],
      [3, 4],
    ]);
    expect(Array.from(gemm(zeros(2, 0), zeros(0, 2), { c, beta: 2 }).data)).toEqual([2, 4, 6, 8]);
    expect(gemm(zeros(0, 3), zeros(3, 4)).rows).toBe(0);
    const a = fromRows([
      [NaN, 1],
      [1, 1],
    ]);
    const got = matmul(
      a,
      fromRows([
        [1, 0],
        [0, 1],
      ]),
    );
    expect(Number.isNaN(got.data[0]!)).toBe(true);
    expect(got.data[3]).toBe(1);
  });

  it("is exact on small integers and 1x1", () => {
    expect(Array.from(matmul(fromRows([[2]]), fromRows([[3]])).data)).toEqual([6]);
    const a = fromRows([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    const b = fromRows([
      [7, 8],
      [9, 10],
      [11, 12],
    ]);
    for (const dtype of ["f32", "f64"] as const) expect(Array.from(matmul(a, b, dtype).data)).toEqual([58, 64, 139, 154]);
  });

  it("rejects mismatched shapes", () => {
    expect(() => matmul(zeros(2, 3), zeros(2, 3))).toThrow(/inner dimensions/);
    expect(() => gemm(zeros(2, 3), zeros(3, 2), { c: zeros(3, 3) })).toThrow(/expected 2x2/);
  });
});
