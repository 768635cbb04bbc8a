// General matrix multiply, row-major: C = alpha * op(A) op(B) + beta * C, f32 and f64, with
// 128-bit SIMD. op(A) is m x k (A itself when transA == 0, else A^T with A stored k x m),
// op(B) is k x n. lda/ldb/ldc are the row strides (in elements) of A, B, C as stored.
//
// Algorithm: the Goto/van de Geijn layering (Goto & van de Geijn, "Anatomy of high-performance
// matrix multiplication", ACM TOMS 2008; BLIS, Van Zee & van de Geijn 2015): op(B) is packed
// into KC x NR micro-panels, op(A) into MR x KC micro-panels, and a register-blocked
// micro-kernel accumulates an MR x NR tile of C in SIMD registers. Edge tiles are computed into
// a scratch tile and merged with scalar code. beta == 0 never reads C (so C may hold NaN).
// Accuracy: each entry is an ordinary sum of k products in the working precision, summed in
// KC-long chunks (no fused multiply-add in this build), so |error| <= k eps sum |a||b|.
//
// The micro-kernels are separate functions, called from two places, so Binaryen does not
// inline them: inlined into the packing loops they made V8 spill accumulators.
// Nothing here allocates: the caller passes `scratch` of gemmScratchBytes(...) bytes.

const KC: i32 = 256;
const MC: i32 = 96; // multiple of MR32 and MR64
const NC: i32 = 2048; // multiple of NR32 and NR64

const MR32: i32 = 4;
const NR32: i32 = 8;
const MR64: i32 = 4;
const NR64: i32 = 4;

@inline function roundUp(x: i32, to: i32): i32 {
  return ((x + to - 1) / to) * to;
}

@inline function align16(x: usize): usize {
  return (x + 15) & ~(<usize>15);
}

/** Scratch bytes gemmF32 (elementBytes 4) or gemmF64 (8) needs for these sizes. */
export function gemmScratchBytes(elementBytes: i32, m: i32, n: i32, k: i32): i32 {
  const mr = elementBytes == 4 ? MR32 : MR64;
  const nr = elementBytes == 4 ? NR32 : NR64;
  const kc = min(k, KC);
  const mc = min(roundUp(m, mr), MC);
  const nc = min(roundUp(n, nr), NC);
  return (mc * kc + kc * nc + mr * nr) * elementBytes + 48;
}

// a * b + c per lane. The release build rounds the product and the sum separately (the same
// bits on every host); the opt-in relaxed build (asconfig "relaxed") may fuse them (FMA), which
// is faster but host-dependent in the last bit, so it is for benchmarks, never for sweeps.
@inline function maddF32(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, c);
  return f32x4.add(c, f32x4.mul(a, b));
}

@inline function maddF64(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f64x2.relaxed_madd(a, b, c);
  return f64x2.add(c, f64x2.mul(a, b));
}

// ---------------------------------------------------------------------------------------------
// f32

