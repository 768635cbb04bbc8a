// Matrix multiply on the wasm GEMM kernels (wasm/assembly/gemm.ts): shapes in, Matrix out.
// C = alpha * op(A) op(B) + beta * C, row-major, op = identity or transpose. The f32 path
// rounds A, B (and C) to single precision, multiplies in f32 and widens the result back.
import { engine, type Workspace } from "./engine.js";
import { type Matrix, zeros } from "./matrix.js";

export type Dtype = "f32" | "f64";

export interface GemmOptions {
  /** Use A^T (A stored k x m) instead of A. */
  transA?: boolean;
  /** Use B^T (B stored n x k) instead of B. */
  transB?: boolean;
  /** @default 1 */
  alpha?: number;
  /** @default 0 (C is not read) */
  beta?: number;
  /** Accumulate into this m x n matrix (beta * C); a new one is returned either way. */
  c?: Matrix;
  /** @default "f64" */
  dtype?: Dtype;
}

/** Bytes of scratch the kernel needs for an m x n x k product. */
export function gemmScratchBytes(dtype: Dtype, m: number, n: number, k: number, ws: Workspace = engine()): number {
  return ws.kernels.gemmScratchBytes(dtype === "f32" ? 4 : 8, m, n, k);
}

/**
 * The raw kernel on pointers already in wasm memory (for benchmarks and other wrappers):
 * lda/ldb/ldc are row strides in elements; scratch must hold gemmScratchBytes(dtype, m, n, k).
 */
export function gemmOnPointers(
  ws: Workspace,
  dtype: Dtype,
  transA: boolean,
  transB: boolean,
  m: number,
  n: number,
  k: number,
  alpha: number,
  a: number,
  lda: number,
  b: number,
  ldb: number,
  beta: number,
  c: number,
  ldc: number,
  scratch: number,
): void {
  const kernel = dtype === "f32" ? ws.kernels.gemmF32 : ws.kernels.gemmF64;
  kernel(transA ? 1 : 0, transB ? 1 : 0, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, scratch);
}

export function gemm(a: Matrix, b: Matrix, options: GemmOptions = {}): Matrix {
  const { transA = false, transB = false, alpha = 1, beta = 0, dtype = "f64" } = options;
  const m = transA ? a.cols : a.rows;
  const k = transA ? a.rows : a.cols;
  const kb = transB ? b.cols : b.rows;
  const n = transB ? b.rows : b.cols;
  if (k !== kb) throw new RangeError(`gemm: inner dimensions differ: op(A) is ${m}x${k}, op(B) is ${kb}x${n}`);
  if (options.c && (options.c.rows !== m || options.c.cols !== n))
    throw new RangeError(`gemm: c is ${options.c.rows}x${options.c.cols}, expected ${m}x${n}`);
  const ws = engine();
  return ws.scoped(() => {
    const put = dtype === "f32" ? (v: Float64Array) => ws.putF32(v) : (v: Float64Array) => ws.putF64(v);
    const aPtr = put(a.data);
    const bPtr = put(b.data);
    const cPtr = options.c ? put(options.c.data) : dtype === "f32" ? ws.allocF32(m * n) : ws.allocF64(m * n);
    const scratch = ws.alloc(gemmScratchBytes(dtype, m, n, k, ws));
    gemmOnPointers(ws, dtype, transA, transB, m, n, k, alpha, aPtr, a.cols, bPtr, b.cols, options.c ? beta : 0, cPtr, n, scratch);
    const out = zeros(m, n);
    out.data.set(dtype === "f32" ? ws.f32View(cPtr, m * n) : ws.f64View(cPtr, m * n));
    return out;
  });
}

/** A B in f64 (the common case). */
export function matmul(a: Matrix, b: Matrix, dtype: Dtype = "f64"): Matrix {
  return gemm(a, b, { dtype });
}
