// One minibatch SGD step of masked training for the single-hidden-layer linear network of
// THEORY.md "Setting": per sample j, loss ||y_j - U diag(z_j / theta) V^T x_j||^2, and the
// step follows the gradient of the batch mean (1/B) sum_j of those losses. DropConnect puts the
// Bernoulli mask on the weights of one layer instead (THEORY.md "Mask families").
//
// Storage: samples are rows (Xt = X^T is N x d, Yt = Y^T is N x m); U is kept transposed,
// Ut = U^T (r x m), so that column i of U (what hidden unit i feeds) is a contiguous row; V is
// d x r; all row-major in the precision T. In factorisation mode (X = I) sample j's hidden
// layer is row j of V, so the forward pass gathers rows and the V update touches only those
// rows (a batch never holds a sample twice, so the rows are distinct).
// Masks come from masks.ts: per-sample mask index = the sample's global position
// (epoch * N + place in the epoch's order), per-batch mask index = the global step number.
// Every gradient is taken at the weights the batch started with (U and V move together).
//
// The products are sums of rows over the units a mask kept (small.ts), so a dropped unit costs
// nothing; only regression's dense products with X (H = Xb V, dV = Xb^T dH) go through the
// general GEMM once they are large enough for its blocking to pay (d r > SMALL_DENSE).
import { gemmF32, gemmF64, gemmScratchBytes } from "./gemm";
import { MaskFamilyCode, TrainSlot } from "./layout";
import { sampleMasks } from "./masks";
import { accumulateMany, dotRows, dotsAndUpdate, keptList, transposeInto } from "./small";

/** Above this d * r, regression's X products use the blocked GEMM (measured: bench train). */
const SMALL_DENSE: i32 = 2048;
/**
 * Up to this many hidden units and outputs, steps take every unit (dropped ones with their
 * exact zero) through the blocked GEMM instead of lists of the kept units: with so few outputs
 * per unit, building the lists costs more than the products they shorten (measured, dropout
 * 0.5: the 12 x 10, r = 8 and 6-8-40, r = 8 shapes 5-15% faster this way; 40 outputs, or
 * r >= 24, 5-15% slower).
 */
const DENSE_UNITS: i32 = 16;
const DENSE_OUTPUTS: i32 = 16;

@inline function at<T>(p: usize, i: i32): T {
  return load<T>(p + (<usize>i << alignof<T>()));
}
@inline function put<T>(p: usize, i: i32, v: T): void {
  store<T>(p + (<usize>i << alignof<T>()), v);
}
@inline function align16(x: usize): usize {
  return (x + 15) & ~(<usize>15);
}
@inline function slot(pb: usize, s: i32): f64 {
  return load<f64>(pb + (<usize>s << 3));
}

// The run being trained (set by bindRun from a parameter block; one run at a time per instance).
let N = 0, d = 0, m = 0, r = 0, maxB = 0;
let family = 0, blockSize = 1, perBatch = false, lastLayer = false, factor = false;
let theta: f64 = 1;
let xt: usize = 0, yt: usize = 0, ut: usize = 0, v: usize = 0, order: usize = 0;
let patterns: usize = 0, cum: usize = 0, patternCount = 0;
let useGemm = false;
// Scratch regions (element type of the run unless noted).
let xb: usize = 0, xbT: usize = 0, hm: usize = 0, sc: usize = 0, g: usize = 0, dh: usize = 0;
// Kept lists: per sample, unit index, byte offset of its row of U^T, Hm value, dot product,
// count (i32 / u32 / T / T / i32); per unit, byte offset of the sample's row of G, Hm value,
// sample index, count (u32 / T / i32 / i32).
let kIdx: usize = 0, kOff: usize = 0, kCoef: usize = 0, kDot: usize = 0, kCount: usize = 0;
let jOff: usize = 0, jCoef: usize = 0, jCount: usize = 0, jDst: usize = 0, jPart: usize = 0;
let tmp: usize = 0, wm: usize = 0, weff: usize = 0, wmT: usize = 0, dacc: usize = 0, gs: usize = 0;

