// The project's one SVD (f64), a thin wrapper over the wasm kernel svdF64 (wasm/assembly/svd.ts:
// Householder bidiagonalisation, QR first for tall inputs, Demmel-Kahan bidiagonal QR). It only
// translates shapes: A = U diag(values) V^T, values descending, length p = min(m, n), U m x p and
// V n x p with orthonormal columns (also for zero singular values).
// Used for the spectra of THEORY.md ("Induced regulariser and closed-form global minimum").
import { engine } from "./engine.js";
import { type Matrix, zeros } from "./matrix.js";

export interface SvdResult {
  values: Float64Array;
  /** m x p, p = min(m, n); present when vectors were asked for. */
  U?: Matrix;
  /** n x p. */
  V?: Matrix;
}

type SvdKernel = (a: number, m: number, n: number, s: number, u: number, v: number, wantVectors: number, work: number) => number;
type WorkSize = (m: number, n: number) => number;

export function singularValues(a: Matrix): Float64Array {
  return svd(a, { vectors: false }).values;
}

// Power-of-two rescaling (exact) keeps sums of squares inside the f64 range.
const SCALE_LIMIT = 2 ** 300;

export function svd(a: Matrix, options: { vectors?: boolean } = {}): SvdResult {
  const wantVectors = options.vectors ?? true;
  const { rows: m, cols: n } = a;
  if (a.data.length !== m * n) throw new RangeError(`svd: matrix data has ${a.data.length} entries, expected rows*cols = ${m * n}`);
  const p = Math.min(m, n);
  let maxAbs = 0;
  for (let k = 0; k < a.data.length; k++) {
    const x = Math.abs(a.data[k]!);
    if (!(x <= Number.MAX_VALUE)) {
      const i = Math.floor(k / n);
      throw new RangeError(`svd: entry (${i}, ${k - i * n}) of the ${m} x ${n} matrix is ${a.data[k]}; only finite values are allowed`);
    }
    if (x > maxAbs) maxAbs = x;
  }
  if (p === 0) return wantVectors ? { values: new Float64Array(0), U: zeros(m, 0), V: zeros(n, 0) } : { values: new Float64Array(0) };
  // 2^k can overflow for subnormal inputs (k > 1023): applied as two exact halves.
  let scaleA = 1;
  let scaleB = 1;
  let scaled = false;
  if (maxAbs > SCALE_LIMIT || (maxAbs > 0 && maxAbs < 1 / SCALE_LIMIT)) {
    const k = -Math.round(Math.log2(maxAbs));
    scaleA = 2 ** Math.trunc(k / 2);
    scaleB = 2 ** (k - Math.trunc(k / 2));
    scaled = true;
  }
  // The kernel wants a tall matrix, column-major: B = A (m >= n) or B = A^T (m < n).
  const tall = m >= n;
  const M = tall ? m : n;
  const N = p;
  const ws = engine();
  const kernel = ws.kernels.svdF64 as SvdKernel;
  const workSize = (ws.kernels.svdWorkSize as WorkSize)(M, N);
  return ws.scoped(() => {
    const bPtr = ws.allocF64(M * N);
    const sPtr = ws.allocF64(N);
    const uPtr = wantVectors ? ws.allocF64(M * N) : 0;
    const vPtr = wantVectors ? ws.allocF64(N * N) : 0;
    const workPtr = ws.allocF64(workSize);
    const b = ws.f64View(bPtr, M * N);
    const src = a.data;
    if (tall) {
      for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) b[j * m + i] = scaled ? src[i * n + j]! * scaleA * scaleB : src[i * n + j]!;
    } else if (!scaled) {
      b.set(src); // row-major A is column-major A^T
    } else {
      for (let k = 0; k < src.length; k++) b[k] = src[k]! * scaleA * scaleB;
    }
    const status = kernel(bPtr, M, N, sPtr, uPtr, vPtr, wantVectors ? 1 : 0, workPtr);
    if (status !== 0) throw new Error(`svd: the bidiagonal QR did not converge for the ${m} x ${n} matrix`);
    const values = ws.takeF64(sPtr, N);
    if (scaled) for (let k = 0; k < N; k++) values[k] = values[k]! / scaleA / scaleB;
    if (!wantVectors) return { values };
    // Column-major kernel factors -> row-major matrices.
    const left = fromColumnMajor(ws.f64View(uPtr, M * N), M, N);
    const right = fromColumnMajor(ws.f64View(vPtr, N * N), N, N);
    return tall ? { values, U: left, V: right } : { values, U: right, V: left };
  });
}

function fromColumnMajor(cm: Float64Array, rows: number, cols: number): Matrix {
  const out = zeros(rows, cols);
  for (let j = 0; j < cols; j++) for (let i = 0; i < rows; i++) out.data[i * cols + j] = cm[j * rows + i]!;
  return out;
}