function kernelF32(kc: i32, a: usize, b: usize, c: usize, ldcBytes: usize, alpha: f32, beta: f32): void {
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0);
  let c10 = f32x4.splat(0), c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0), c21 = f32x4.splat(0);
  let c30 = f32x4.splat(0), c31 = f32x4.splat(0);
  for (let p = 0; p < kc; p++) {
    const b0 = v128.load(b);
    const b1 = v128.load(b, 16);
    let av = v128.load32_splat(a);
    c00 = maddF32(av, b0, c00);
    c01 = maddF32(av, b1, c01);
    av = v128.load32_splat(a, 4);
    c10 = maddF32(av, b0, c10);
    c11 = maddF32(av, b1, c11);
    av = v128.load32_splat(a, 8);
    c20 = maddF32(av, b0, c20);
    c21 = maddF32(av, b1, c21);
    av = v128.load32_splat(a, 12);
    c30 = maddF32(av, b0, c30);
    c31 = maddF32(av, b1, c31);
    a += 16;
    b += 32;
  }
  const va = f32x4.splat(alpha);
  if (beta == 0) {
    v128.store(c, f32x4.mul(va, c00));
    v128.store(c, f32x4.mul(va, c01), 16);
    c += ldcBytes;
    v128.store(c, f32x4.mul(va, c10));
    v128.store(c, f32x4.mul(va, c11), 16);
    c += ldcBytes;
    v128.store(c, f32x4.mul(va, c20));
    v128.store(c, f32x4.mul(va, c21), 16);
    c += ldcBytes;
    v128.store(c, f32x4.mul(va, c30));
    v128.store(c, f32x4.mul(va, c31), 16);
  } else {
    const vb = f32x4.splat(beta);
    v128.store(c, f32x4.add(f32x4.mul(va, c00), f32x4.mul(vb, v128.load(c))));
    v128.store(c, f32x4.add(f32x4.mul(va, c01), f32x4.mul(vb, v128.load(c, 16))), 16);
    c += ldcBytes;
    v128.store(c, f32x4.add(f32x4.mul(va, c10), f32x4.mul(vb, v128.load(c))));
    v128.store(c, f32x4.add(f32x4.mul(va, c11), f32x4.mul(vb, v128.load(c, 16))), 16);
    c += ldcBytes;
    v128.store(c, f32x4.add(f32x4.mul(va, c20), f32x4.mul(vb, v128.load(c))));
    v128.store(c, f32x4.add(f32x4.mul(va, c21), f32x4.mul(vb, v128.load(c, 16))), 16);
    c += ldcBytes;
    v128.store(c, f32x4.add(f32x4.mul(va, c30), f32x4.mul(vb, v128.load(c))));
    v128.store(c, f32x4.add(f32x4.mul(va, c31), f32x4.mul(vb, v128.load(c, 16))), 16);
  }
}

// Pack rows i0..i0+mc, columns p0..p0+kc of op(A) into MR-row micro-panels (zero padded).
function packAF32(dst: usize, a: usize, lda: i32, transA: i32, i0: i32, p0: i32, mc: i32, kc: i32): void {
  for (let ip = 0; ip < mc; ip += MR32) {
    const rows = min(MR32, mc - ip);
    const panel = dst + <usize>(ip * kc) * 4;
    if (transA == 0) {
      for (let ii = 0; ii < MR32; ii++) {
        if (ii < rows) {
          const src = a + (<usize>(i0 + ip + ii) * lda + p0) * 4;
          for (let p = 0; p < kc; p++) store<f32>(panel + <usize>(p * MR32 + ii) * 4, load<f32>(src + <usize>p * 4));
        } else {
          for (let p = 0; p < kc; p++) store<f32>(panel + <usize>(p * MR32 + ii) * 4, 0);
        }
      }
    } else if (rows == MR32) {
      for (let p = 0; p < kc; p++)
        v128.store(panel + <usize>p * 16, v128.load(a + (<usize>(p0 + p) * lda + i0 + ip) * 4));
    } else {
      for (let p = 0; p < kc; p++) {
        const src = a + (<usize>(p0 + p) * lda + i0 + ip) * 4;
        for (let ii = 0; ii < MR32; ii++)
          store<f32>(panel + <usize>(p * MR32 + ii) * 4, ii < rows ? load<f32>(src + <usize>ii * 4) : 0);
      }
    }
  }
}

// Pack rows p0..p0+kc, columns j0..j0+nc of op(B) into NR-column micro-panels (zero padded).
function packBF32(dst: usize, b: usize, ldb: i32, transB: i32, p0: i32, j0: i32, nc: i32, kc: i32): void {
  for (let jp = 0; jp < nc; jp += NR32) {
    const cols = min(NR32, nc - jp);
    const panel = dst + <usize>(jp * kc) * 4;
    if (transB == 0) {
      if (cols == NR32) {
        for (let p = 0; p < kc; p++) {
          const src = b + (<usize>(p0 + p) * ldb + j0 + jp) * 4;
          v128.store(panel + <usize>p * 32, v128.load(src));
          v128.store(panel + <usize>p * 32, v128.load(src, 16), 16);
        }
      } else {
        for (let p = 0; p < kc; p++) {
          const src = b + (<usize>(p0 + p) * ldb + j0 + jp) * 4;
          for (let jj = 0; jj < NR32; jj++)
            store<f32>(panel + <usize>(p * NR32 + jj) * 4, jj < cols ? load<f32>(src + <usize>jj * 4) : 0);
        }
      }
    } else {
      for (let jj = 0; jj < NR32; jj++) {
        if (jj < cols) {
          const src = b + (<usize>(j0 + jp + jj) * ldb + p0) * 4;
          for (let p = 0; p < kc; p++) store<f32>(panel + <usize>(p * NR32 + jj) * 4, load<f32>(src + <usize>p * 4));
        } else {
          for (let p = 0; p < kc; p++) store<f32>(panel + <usize>(p * NR32 + jj) * 4, 0);
        }
      }
    }
  }
}

