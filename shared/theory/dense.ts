// Small dense f64 helpers for the theory core, row-major on the project's Matrix type. Products
// go through the one GEMM (shared/numerics/gemm.ts); the rest are elementwise loops.
import { gemm } from "../numerics/gemm.js";
import { type Matrix, zeros } from "../numerics/matrix.js";

/** A B (the project's one GEMM, f64). */
export function multiply(a: Matrix, b: Matrix): Matrix {
  if (a.cols !== b.rows) throw new Error(`multiply: ${a.rows}x${a.cols} times ${b.rows}x${b.cols}`);
  return gemm(a, b);
}

/** A^T B. */
export function multiplyTransposeLeft(a: Matrix, b: Matrix): Matrix {
  if (a.rows !== b.rows) throw new Error(`multiplyTransposeLeft: (${a.rows}x${a.cols})^T times ${b.rows}x${b.cols}`);
  return gemm(a, b, { transA: true });
}

/** A B^T. */
export function multiplyTransposeRight(a: Matrix, b: Matrix): Matrix {
  if (a.cols !== b.cols) throw new Error(`multiplyTransposeRight: ${a.rows}x${a.cols} times (${b.rows}x${b.cols})^T`);
  return gemm(a, b, { transB: true });
}

/** A - B. */
export function subtract(a: Matrix, b: Matrix): Matrix {
  if (a.rows !== b.rows || a.cols !== b.cols) throw new Error("subtract: shapes differ");
  const out = zeros(a.rows, a.cols);
  for (let i = 0; i < out.data.length; i++) out.data[i] = a.data[i]! - b.data[i]!;
  return out;
}

/** ||A||_F^2. */
export function squaredNorm(a: Matrix): number {
  let s = 0;
  for (const x of a.data) s += x * x;
  return s;
}

/** A diag(d) (scales column j by d_j). */
export function scaleColumns(a: Matrix, d: ArrayLike<number>): Matrix {
  const out = zeros(a.rows, a.cols);
  for (let i = 0; i < a.rows; i++) for (let j = 0; j < a.cols; j++) out.data[i * a.cols + j] = a.data[i * a.cols + j]! * d[j]!;
  return out;
}
