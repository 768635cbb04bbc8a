// One minibatch SGD step of masked training for the single-hidden-layer linear network of
// THEORY.md "Setting": per sample j, loss ||y_j - U diag(z_j / theta) V^T x_j||^2, and the
// step follows the gradient of the batch mean (1/B) sum_j of those losses. Dropconnect puts the
// Bernoulli mask on the weights of one layer instead (THEORY.md "Mask families").
//
// Storage: samples are rows (Xt = X^T is N x d, Yt = Y^T is N x m), U is m x r, V is d x r,
// all row-major in the precision T. In factorisation mode (X = I) sample j's hidden layer is
// row j of V, so the forward pass gathers rows and the V update touches only those rows
// (a batch never holds a sample twice, so the rows are distinct).
// Masks come from masks.ts: per-sample mask index = the sample's global position
// (epoch * N + place in the epoch's order), per-batch mask index = the global batch number.
// Every gradient is taken at the weights the batch started with (U and V move together).
import { gemmF32, gemmF64, gemmScratchBytes } from "./gemm";
import { FAMILY_DROPCONNECT, sampleMasks } from "./masks";
import { rngSetStream } from "./rng";

// Parameter block: f64 slots written by shared/numerics/train.ts (keep the two in step).
const P_N = 0, P_D = 1, P_M = 2, P_R = 3, P_START = 4, P_BATCH = 5, P_MAXBATCH = 6;
const P_LR = 7, P_THETA = 8, P_FAMILY = 9, P_BLOCK = 10, P_SCOPE = 11, P_LAYER = 12;
const P_FIRSTMASK = 13, P_FACTOR = 14, P_XT = 15, P_YT = 16, P_U = 17, P_V = 18, P_PERM = 19;
const P_SCRATCH = 20, P_PATTERNS = 21, P_CUM = 22, P_NPAT = 23, P_K0 = 24, P_K1 = 25;
const P_STREAM = 26, P_SUBSTREAM = 27;

@inline function param(pb: usize, slot: i32): f64 {
  return load<f64>(pb + (<usize>slot << 3));
}
@inline function iparam(pb: usize, slot: i32): i32 {
  return <i32>load<f64>(pb + (<usize>slot << 3));
}
@inline function pparam(pb: usize, slot: i32): usize {
  return <usize>load<f64>(pb + (<usize>slot << 3));
}
@inline function align16(x: usize): usize {
  return (x + 15) & ~(<usize>15);
}

/** Scratch bytes of one step (elementBytes 4 or 8), for batches of at most maxBatch. */
export function trainScratchBytes(elementBytes: i32, d: i32, m: i32, r: i32, maxBatch: i32): i32 {
  const w = max(d, m) * r;
  let g = gemmScratchBytes(elementBytes, maxBatch, r, d);
  g = max(g, gemmScratchBytes(elementBytes, maxBatch, m, r));
  g = max(g, gemmScratchBytes(elementBytes, m, r, maxBatch));
  g = max(g, gemmScratchBytes(elementBytes, maxBatch, r, m));
  g = max(g, gemmScratchBytes(elementBytes, d, r, maxBatch));
  const elements = maxBatch * d + 2 * maxBatch * m + 3 * maxBatch * r + 3 * w + m * r;
  return elements * elementBytes + g + 16 * 12;
}

@inline function gemmT<T>(
  tA: i32, tB: i32, m: i32, n: i32, k: i32, alpha: f64, a: usize, lda: i32, b: usize, ldb: i32,
  beta: f64, c: usize, ldc: i32, scratch: usize,
): void {
  if (sizeof<T>() == 4) gemmF32(tA, tB, m, n, k, <f32>alpha, a, lda, b, ldb, <f32>beta, c, ldc, scratch);
  else gemmF64(tA, tB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, scratch);
}

@inline function at<T>(p: usize, i: i32): T {
  return load<T>(p + (<usize>i << alignof<T>()));
}
@inline function put<T>(p: usize, i: i32, v: T): void {
  store<T>(p + (<usize>i << alignof<T>()), v);
}

@inline function vmul<T>(a: v128, b: v128): v128 {
  return sizeof<T>() == 4 ? f32x4.mul(a, b) : f64x2.mul(a, b);
}