function layout(base: usize, es: usize): usize {
  const w = max(d, m) * r;
  const big = max(max(d, m), max(r, maxB));
  let p = align16(base);
  xb = p; p = align16(p + <usize>(maxB * d) * es);
  xbT = p; p = align16(p + <usize>(maxB * d) * es);
  hm = p; p = align16(p + <usize>(maxB * r) * es);
  sc = p; p = align16(p + <usize>(maxB * r) * es);
  g = p; p = align16(p + <usize>(maxB * m) * es);
  dh = p; p = align16(p + <usize>(maxB * r) * es);
  kIdx = p; p = align16(p + <usize>(maxB * r) * 4);
  kOff = p; p = align16(p + <usize>(maxB * r) * 4);
  kCoef = p; p = align16(p + <usize>(maxB * r) * es);
  kDot = p; p = align16(p + <usize>(maxB * r) * es);
  kCount = p; p = align16(p + <usize>maxB * 4);
  jOff = p; p = align16(p + <usize>(r * maxB) * 4);
  jCoef = p; p = align16(p + <usize>(r * maxB) * es);
  jCount = p; p = align16(p + <usize>r * 4);
  jDst = p; p = align16(p + <usize>(r * maxB) * 4);
  jPart = p; p = align16(p + <usize>maxB * 16);
  tmp = p; p = align16(p + <usize>big * es);
  wm = p; p = align16(p + <usize>w * es);
  weff = p; p = align16(p + <usize>w * es);
  wmT = p; p = align16(p + <usize>w * es);
  dacc = p; p = align16(p + <usize>w * es);
  gs = p;
  return p;
}

function gemmBytes(es: i32): i32 {
  let b = gemmScratchBytes(es, maxB, r, d);
  b = max(b, gemmScratchBytes(es, d, r, maxB));
  b = max(b, gemmScratchBytes(es, maxB, m, r));
  b = max(b, gemmScratchBytes(es, maxB, r, m));
  b = max(b, gemmScratchBytes(es, r, m, maxB));
  return b;
}

/** Scratch bytes of a run (elementBytes 4 or 8), for batches of at most maxBatch. */
export function trainScratchBytes(elementBytes: i32, inputs: i32, outputs: i32, hidden: i32, maxBatch: i32): i32 {
  d = inputs; m = outputs; r = hidden; maxB = maxBatch;
  return <i32>layout(0, <usize>elementBytes) + gemmBytes(elementBytes) + 64;
}

/** Read a run's sizes, family and pointers from its parameter block and lay out its scratch. */
export function bindRun<T>(pb: usize): void {
  N = <i32>slot(pb, TrainSlot.N);
  d = <i32>slot(pb, TrainSlot.D);
  m = <i32>slot(pb, TrainSlot.M);
  r = <i32>slot(pb, TrainSlot.R);
  maxB = <i32>slot(pb, TrainSlot.BatchSize);
  theta = slot(pb, TrainSlot.Theta);
  family = <i32>slot(pb, TrainSlot.Family);
  blockSize = <i32>slot(pb, TrainSlot.BlockSize);
  perBatch = slot(pb, TrainSlot.PerBatch) == 1;
  lastLayer = slot(pb, TrainSlot.LastLayer) == 1;
  factor = slot(pb, TrainSlot.Factorisation) == 1;
  xt = <usize>slot(pb, TrainSlot.Xt);
  yt = <usize>slot(pb, TrainSlot.Yt);
  ut = <usize>slot(pb, TrainSlot.Ut);
  v = <usize>slot(pb, TrainSlot.V);
  order = <usize>slot(pb, TrainSlot.Order);
  patterns = <usize>slot(pb, TrainSlot.Patterns);
  cum = <usize>slot(pb, TrainSlot.Cumulative);
  patternCount = <i32>slot(pb, TrainSlot.PatternCount);
  useGemm = !factor && d * r > SMALL_DENSE;
  layout(<usize>slot(pb, TrainSlot.Scratch), sizeof<T>());
}

