// The project's one SVD (f64), a thin wrapper over the wasm kernel svdF64 (wasm/assembly/svd.ts:
// Householder bidiagonalisation, QR first for tall inputs, dqds for the values, Demmel-Kahan
// bidiagonal QR for the vectors). It only translates shapes: A = U diag(values) V^T, values
// descending, length p = min(m, n), U m x p and V n x p with orthonormal columns (also for zero
// singular values).
// Used for the spectra of THEORY.md ("Induced regulariser and closed-form global minimum").
import { type Workspace, engine } from "./engine.js";
import { type Matrix, zeros } from "./matrix.js";
import { log2, pow } from "./libm.js";

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

const SCALE_LIMIT = 2.037035976334486e90; // 2^300 exactly: beyond it (or below its inverse) the input is rescaled by exact powers of two

export function svd(a: Matrix, options: { vectors?: boolean } = {}): SvdResult {
  const wantVectors = options.vectors ?? true;
  const { rows: m, cols: n } = a;
  if (a.data.length !== m * n) throw new RangeError(`svd: matrix data has ${a.data.length} entries, expected rows*cols = ${m * n}`);
  const p = Math.min(m, n);
  if (p === 0) return wantVectors ? { values: new Float64Array(0), U: zeros(m, 0), V: zeros(n, 0) } : { values: new Float64Array(0) };
  // The kernel wants a tall matrix, column-major. Row-major A is column-major A^T, so wide and
  // square inputs go in as they are (A^T = V S U^T: the factors swap back below) and only
  // strictly tall ones are transposed.
  const tall = m > n;
  const M = tall ? m : n;
  const N = p;
  const ws = engine();
  const kernel = ws.kernels.svdF64;
  const workSize = ws.kernels.svdWorkSize(M, N);
  const transpose = ws.kernels.svdTranspose;
  const maxAbsOf = ws.kernels.svdMaxAbs;
  return ws.scoped(() => {
    const bPtr = ws.allocF64(M * N);
    const sPtr = ws.allocF64(N);
    const uPtr = wantVectors ? ws.allocF64(M * N) : 0;
    const vPtr = wantVectors ? ws.allocF64(N * N) : 0;
    // Layout changes go through this buffer: row-major in, column-major for the kernel, back.
    const tPtr = tall || wantVectors ? ws.allocF64(M * N) : 0;
    const workPtr = ws.allocF64(workSize);
    const inPtr = tall ? tPtr : bPtr;
    const input = ws.f64View(inPtr, M * N);
    input.set(a.data);
    const maxAbs = maxAbsOf(inPtr, M * N);
    if (!(maxAbs <= Number.MAX_VALUE)) {
      const k = a.data.findIndex((x) => !Number.isFinite(x));
      const i = Math.floor(k / n);
      throw new RangeError(`svd: entry (${i}, ${k - i * n}) of the ${m} x ${n} matrix is ${a.data[k]}; only finite values are allowed`);
    }
    // Power-of-two rescaling (exact) keeps sums of squares inside the f64 range; 2^k can
    // overflow for subnormal inputs (k > 1023): applied as two exact halves.
    let scaleA = 1;
    let scaleB = 1;
    const scaled = maxAbs > SCALE_LIMIT || (maxAbs > 0 && maxAbs < 1 / SCALE_LIMIT);
    if (scaled) {
      const k = -Math.round(log2(maxAbs)); // wasm libm: host-independent
      scaleA = pow(2, Math.trunc(k / 2)); // exact powers of two, from the wasm libm like every power here
      scaleB = pow(2, k - Math.trunc(k / 2));
      for (let k = 0; k < input.length; k++) input[k] = input[k]! * scaleA * scaleB;
    }
    if (tall) transpose(tPtr, m, n, bPtr);
    const status = kernel(bPtr, M, N, sPtr, uPtr, vPtr, wantVectors ? 1 : 0, workPtr);
    if (status !== 0) throw new Error(`svd: the bidiagonal QR did not converge for the ${m} x ${n} matrix`);
    const values = ws.takeF64(sPtr, N);
    if (scaled) for (let k = 0; k < N; k++) values[k] = values[k]! / scaleA / scaleB;
    if (!wantVectors) return { values };
    // Column-major kernel factors -> row-major matrices.
    const left = { rows: M, cols: N, data: rowMajor(ws, transpose, uPtr, M, N, tPtr) };
    const right = { rows: N, cols: N, data: rowMajor(ws, transpose, vPtr, N, N, tPtr) };
    return tall ? { values, U: left, V: right } : { values, U: right, V: left };
  });
}

/** Copy of the column-major rows x cols matrix at ptr, row-major (via the scratch at tPtr). */
function rowMajor(
  ws: Workspace,
  transpose: Workspace["kernels"]["svdTranspose"],
  ptr: number,
  rows: number,
  cols: number,
  tPtr: number,
): Float64Array {
  transpose(ptr, cols, rows, tPtr);
  return ws.takeF64(tPtr, rows * cols);
}