/** x[j, :] *= s[j, :] (or s[0, :] for every j when perBatch). */
function scaleRows<T>(x: usize, s: usize, rows: i32, cols: i32, perBatch: bool): void {
  const lanes = 16 / sizeof<T>();
  for (let j = 0; j < rows; j++) {
    const xj = x + <usize>(j * cols) * sizeof<T>();
    const sj = s + <usize>(perBatch ? 0 : j * cols) * sizeof<T>();
    let i = 0;
    for (; i + lanes <= cols; i += lanes) {
      const off = <usize>i * sizeof<T>();
      v128.store(xj + off, vmul<T>(v128.load(xj + off), v128.load(sj + off)));
    }
    for (; i < cols; i++) put<T>(xj, i, at<T>(xj, i) * at<T>(sj, i));
  }
}

/** g := factor * (g - y) over n entries; returns sum (g - y)^2 in f64 (a fixed lane order). */
function residual<T>(g: usize, y: usize, n: i32, factor: T): f64 {
  let acc = f64x2.splat(0);
  let i = 0;
  if (sizeof<T>() == 4) {
    const fv = f32x4.splat(<f32>factor);
    for (; i + 4 <= n; i += 4) {
      const off = <usize>i << 2;
      const e = f32x4.sub(v128.load(g + off), v128.load(y + off));
      const lo = f64x2.promote_low_f32x4(e);
      const hi = f64x2.promote_low_f32x4(v128.shuffle<i32>(e, e, 2, 3, 0, 1));
      acc = f64x2.add(acc, f64x2.add(f64x2.mul(lo, lo), f64x2.mul(hi, hi)));
      v128.store(g + off, f32x4.mul(fv, e));
    }
  } else {
    const fv = f64x2.splat(<f64>factor);
    for (; i + 2 <= n; i += 2) {
      const off = <usize>i << 3;
      const e = f64x2.sub(v128.load(g + off), v128.load(y + off));
      acc = f64x2.add(acc, f64x2.mul(e, e));
      v128.store(g + off, f64x2.mul(fv, e));
    }
  }
  let loss = f64x2.extract_lane(acc, 0) + f64x2.extract_lane(acc, 1);
  for (; i < n; i++) {
    const e = at<T>(g, i) - at<T>(y, i);
    loss += <f64>e * <f64>e;
    put<T>(g, i, factor * e);
  }
  return loss;
}

/** out = a (.) b elementwise over n entries. */
function hadamard<T>(out: usize, a: usize, b: usize, n: i32): void {
  for (let i = 0; i < n; i++) put<T>(out, i, at<T>(a, i) * at<T>(b, i));
}

/** w -= lr * (mask (.) grad) over n entries (mask already holds 0 or 1/theta). */
function maskedUpdate<T>(w: usize, mask: usize, grad: usize, n: i32, lr: T): void {
  for (let i = 0; i < n; i++) put<T>(w, i, at<T>(w, i) - lr * at<T>(mask, i) * at<T>(grad, i));
}

function zero<T>(p: usize, n: i32): void {
  memory.fill(p, 0, <usize>n << alignof<T>());
}

/** H = Xb V (B x r), or the rows of `weights` (d x r) the batch names in factorisation mode. */
function hidden<T>(weights: usize, B: i32, d: i32, r: i32, factor: bool, perm: usize, start: i32, xb: usize, h: usize, gs: usize): void {
  const es = <usize>sizeof<T>();
  if (factor) {
    for (let j = 0; j < B; j++) {
      const idx = <usize>load<u32>(perm + (<usize>(start + j) << 2));
      memory.copy(h + <usize>(j * r) * es, weights + idx * <usize>r * es, <usize>r * es);
    }
  } else {
    gemmT<T>(0, 0, B, r, d, 1, xb, d, weights, r, 0, h, r, gs);
  }
}