@inline function sampleAt(start: i32, j: i32): i32 {
  return <i32>load<u32>(order + (<usize>(start + j) << 2));
}

@inline function gemmT<T>(
  tA: i32, tB: i32, mm: i32, nn: i32, kk: i32, alpha: f64, a: usize, lda: i32, b: usize, ldb: i32,
  beta: f64, c: usize, ldc: i32,
): void {
  if (sizeof<T>() == 4) gemmF32(tA, tB, mm, nn, kk, <f32>alpha, a, lda, b, ldb, <f32>beta, c, ldc, gs);
  else gemmF64(tA, tB, mm, nn, kk, alpha, a, lda, b, ldb, beta, c, ldc, gs);
}

/** dst[0..bytes) = src[0..bytes) for short rows (memory.copy is a call; rows are tens of bytes). */
@inline function copyRow(dst: usize, src: usize, bytes: usize): void {
  let i: usize = 0;
  for (; i + 16 <= bytes; i += 16) v128.store(dst + i, v128.load(src + i));
  for (; i < bytes; i += 4) store<u32>(dst + i, load<u32>(src + i));
}

/** Gather the batch's rows of Xt (with their transpose) in the epoch's order; Y is read in place. */
function gatherBatch<T>(B: i32, start: i32): void {
  if (factor) return;
  const es = <usize>sizeof<T>();
  const rowBytes = <usize>d * es;
  for (let j = 0; j < B; j++) copyRow(xb + <usize>j * rowBytes, xt + <usize>sampleAt(start, j) * rowBytes, rowBytes);
  if (!useGemm) transposeInto<T>(xbT, xb, B, d);
}

/** out (B x r) = Xb W for W (d x r). */
function inputProduct<T>(out: usize, w: usize, B: i32): void {
  if (useGemm) {
    gemmT<T>(0, 0, B, r, d, 1, xb, d, w, r, 0, out, r);
    return;
  }
  accumulateMany<T>(B, out, r, false, <T>1, xb, d, 0, 0, 0, d, w, r, r);
}

/** W (d x r) += alpha Xb^T D for D (B x r), in place. */
function inputUpdate<T>(w: usize, alpha: T, dmat: usize, B: i32): void {
  if (useGemm) {
    gemmT<T>(1, 0, d, r, B, <f64>alpha, xb, d, dmat, r, 1, w, r);
    return;
  }
  accumulateMany<T>(d, w, r, true, alpha, xbT, B, 0, 0, 0, B, dmat, r, r);
}

/**
 * Row j of g := scale * (g_j - y_j) for the batch's samples (y_j: row order[start + j] of Yt);
 * returns sum (g - y)^2 in f64, summed row by row in a fixed lane order.
 */
function residual<T>(B: i32, start: i32, scale: T): f64 {
  const rowM = <usize>m * <usize>sizeof<T>();
  let loss: f64 = 0;
  for (let j = 0; j < B; j++) loss += residualRow<T>(g + <usize>j * rowM, yt + <usize>sampleAt(start, j) * rowM, m, scale);
  return loss;
}

