// The project's one SVD (f64), a thin wrapper over the wasm kernel: shapes in, sorted
// spectrum and thin factors out. A = U diag(values) V^T, values descending, length min(m, n).
import { engine } from "./engine.js";
import { type Matrix, zeros } from "./matrix.js";

export interface SvdResult {
  values: Float64Array;
  /** m x p, p = min(m, n); present when vectors were asked for. */
  U?: Matrix;
  /** n x p. */
  V?: Matrix;
}

export function singularValues(a: Matrix): Float64Array {
  return svd(a, { vectors: false }).values;
}

export function svd(a: Matrix, options: { vectors?: boolean } = {}): SvdResult {
  const wantVectors = options.vectors ?? true;
  const { rows: m, cols: n } = a;
  const p = Math.min(m, n);
  if (p === 0) return { values: new Float64Array(0), U: zeros(m, 0), V: zeros(n, 0) };
  // Work on the tall orientation: B = A (m >= n) or B = A^T, stored column-major.
  const tall = m >= n;
  const rowsB = tall ? m : n;
  const colsB = p;
  const ws = engine();
  return ws.scoped(() => {
    const bPtr = ws.allocF64(rowsB * colsB);
    const sPtr = ws.allocF64(colsB);
    const vPtr = ws.allocF64(colsB * colsB);
    const b = ws.f64View(bPtr, rowsB * colsB);
    // Column j of B (column-major) is column j of A when tall, row j of A otherwise.
    for (let j = 0; j < colsB; j++)
      for (let i = 0; i < rowsB; i++) b[j * rowsB + i] = tall ? a.data[i * n + j]! : a.data[j * n + i]!;
    (ws.kernels.svdJacobi as (a: number, m: number, n: number, s: number, v: number, w: number) => number)(
      bPtr, rowsB, colsB, sPtr, vPtr, wantVectors ? 1 : 0,
    );
    const s = ws.takeF64(sPtr, colsB);
    const order = Array.from(s.keys()).sort((x, y) => s[y]! - s[x]!);
    const values = Float64Array.from(order, (k) => s[k]!);
    if (!wantVectors) return { values };
    const bOut = ws.f64View(bPtr, rowsB * colsB);
    const vOut = ws.f64View(vPtr, colsB * colsB);
    // Left vectors of B are columns of B scaled by 1/s; right vectors are V's columns.
    const left = zeros(rowsB, p);
    const right = zeros(colsB, p);
    order.forEach((k, col) => {
      const sk = s[k]!;
      for (let i = 0; i < rowsB; i++) left.data[i * p + col] = sk > 0 ? bOut[k * rowsB + i]! / sk : 0;
      for (let i = 0; i < colsB; i++) right.data[i * p + col] = vOut[k * colsB + i]!;
    });
    // TODO(numerics): zero singular values leave zero left vectors; the QR-based SVD fixes this.
    return tall ? { values, U: left, V: right } : { values, U: right, V: left };
  });
}