/** One SGD step; returns the sum over the batch of the per-sample masked losses. */
function trainStep<T>(pb: usize): f64 {
  const d = iparam(pb, P_D), m = iparam(pb, P_M), r = iparam(pb, P_R);
  const start = iparam(pb, P_START), B = iparam(pb, P_BATCH), maxB = iparam(pb, P_MAXBATCH);
  const lr = param(pb, P_LR), theta = param(pb, P_THETA);
  const family = iparam(pb, P_FAMILY), blockSize = iparam(pb, P_BLOCK);
  const perBatch = iparam(pb, P_SCOPE) == 1, lastLayer = iparam(pb, P_LAYER) == 1;
  const firstMask = param(pb, P_FIRSTMASK), factor = iparam(pb, P_FACTOR) == 1;
  const xt = pparam(pb, P_XT), yt = pparam(pb, P_YT), u = pparam(pb, P_U), v = pparam(pb, P_V);
  const perm = pparam(pb, P_PERM);
  const patterns = pparam(pb, P_PATTERNS), cum = pparam(pb, P_CUM), npat = iparam(pb, P_NPAT);
  rngSetStream(<u32>param(pb, P_K0), <u32>param(pb, P_K1), <u32>param(pb, P_STREAM), <u32>param(pb, P_SUBSTREAM));

  const es = <usize>sizeof<T>();
  const w = max(d, m) * r;
  const xb = align16(pparam(pb, P_SCRATCH));
  const yb = align16(xb + <usize>(maxB * d) * es);
  const h = align16(yb + <usize>(maxB * m) * es);
  const sc = align16(h + <usize>(maxB * r) * es);
  const g = align16(sc + <usize>(maxB * r) * es);
  const dh = align16(g + <usize>(maxB * m) * es);
  const wm = align16(dh + <usize>(maxB * r) * es);
  const weff = align16(wm + <usize>w * es);
  const dw = align16(weff + <usize>w * es);
  const du = align16(dw + <usize>w * es);
  const gs = align16(du + <usize>(m * r) * es);

  const scale = <T>(1.0 / theta);
  const twoOverB = <T>(2.0 / <f64>B);
  const lrT = <T>lr;
  const rowR = <usize>r * es;

  // Gather the batch (rows of Xt, Yt in the epoch's order).
  for (let j = 0; j < B; j++) {
    const idx = <usize>load<u32>(perm + (<usize>(start + j) << 2));
    memory.copy(yb + <usize>(j * m) * es, yt + idx * <usize>m * es, <usize>m * es);
    if (!factor) memory.copy(xb + <usize>(j * d) * es, xt + idx * <usize>d * es, <usize>d * es);
  }
  let loss: f64 = 0;
  if (family != FAMILY_DROPCONNECT) {
    // Unit masks: S holds z / theta per sample (or one row per batch).
    sampleMasks<T>(sc, perBatch ? 1 : B, r, family, theta, blockSize, scale, firstMask, patterns, cum, npat);
    hidden<T>(v, B, d, r, factor, perm, start, xb, h, gs);
    scaleRows<T>(h, sc, B, r, perBatch); // h = H diag(z/theta) per row
    gemmT<T>(0, 1, B, m, r, 1, h, r, u, r, 0, g, m, gs); // Yhat = Hm U^T
    loss = residual<T>(g, yb, B * m, twoOverB); // g = dLoss/dYhat
    gemmT<T>(0, 0, B, r, m, 1, g, m, u, r, 0, dh, r, gs); // dHm = G U
    scaleRows<T>(dh, sc, B, r, perBatch); // dH = dHm diag(z/theta)
    gemmT<T>(1, 0, m, r, B, -lr, g, m, h, r, 1, u, r, gs); // U -= lr G^T Hm
    if (factor) {
      for (let j = 0; j < B; j++) {
        const vj = v + <usize>load<u32>(perm + (<usize>(start + j) << 2)) * rowR;
        const dj = dh + <usize>j * rowR;
        for (let i = 0; i < r; i++) put<T>(vj, i, at<T>(vj, i) - lrT * at<T>(dj, i));
      }
    } else {
      gemmT<T>(1, 0, d, r, B, -lr, xb, d, dh, r, 1, v, r, gs); // V -= lr Xb^T dH
    }
    return loss;
  }

  if (perBatch) {
    // One weight mask for the whole batch: train the effective weights mask (.) W / theta.
    if (!lastLayer) {
      sampleMasks<T>(wm, 1, d * r, family, theta, 1, scale, firstMask, 0, 0, 0);
      hadamard<T>(weff, wm, v, d * r);
      hidden<T>(weff, B, d, r, factor, perm, start, xb, h, gs);
      gemmT<T>(0, 1, B, m, r, 1, h, r, u, r, 0, g, m, gs);
      loss = residual<T>(g, yb, B * m, twoOverB);
      gemmT<T>(0, 0, B, r, m, 1, g, m, u, r, 0, dh, r, gs);
      gemmT<T>(1, 0, m, r, B, -lr, g, m, h, r, 1, u, r, gs);
      if (factor) {
        for (let j = 0; j < B; j++) {
          const row = <i32>load<u32>(perm + (<usize>(start + j) << 2)) * r;
          const dj = dh + <usize>j * rowR;
          for (let i = 0; i < r; i++) put<T>(v, row + i, at<T>(v, row + i) - lrT * at<T>(wm, row + i) * at<T>(dj, i));
        }
      } else {
        gemmT<T>(1, 0, d, r, B, 1, xb, d, dh, r, 0, dw, r, gs);
        maskedUpdate<T>(v, wm, dw, d * r, lrT);
      }
    } else {
      sampleMasks<T>(wm, 1, m * r, family, theta, 1, scale, firstMask, 0, 0, 0);
      hadamard<T>(weff, wm, u, m * r);
      hidden<T>(v, B, d, r, factor, perm, start, xb, h, gs);
      gemmT<T>(0, 1, B, m, r, 1, h, r, weff, r, 0, g, m, gs);
      loss = residual<T>(g, yb, B * m, twoOverB);
      gemmT<T>(0, 0, B, r, m, 1, g, m, weff, r, 0, dh, r, gs);
      gemmT<T>(1, 0, m, r, B, 1, g, m, h, r, 0, dw, r, gs);
      maskedUpdate<T>(u, wm, dw, m * r, lrT);
      if (factor) {
        for (let j = 0; j < B; j++) {
          const vj = v + <usize>load<u32>(perm + (<usize>(start + j) << 2)) * rowR;
          const dj = dh + <usize>j * rowR;
          for (let i = 0; i < r; i++) put<T>(vj, i, at<T>(vj, i) - lrT * at<T>(dj, i));
        }
      } else {
        gemmT<T>(1, 0, d, r, B, -lr, xb, d, dh, r, 1, v, r, gs);
      }
    }
    return loss;
  }

  // Dropconnect with a fresh weight mask per sample: no shared product to hand to GEMM, so
  // each sample runs through scalar loops with its own mask M_j (0 or 1/theta).
  zero<T>(du, m * r);
  if (!lastLayer) {
    if (!factor) zero<T>(dw, d * r);
    for (let j = 0; j < B; j++) {
      const idx = <i32>load<u32>(perm + (<usize>(start + j) << 2));
      const hj = h + <usize>j * rowR;
      if (factor) {
        // Only row idx of M_j meets x_j = e_idx: draw that row (r entries) alone.
        sampleMasks<T>(wm, 1, r, family, theta, 1, scale, firstMask + <f64>j, 0, 0, 0);
        const vrow = v + <usize>idx * rowR;
        hadamard<T>(hj, wm, vrow, r);
      } else {
        sampleMasks<T>(wm, 1, d * r, family, theta, 1, scale, firstMask + <f64>j, 0, 0, 0);
        zero<T>(hj, r);
        const xj = xb + <usize>(j * d) * es;
        for (let a = 0; a < d; a++) {
          const xa = at<T>(xj, a);
          if (xa == 0) continue;
          for (let i = 0; i < r; i++) put<T>(hj, i, at<T>(hj, i) + at<T>(wm, a * r + i) * at<T>(v, a * r + i) * xa);
        }
      }
      loss += sampleTail<T>(hj, u, yb + <usize>(j * m) * es, g + <usize>(j * m) * es, dh + <usize>j * rowR, du, m, r, twoOverB);
      const dhj = dh + <usize>j * rowR;
      if (factor) {
        const vrow = v + <usize>idx * rowR; // only this sample reads row idx: update now
        for (let i = 0; i < r; i++) put<T>(vrow, i, at<T>(vrow, i) - lrT * at<T>(wm, i) * at<T>(dhj, i));
      } else {
        const xj = xb + <usize>(j * d) * es;
        for (let a = 0; a < d; a++) {
          const xa = at<T>(xj, a);
          if (xa == 0) continue;
          for (let i = 0; i < r; i++) put<T>(dw, a * r + i, at<T>(dw, a * r + i) + at<T>(wm, a * r + i) * xa * at<T>(dhj, i));
        }
      }
    }
    for (let i = 0; i < m * r; i++) put<T>(u, i, at<T>(u, i) - lrT * at<T>(du, i));
    if (!factor) for (let i = 0; i < d * r; i++) put<T>(v, i, at<T>(v, i) - lrT * at<T>(dw, i));
    return loss;
  }
  hidden<T>(v, B, d, r, factor, perm, start, xb, h, gs);
  for (let j = 0; j < B; j++) {
    sampleMasks<T>(wm, 1, m * r, family, theta, 1, scale, firstMask + <f64>j, 0, 0, 0);
    const hj = h + <usize>j * rowR;
    const gj = g + <usize>(j * m) * es;
    const yj = yb + <usize>(j * m) * es;
    const dhj = dh + <usize>j * rowR;
    zero<T>(dhj, r);
    for (let k = 0; k < m; k++) {
      let s = <T>0;
      for (let i = 0; i < r; i++) s += at<T>(wm, k * r + i) * at<T>(u, k * r + i) * at<T>(hj, i);
      const e = s - at<T>(yj, k);
      loss += <f64>e * <f64>e;
      const gk = twoOverB * e;
      put<T>(gj, k, gk);
      for (let i = 0; i < r; i++) {
        const mk = at<T>(wm, k * r + i);
        put<T>(dhj, i, at<T>(dhj, i) + mk * at<T>(u, k * r + i) * gk);
        put<T>(du, k * r + i, at<T>(du, k * r + i) + mk * gk * at<T>(hj, i));
      }
    }
  }
  for (let i = 0; i < m * r; i++) put<T>(u, i, at<T>(u, i) - lrT * at<T>(du, i));
  if (factor) {
    for (let j = 0; j < B; j++) {
      const vj = v + <usize>load<u32>(perm + (<usize>(start + j) << 2)) * rowR;
      const dj = dh + <usize>j * rowR;
      for (let i = 0; i < r; i++) put<T>(vj, i, at<T>(vj, i) - lrT * at<T>(dj, i));
    }
  } else {
    gemmT<T>(1, 0, d, r, B, -lr, xb, d, dh, r, 1, v, r, gs);
  }
  return loss;
}