/** g := scale * (g - y) over n entries; returns sum (g - y)^2 in f64 (a fixed lane order). */
function residualRow<T>(gp: usize, y: usize, n: i32, scale: T): f64 {
  let acc = f64x2.splat(0);
  let i = 0;
  if (sizeof<T>() == 4) {
    const fv = f32x4.splat(<f32>scale);
    for (; i + 4 <= n; i += 4) {
      const off = <usize>i << 2;
      const e = f32x4.sub(v128.load(gp + off), v128.load(y + off));
      const lo = f64x2.promote_low_f32x4(e);
      const hi = f64x2.promote_low_f32x4(v128.shuffle<i32>(e, e, 2, 3, 0, 1));
      acc = f64x2.add(acc, f64x2.add(f64x2.mul(lo, lo), f64x2.mul(hi, hi)));
      v128.store(gp + off, f32x4.mul(fv, e));
    }
  } else {
    const fv = f64x2.splat(<f64>scale);
    for (; i + 2 <= n; i += 2) {
      const off = <usize>i << 3;
      const e = f64x2.sub(v128.load(gp + off), v128.load(y + off));
      acc = f64x2.add(acc, f64x2.mul(e, e));
      v128.store(gp + off, f64x2.mul(fv, e));
    }
  }
  let loss = f64x2.extract_lane(acc, 0) + f64x2.extract_lane(acc, 1);
  for (; i < n; i++) {
    const e = at<T>(gp, i) - at<T>(y, i);
    loss += <f64>e * <f64>e;
    put<T>(gp, i, scale * e);
  }
  return loss;
}

/** row[idx[t]] -= lr * (dot[t] * keep[idx[t]]) (keep == 0: lr * dot[t]) for t < n. */
function stepRow<T>(row: usize, idx: usize, dot: usize, keep: usize, lr: T, n: i32): void {
  if (keep != 0)
    for (let t = 0; t < n; t++) {
      const o = <usize>load<i32>(idx + (<usize>t << 2)) << alignof<T>();
      store<T>(row + o, load<T>(row + o) - lr * (load<T>(dot + (<usize>t << alignof<T>())) * load<T>(keep + o)));
    }
  else
    for (let t = 0; t < n; t++) {
      const o = <usize>load<i32>(idx + (<usize>t << 2)) << alignof<T>();
      store<T>(row + o, load<T>(row + o) - lr * load<T>(dot + (<usize>t << alignof<T>())));
    }
}

/** row[idx[t]] = dot[t] * keep[idx[t]] (keep == 0: dot[t]) for t < n. */
function scatterRow<T>(row: usize, idx: usize, dot: usize, keep: usize, n: i32): void {
  for (let t = 0; t < n; t++) {
    const o = <usize>load<i32>(idx + (<usize>t << 2)) << alignof<T>();
    const value = load<T>(dot + (<usize>t << alignof<T>()));
    store<T>(row + o, keep != 0 ? value * load<T>(keep + o) : value);
  }
}

/**
 * The output side of a step, shared by every family but per-sample last-layer DropConnect.
 * hm (B x r): the masked hidden layer; keep: mask rows (B x r, or one row when keepShared)
 * naming the units each sample kept and, when scaleDh, scaling dH. Forward Yhat = Hm U^T over
 * the kept units, residual into g, dH = (G U) o keep for kept units into dh (or, in
 * factorisation mode, straight into the rows of V), then U^T -= lr (G^T Hm)^T, the product
 * read from uRead (U, or the masked U of per-batch last-layer DropConnect) and the update
 * masked by updateMaskT (r x m) when non-zero. Returns the summed per-sample loss.
 */