function scaleF32(m: i32, n: i32, beta: f32, c: usize, ldc: i32): void {
  for (let i = 0; i < m; i++) {
    const row = c + <usize>i * ldc * 4;
    for (let j = 0; j < n; j++) {
      const p = row + <usize>j * 4;
      store<f32>(p, beta == 0 ? 0 : beta * load<f32>(p));
    }
  }
}

export function gemmF32(
  transA: i32, transB: i32, m: i32, n: i32, k: i32, alpha: f32,
  a: usize, lda: i32, b: usize, ldb: i32, beta: f32, c: usize, ldc: i32, scratch: usize,
): void {
  if (m <= 0 || n <= 0) return;
  if (k <= 0 || alpha == 0) {
    scaleF32(m, n, beta, c, ldc);
    return;
  }
  const kcMax = min(k, KC);
  const packA = align16(scratch);
  const packB = align16(packA + <usize>(min(roundUp(m, MR32), MC) * kcMax) * 4);
  const tile = align16(packB + <usize>(kcMax * min(roundUp(n, NR32), NC)) * 4);
  const ldcBytes = <usize>ldc * 4;
  for (let j0 = 0; j0 < n; j0 += NC) {
    const nc = min(NC, n - j0);
    for (let p0 = 0; p0 < k; p0 += KC) {
      const kc = min(KC, k - p0);
      const betaHere: f32 = p0 == 0 ? beta : 1;
      packBF32(packB, b, ldb, transB, p0, j0, nc, kc);
      for (let i0 = 0; i0 < m; i0 += MC) {
        const mc = min(MC, m - i0);
        packAF32(packA, a, lda, transA, i0, p0, mc, kc);
        for (let jr = 0; jr < nc; jr += NR32) {
          const cols = min(NR32, nc - jr);
          const bPanel = packB + <usize>(jr * kc) * 4;
          for (let ir = 0; ir < mc; ir += MR32) {
            const rows = min(MR32, mc - ir);
            const aPanel = packA + <usize>(ir * kc) * 4;
            const cTile = c + (<usize>(i0 + ir) * ldc + j0 + jr) * 4;
            if (rows == MR32 && cols == NR32) {
              kernelF32(kc, aPanel, bPanel, cTile, ldcBytes, alpha, betaHere);
            } else {
              kernelF32(kc, aPanel, bPanel, tile, <usize>NR32 * 4, 1, 0);
              for (let ii = 0; ii < rows; ii++)
                for (let jj = 0; jj < cols; jj++) {
                  const p = cTile + (<usize>ii * ldc + jj) * 4;
                  const t = alpha * load<f32>(tile + <usize>(ii * NR32 + jj) * 4);
                  store<f32>(p, betaHere == 0 ? t : t + betaHere * load<f32>(p));
                }
            }
          }
        }
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------
// f64 (same layering; a v128 holds two f64, so the tile is MR64 x NR64 = 4 x 4)

function kernelF64(kc: i32, a: usize, b: usize, c: usize, ldcBytes: usize, alpha: f64, beta: f64): void {
  let c00 = f64x2.splat(0), c01 = f64x2.splat(0);
  let c10 = f64x2.splat(0), c11 = f64x2.splat(0);
  let c20 = f64x2.splat(0), c21 = f64x2.splat(0);
  let c30 = f64x2.splat(0), c31 = f64x2.splat(0);
  for (let p = 0; p < kc; p++) {
    const b0 = v128.load(b);
    const b1 = v128.load(b, 16);
    let av = v128.load64_splat(a);
    c00 = maddF64(av, b0, c00);
    c01 = maddF64(av, b1, c01);
    av = v128.load64_splat(a, 8);
    c10 = maddF64(av, b0, c10);
    c11 = maddF64(av, b1, c11);
    av = v128.load64_splat(a, 16);
    c20 = maddF64(av, b0, c20);
    c21 = maddF64(av, b1, c21);
    av = v128.load64_splat(a, 24);
    c30 = maddF64(av, b0, c30);
    c31 = maddF64(av, b1, c31);
    a += 32;
    b += 32;
  }
  const va = f64x2.splat(alpha);
  if (beta == 0) {
    v128.store(c, f64x2.mul(va, c00));
    v128.store(c, f64x2.mul(va, c01), 16);
    c += ldcBytes;
    v128.store(c, f64x2.mul(va, c10));
    v128.store(c, f64x2.mul(va, c11), 16);
    c += ldcBytes;
    v128.store(c, f64x2.mul(va, c20));
    v128.store(c, f64x2.mul(va, c21), 16);
    c += ldcBytes;
    v128.store(c, f64x2.mul(va, c30));
    v128.store(c, f64x2.mul(va, c31), 16);
  } else {
    const vb = f64x2.splat(beta);
    v128.store(c, f64x2.add(f64x2.mul(va, c00), f64x2.mul(vb, v128.load(c))));
    v128.store(c, f64x2.add(f64x2.mul(va, c01), f64x2.mul(vb, v128.load(c, 16))), 16);
    c += ldcBytes;
    v128.store(c, f64x2.add(f64x2.mul(va, c10), f64x2.mul(vb, v128.load(c))));
    v128.store(c, f64x2.add(f64x2.mul(va, c11), f64x2.mul(vb, v128.load(c, 16))), 16);
    c += ldcBytes;
    v128.store(c, f64x2.add(f64x2.mul(va, c20), f64x2.mul(vb, v128.load(c))));
    v128.store(c, f64x2.add(f64x2.mul(va, c21), f64x2.mul(vb, v128.load(c, 16))), 16);
    c += ldcBytes;
    v128.store(c, f64x2.add(f64x2.mul(va, c30), f64x2.mul(vb, v128.load(c))));
    v128.store(c, f64x2.add(f64x2.mul(va, c31), f64x2.mul(vb, v128.load(c, 16))), 16);
  }
}

function packAF64(dst: usize, a: usize, lda: i32, transA: i32, i0: i32, p0: i32, mc: i32, kc: i32): void {
  for (let ip = 0; ip < mc; ip += MR64) {
    const rows = min(MR64, mc - ip);
    const panel = dst + <usize>(ip * kc) * 8;
    if (transA == 0) {
      for (let ii = 0; ii < MR64; ii++) {
        if (ii < rows) {
          const src = a + (<usize>(i0 + ip + ii) * lda + p0) * 8;
          for (let p = 0; p < kc; p++) store<f64>(panel + <usize>(p * MR64 + ii) * 8, load<f64>(src + <usize>p * 8));
        } else {
          for (let p = 0; p < kc; p++) store<f64>(panel + <usize>(p * MR64 + ii) * 8, 0);
        }
      }
    } else if (rows == MR64) {
      for (let p = 0; p < kc; p++) {
        const src = a + (<usize>(p0 + p) * lda + i0 + ip) * 8;
        v128.store(panel + <usize>p * 32, v128.load(src));
        v128.store(panel + <usize>p * 32, v128.load(src, 16), 16);
      }
    } else {
      for (let p = 0; p < kc; p++) {
        const src = a + (<usize>(p0 + p) * lda + i0 + ip) * 8;
        for (let ii = 0; ii < MR64; ii++)
          store<f64>(panel + <usize>(p * MR64 + ii) * 8, ii < rows ? load<f64>(src + <usize>ii * 8) : 0);
      }
    }
  }
}

function packBF64(dst: usize, b: usize, ldb: i32, transB: i32, p0: i32, j0: i32, nc: i32, kc: i32): void {
  for (let jp = 0; jp < nc; jp += NR64) {
    const cols = min(NR64, nc - jp);
    const panel = dst + <usize>(jp * kc) * 8;
    if (transB == 0) {
      if (cols == NR64) {
        for (let p = 0; p < kc; p++) {
          const src = b + (<usize>(p0 + p) * ldb + j0 + jp) * 8;
          v128.store(panel + <usize>p * 32, v128.load(src));
          v128.store(panel + <usize>p * 32, v128.load(src, 16), 16);
        }
      } else {
        for (let p = 0; p < kc; p++) {
          const src = b + (<usize>(p0 + p) * ldb + j0 + jp) * 8;
          for (let jj = 0; jj < NR64; jj++)
            store<f64>(panel + <usize>(p * NR64 + jj) * 8, jj < cols ? load<f64>(src + <usize>jj * 8) : 0);
        }
      }
    } else {
      for (let jj = 0; jj < NR64; jj++) {
        if (jj < cols) {
          const src = b + (<usize>(j0 + jp + jj) * ldb + p0) * 8;
          for (let p = 0; p < kc; p++) store<f64>(panel + <usize>(p * NR64 + jj) * 8, load<f64>(src + <usize>p * 8));
        } else {
          for (let p = 0; p < kc; p++) store<f64>(panel + <usize>(p * NR64 + jj) * 8, 0);
        }
      }
    }
  }
}

function scaleF64(m: i32, n: i32, beta: f64, c: usize, ldc: i32): void {
  for (let i = 0; i < m; i++) {
    const row = c + <usize>i * ldc * 8;
    for (let j = 0; j < n; j++) {
      const p = row + <usize>j * 8;
      store<f64>(p, beta == 0 ? 0 : beta * load<f64>(p));
    }
  }
}

export function gemmF64(
  transA: i32, transB: i32, m: i32, n: i32, k: i32, alpha: f64,
  a: usize, lda: i32, b: usize, ldb: i32, beta: f64, c: usize, ldc: i32, scratch: usize,
): void {
  if (m <= 0 || n <= 0) return;
  if (k <= 0 || alpha == 0) {
    scaleF64(m, n, beta, c, ldc);
    return;
  }
  const kcMax = min(k, KC);
  const packA = align16(scratch);
  const packB = align16(packA + <usize>(min(roundUp(m, MR64), MC) * kcMax) * 8);
  const tile = align16(packB + <usize>(kcMax * min(roundUp(n, NR64), NC)) * 8);
  const ldcBytes = <usize>ldc * 8;
  for (let j0 = 0; j0 < n; j0 += NC) {
    const nc = min(NC, n - j0);
    for (let p0 = 0; p0 < k; p0 += KC) {
      const kc = min(KC, k - p0);
      const betaHere: f64 = p0 == 0 ? beta : 1;
      packBF64(packB, b, ldb, transB, p0, j0, nc, kc);
      for (let i0 = 0; i0 < m; i0 += MC) {
        const mc = min(MC, m - i0);
        packAF64(packA, a, lda, transA, i0, p0, mc, kc);
        for (let jr = 0; jr < nc; jr += NR64) {
          const cols = min(NR64, nc - jr);
          const bPanel = packB + <usize>(jr * kc) * 8;
          for (let ir = 0; ir < mc; ir += MR64) {
            const rows = min(MR64, mc - ir);
            const aPanel = packA + <usize>(ir * kc) * 8;
            const cTile = c + (<usize>(i0 + ir) * ldc + j0 + jr) * 8;
            if (rows == MR64 && cols == NR64) {
              kernelF64(kc, aPanel, bPanel, cTile, ldcBytes, alpha, betaHere);
            } else {
              kernelF64(kc, aPanel, bPanel, tile, <usize>NR64 * 8, 1, 0);
              for (let ii = 0; ii < rows; ii++)
                for (let jj = 0; jj < cols; jj++) {
                  const p = cTile + (<usize>ii * ldc + jj) * 8;
                  const t = alpha * load<f64>(tile + <usize>(ii * NR64 + jj) * 8);
                  store<f64>(p, betaHere == 0 ? t : t + betaHere * load<f64>(p));
                }
            }
          }
        }
      }
    }
  }
}