/**
 * The output side of one sample with an unmasked last layer: yhat = U h, residual into g
 * (times 2/B), dh = U^T g, du += g h^T. Returns ||yhat - y||^2.
 */
function sampleTail<T>(hj: usize, u: usize, yj: usize, gj: usize, dhj: usize, du: usize, m: i32, r: i32, twoOverB: T): f64 {
  let loss: f64 = 0;
  zero<T>(dhj, r);
  for (let k = 0; k < m; k++) {
    let s = <T>0;
    for (let i = 0; i < r; i++) s += at<T>(u, k * r + i) * at<T>(hj, i);
    const e = s - at<T>(yj, k);
    loss += <f64>e * <f64>e;
    const gk = twoOverB * e;
    put<T>(gj, k, gk);
    for (let i = 0; i < r; i++) {
      put<T>(dhj, i, at<T>(dhj, i) + at<T>(u, k * r + i) * gk);
      put<T>(du, k * r + i, at<T>(du, k * r + i) + gk * at<T>(hj, i));
    }
  }
  return loss;
}

export function trainStepF32(pb: usize): f64 {
  return trainStep<f32>(pb);
}

export function trainStepF64(pb: usize): f64 {
  return trainStep<f64>(pb);
}

/** cos from this module's libm port, so learning-rate schedules are the same on every host. */
export function mathCos(x: f64): f64 {
  return Math.cos(x);
}

/** 1 if all n values at p are finite (divergence check without copying the weights out). */
export function allFiniteF32(p: usize, n: i32): i32 {
  for (let i = 0; i < n; i++) if (!isFinite(load<f32>(p + (<usize>i << 2)))) return 0;
  return 1;
}

export function allFiniteF64(p: usize, n: i32): i32 {
  for (let i = 0; i < n; i++) if (!isFinite(load<f64>(p + (<usize>i << 3)))) return 0;
  return 1;
}