function outputSide<T>(
  B: i32, start: i32, keep: usize, keepShared: bool, scaleDh: bool, uRead: usize, updateMaskT: usize, lr: T, denseDh: bool,
): f64 {
  const es = <usize>sizeof<T>();
  const rowR = <usize>r * es;
  const rowM = <usize>m * es;
  if (r <= DENSE_UNITS && m <= DENSE_OUTPUTS) return outputSideDense<T>(B, start, keep, keepShared, scaleDh, uRead, updateMaskT, lr, denseDh);
  // Kept lists per sample: unit index, row offset and Hm value.
  for (let j = 0; j < B; j++) {
    const kr = keep + (keepShared ? 0 : <usize>j * rowR);
    const n = keptList<T>(kIdx + <usize>(j * r) * 4, kOff + <usize>(j * r) * 4, kCoef + <usize>j * rowR, kr, hm + <usize>j * rowR, r, <u32>rowM);
    store<i32>(kCount + (<usize>j << 2), n);
  }
  // Forward: g_j = sum over kept i of Hm[j, i] U[:, i].
  accumulateMany<T>(B, g, m, false, <T>1, kCoef, r, kOff, r, kCount, 0, uRead, m, m);
  const loss = residual<T>(B, start, <T>(2.0 / <f64>B));
  // dH over the kept units (the others are zero), times the mask when scaleDh: straight into
  // V's row of sample j in factorisation mode (only j reads it), else into dh.
  const intoV = factor && !denseDh;
  if (denseDh) memory.fill(dh, 0, <usize>(B * r) * es);
  if (uRead == ut && updateMaskT == 0 && m >= 16 / <i32>es) {
    // dH and the U update in one pass over U's rows (small.ts dotsAndUpdate): the lists per
    // unit also say where each dot product goes (sample j's t-th kept unit: kDot row j).
    unitLists<T>(B, true);
    dotsAndUpdate<T>(r, ut, rowM, -lr, jCoef, jOff, jDst, maxB, jCount, g, m, kDot, jPart);
    for (let j = 0; j < B; j++) {
      const n = load<i32>(kCount + (<usize>j << 2));
      const ij = kIdx + <usize>(j * r) * 4;
      const kr = keep + (keepShared ? 0 : <usize>j * rowR);
      const dj = kDot + <usize>j * rowR;
      if (intoV) stepRow<T>(v + <usize>sampleAt(start, j) * rowR, ij, dj, scaleDh ? kr : 0, lr, n);
      else scatterRow<T>(dh + <usize>j * rowR, ij, dj, scaleDh ? kr : 0, n);
    }
    return loss;
  }
  for (let j = 0; j < B; j++) {
    const n = load<i32>(kCount + (<usize>j << 2));
    const ij = kIdx + <usize>(j * r) * 4;
    const kr = keep + (keepShared ? 0 : <usize>j * rowR);
    dotRows<T>(kDot, 0, g + <usize>j * rowM, uRead, kOff + <usize>(j * r) * 4, n, m);
    if (intoV) stepRow<T>(v + <usize>sampleAt(start, j) * rowR, ij, kDot, scaleDh ? kr : 0, lr, n);
    else scatterRow<T>(dh + <usize>j * rowR, ij, kDot, scaleDh ? kr : 0, n);
  }
  // U^T row i -= lr sum over the samples that kept i of Hm[j, i] g_j.
  unitLists<T>(B, false);
  if (updateMaskT == 0) {
    accumulateMany<T>(r, ut, m, true, -lr, jCoef, maxB, jOff, maxB, jCount, 0, g, m, m);
  } else {
    accumulateMany<T>(r, dacc, m, false, <T>1, jCoef, maxB, jOff, maxB, jCount, 0, g, m, m);
    for (let i = 0; i < r * m; i++) put<T>(ut, i, at<T>(ut, i) - lr * at<T>(updateMaskT, i) * at<T>(dacc, i));
  }
  return loss;
}

/**
 * Lists per unit from the kept lists per sample: for unit i, the samples j that kept it in
 * increasing order, each with the byte offset of g_j, Hm[j, i] and (withDst) the byte offset
 * in kDot of sample j's dot product for that unit; unit i's list starts at element i * maxB,
 * its length in jCount.
 */
function unitLists<T>(B: i32, withDst: bool): void {
  const rowR = <usize>r * sizeof<T>();
  const rowM = <usize>m * sizeof<T>();
  for (let i = 0; i < r; i++) store<i32>(jCount + (<usize>i << 2), i * maxB);
  for (let j = 0; j < B; j++) {
    const n = load<i32>(kCount + (<usize>j << 2));
    const ij = kIdx + <usize>(j * r) * 4, cj = kCoef + <usize>j * rowR;
    const gOff = <u32>(<usize>j * rowM);
    const dOff = <u32>(<usize>j * rowR);
    for (let t = 0; t < n; t++) {
      const pi = jCount + (<usize>load<i32>(ij + (<usize>t << 2)) << 2);
      const at_ = load<i32>(pi);
      store<u32>(jOff + (<usize>at_ << 2), gOff);
      store<T>(jCoef + (<usize>at_ << alignof<T>()), load<T>(cj + (<usize>t << alignof<T>())));
      if (withDst) store<u32>(jDst + (<usize>at_ << 2), dOff + (<u32>t << alignof<T>()));
      store<i32>(pi, at_ + 1);
    }
  }
  for (let i = 0; i < r; i++) store<i32>(jCount + (<usize>i << 2), load<i32>(jCount + (<usize>i << 2)) - i * maxB);
}

/**
 * outputSide for few units and outputs (DENSE_UNITS, DENSE_OUTPUTS): every unit enters the
 * three products, done by the blocked GEMM; a dropped unit's Hm entry is an exact zero and its
 * dH is multiplied by a zero mask, so the step is the one the kept-unit lists take.
 */
function outputSideDense<T>(
  B: i32, start: i32, keep: usize, keepShared: bool, scaleDh: bool, uRead: usize, updateMaskT: usize, lr: T, denseDh: bool,
): f64 {
  const es = <usize>sizeof<T>();
  const rowR = <usize>r * es;
  gemmT<T>(0, 0, B, m, r, 1, hm, r, uRead, m, 0, g, m); // Yhat = Hm U^T
  const loss = residual<T>(B, start, <T>(2.0 / <f64>B));
  gemmT<T>(0, 1, B, r, m, 1, g, m, uRead, m, 0, kDot, r); // G U
  for (let j = 0; j < B; j++) {
    const kr = keep + (keepShared ? 0 : <usize>j * rowR);
    const dj = kDot + <usize>j * rowR;
    const out = factor && !denseDh ? v + <usize>sampleAt(start, j) * rowR : dh + <usize>j * rowR;
    for (let i = 0; i < r; i++) {
      const value = scaleDh ? at<T>(dj, i) * at<T>(kr, i) : at<T>(dj, i);
      put<T>(out, i, factor && !denseDh ? at<T>(out, i) - lr * value : value);
    }
  }
  if (updateMaskT == 0) {
    gemmT<T>(1, 0, r, m, B, -<f64>lr, hm, r, g, m, 1, ut, m); // U^T -= lr Hm^T G
  } else {
    gemmT<T>(1, 0, r, m, B, 1, hm, r, g, m, 0, dacc, m);
    for (let i = 0; i < r * m; i++) put<T>(ut, i, at<T>(ut, i) - lr * at<T>(updateMaskT, i) * at<T>(dacc, i));
  }
  return loss;
}

/** dst[0..n) = a[0..n) * b[0..n) (rows of T; dst may be a). */
function mulRow<T>(dst: usize, a: usize, b: usize, n: i32): void {
  const bytes = <usize>n * sizeof<T>();
  let k: usize = 0;
  for (; k + 16 <= bytes; k += 16) v128.store(dst + k, vmulT<T>(v128.load(a + k), v128.load(b + k)));
  for (; k < bytes; k += sizeof<T>()) store<T>(dst + k, load<T>(a + k) * load<T>(b + k));
}

@inline function vmulT<T>(a: v128, b: v128): v128 {
  return sizeof<T>() == 4 ? f32x4.mul(a, b) : f64x2.mul(a, b);
}

/** hm := rows of V (factorisation) or Xb V, times the mask rows when keep != 0. */
function hiddenLayer<T>(B: i32, start: i32, w: usize, keep: usize, keepShared: bool): void {
  const es = <usize>sizeof<T>();
  const rowR = <usize>r * es;
  if (factor) {
    for (let j = 0; j < B; j++) {
      const src = w + <usize>sampleAt(start, j) * rowR;
      const dst = hm + <usize>j * rowR;
      if (keep == 0) copyRow(dst, src, rowR);
      else mulRow<T>(dst, src, keep + (keepShared ? 0 : <usize>j * rowR), r);
    }
    return;
  }
  inputProduct<T>(hm, w, B);
  if (keep != 0)
    for (let j = 0; j < B; j++) {
      const hj = hm + <usize>j * rowR;
      mulRow<T>(hj, hj, keep + (keepShared ? 0 : <usize>j * rowR), r);
    }
}

function fillOnes<T>(p: usize, n: i32): void {
  for (let i = 0; i < n; i++) put<T>(p, i, <T>1);
}

/** One SGD step on samples start .. start + B - 1 of the epoch's order; returns the summed loss. */
export function trainStep<T>(start: i32, B: i32, lr: T, firstMask: f64): f64 {
  const es = <usize>sizeof<T>();
  const scale = <T>(1.0 / theta);
  const rowR = <usize>r * es;
  gatherBatch<T>(B, start);
  // Per-sample first-layer DropConnect in factorisation mode meets x_j = e_idx: only row idx
  // of its mask matters, drawn alone (r words at mask index firstMask + j): the same draws,
  // and the same step, as dropout's with that family code.
  const unitMasks = family != MaskFamilyCode.DropConnect || (factor && !perBatch && !lastLayer);
  if (unitMasks) {
    sampleMasks<T>(sc, perBatch ? 1 : B, r, family, theta, blockSize, scale, firstMask, patterns, cum, patternCount);
    hiddenLayer<T>(B, start, v, sc, perBatch);
    const loss = outputSide<T>(B, start, sc, perBatch, true, ut, 0, lr, !factor);
    if (!factor) inputUpdate<T>(v, -lr, dh, B);
    return loss;
  }
  if (perBatch) {
    if (!lastLayer) {
      // One mask M (d x r) for the batch: train through V o M / theta.
      sampleMasks<T>(wm, 1, d * r, family, theta, 1, scale, firstMask, 0, 0, 0);
      for (let i = 0; i < d * r; i++) put<T>(weff, i, at<T>(wm, i) * at<T>(v, i));
      if (factor) {
        // Sample j reads row idx_j of V o M: its kept units are that row's mask.
        for (let j = 0; j < B; j++) copyRow(sc + <usize>j * rowR, wm + <usize>sampleAt(start, j) * rowR, rowR);
        hiddenLayer<T>(B, start, weff, 0, false);
        return outputSide<T>(B, start, sc, false, true, ut, 0, lr, false);
      }
      fillOnes<T>(sc, r);
      hiddenLayer<T>(B, start, weff, 0, false);
      const loss = outputSide<T>(B, start, sc, true, false, ut, 0, lr, true);
      memory.fill(dacc, 0, <usize>(d * r) * es);
      inputUpdate<T>(dacc, <T>1, dh, B);
      for (let i = 0; i < d * r; i++) put<T>(v, i, at<T>(v, i) - lr * at<T>(wm, i) * at<T>(dacc, i));
      return loss;
    }
    // One mask M (m x r) on U for the batch: forward and dH through U o M / theta, and the
    // update of U masked the same way.
    sampleMasks<T>(wm, 1, m * r, family, theta, 1, scale, firstMask, 0, 0, 0);
    transposeInto<T>(wmT, wm, m, r);
    for (let i = 0; i < r * m; i++) put<T>(weff, i, at<T>(wmT, i) * at<T>(ut, i));
    fillOnes<T>(sc, r);
    hiddenLayer<T>(B, start, v, 0, false);
    const loss = outputSide<T>(B, start, sc, true, false, weff, wmT, lr, !factor);
    if (!factor) inputUpdate<T>(v, -lr, dh, B);
    return loss;
  }
  if (!lastLayer) {
    // Per-sample first-layer DropConnect with data: h_j = (V o M_j)^T x_j / theta. The masks
    // are drawn again for the V update (mask j is a pure function of its index).
    for (let j = 0; j < B; j++) {
      sampleMasks<T>(wm, 1, d * r, family, theta, 1, scale, firstMask + <f64>j, 0, 0, 0);
      const hj = hm + <usize>j * rowR;
      const xj = xb + <usize>(j * d) * es;
      memory.fill(hj, 0, rowR);
      for (let a = 0; a < d; a++) {
        const xa = at<T>(xj, a);
        if (xa == 0) continue;
        for (let i = 0; i < r; i++) put<T>(hj, i, at<T>(hj, i) + at<T>(wm, a * r + i) * at<T>(v, a * r + i) * xa);
      }
    }
    fillOnes<T>(sc, r);
    const loss = outputSide<T>(B, start, sc, true, false, ut, 0, lr, true);
    memory.fill(dacc, 0, <usize>(d * r) * es);
    for (let j = 0; j < B; j++) {
      sampleMasks<T>(wm, 1, d * r, family, theta, 1, scale, firstMask + <f64>j, 0, 0, 0);
      const xj = xb + <usize>(j * d) * es;
      const dhj = dh + <usize>j * rowR;
      for (let a = 0; a < d; a++) {
        const xa = at<T>(xj, a);
        if (xa == 0) continue;
        for (let i = 0; i < r; i++) put<T>(dacc, a * r + i, at<T>(dacc, a * r + i) + at<T>(wm, a * r + i) * xa * at<T>(dhj, i));
      }
    }
    for (let i = 0; i < d * r; i++) put<T>(v, i, at<T>(v, i) - lr * at<T>(dacc, i));
    return loss;
  }
  // Per-sample last-layer DropConnect: every sample has its own U o M_j, so no product is
  // shared; scalar loops per sample (M_j is m x r, U^T is r x m).
  hiddenLayer<T>(B, start, v, 0, false);
  memory.fill(dacc, 0, <usize>(m * r) * es);
  const twoOverB = <T>(2.0 / <f64>B);
  let loss: f64 = 0;
  for (let j = 0; j < B; j++) {
    sampleMasks<T>(wm, 1, m * r, family, theta, 1, scale, firstMask + <f64>j, 0, 0, 0);
    const hj = hm + <usize>j * rowR;
    const yj = yt + <usize>sampleAt(start, j) * <usize>m * es;
    const dhj = dh + <usize>j * rowR;
    memory.fill(dhj, 0, rowR);
    for (let k = 0; k < m; k++) {
      let s = <T>0;
      for (let i = 0; i < r; i++) s += at<T>(wm, k * r + i) * at<T>(ut, i * m + k) * at<T>(hj, i);
      const e = s - at<T>(yj, k);
      loss += <f64>e * <f64>e;
      const gk = twoOverB * e;
      for (let i = 0; i < r; i++) {
        const mk = at<T>(wm, k * r + i);
        put<T>(dhj, i, at<T>(dhj, i) + mk * at<T>(ut, i * m + k) * gk);
        put<T>(dacc, i * m + k, at<T>(dacc, i * m + k) + mk * gk * at<T>(hj, i));
      }
    }
  }
  for (let i = 0; i < m * r; i++) put<T>(ut, i, at<T>(ut, i) - lr * at<T>(dacc, i));
  if (factor) {
    for (let j = 0; j < B; j++) {
      const vj = v + <usize>sampleAt(start, j) * rowR;
      const dj = dh + <usize>j * rowR;
      for (let i = 0; i < r; i++) put<T>(vj, i, at<T>(vj, i) - lr * at<T>(dj, i));
    }
  } else {
    inputUpdate<T>(v, -lr, dh, B);
  }
  return loss;
}
