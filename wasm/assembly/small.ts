// Kernels for the small matrices of masked training (r hidden units up to a few dozen, m
// outputs, batches of tens of samples), where a general GEMM's packing and blocking cost more
// than they save: every product of a step is a sum of scaled rows,
//   out = alpha * sum_t coef[t] * row(idx[t]) + init        (accumulateMany, many outs)
// or a set of dot products with one vector,
//   out[t] = scale[t] * <x, row(idx[t])>                    (dotRows)
// over row-major matrices, with the sum vectorised along the row (SIMD lanes over outputs) and
// register-blocked in chunks of 8, 4, 2 and 1 vectors. Lists of (index, coefficient) let a
// step skip the hidden units its mask dropped: with keep probability theta a step does a
// fraction theta of the dense work, exactly (a dropped unit contributes an exact zero).
// Every output entry is one ordinary sum over t in list order, whatever the blocking, so the
// result does not depend on the width or the chunking. Nothing here allocates.

@inline function vsplat<T>(x: T): v128 {
  return sizeof<T>() == 4 ? f32x4.splat(<f32>x) : f64x2.splat(<f64>x);
}
@inline function vmul<T>(a: v128, b: v128): v128 {
  return sizeof<T>() == 4 ? f32x4.mul(a, b) : f64x2.mul(a, b);
}
@inline function vadd<T>(a: v128, b: v128): v128 {
  return sizeof<T>() == 4 ? f32x4.add(a, b) : f64x2.add(a, b);
}
/**
 * acc + a * b per lane. The release build rounds the product and the sum separately (the same
 * bits on every host); the opt-in relaxed build (benchmarks only, as in gemm.ts) may fuse them.
 */
@inline function vmadd<T>(acc: v128, a: v128, b: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return sizeof<T>() == 4 ? f32x4.relaxed_madd(a, b, acc) : f64x2.relaxed_madd(a, b, acc);
  return vadd<T>(acc, vmul<T>(a, b));
}
/** Sum of the lanes, in a fixed order. */
@inline function hsum<T>(a: v128): T {
  if (sizeof<T>() == 4) {
    return <T>((f32x4.extract_lane(a, 0) + f32x4.extract_lane(a, 2)) + (f32x4.extract_lane(a, 1) + f32x4.extract_lane(a, 3)));
  }
  return <T>(f64x2.extract_lane(a, 0) + f64x2.extract_lane(a, 1));
}

@inline function rowOf<T>(rows: usize, stride: usize, idx: usize, t: i32): usize {
  const r = idx == 0 ? <usize>t : <usize>load<i32>(idx + (<usize>t << 2));
  return rows + r * stride;
}

// One chunk of `vectors` SIMD vectors at byte offset `off` of every row.
function chunk8<T>(out: usize, init: usize, alpha: v128, coef: usize, idx: usize, count: i32, rows: usize, stride: usize, off: usize): void {
  let a0 = v128.splat<i64>(0), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
  for (let t = 0; t < count; t++) {
    const c = vsplat<T>(load<T>(coef + (<usize>t << alignof<T>())));
    const p = rowOf<T>(rows, stride, idx, t) + off;
    a0 = vmadd<T>(a0, c, v128.load(p));
    a1 = vmadd<T>(a1, c, v128.load(p, 16));
    a2 = vmadd<T>(a2, c, v128.load(p, 32));
    a3 = vmadd<T>(a3, c, v128.load(p, 48));
    a4 = vmadd<T>(a4, c, v128.load(p, 64));
    a5 = vmadd<T>(a5, c, v128.load(p, 80));
    a6 = vmadd<T>(a6, c, v128.load(p, 96));
    a7 = vmadd<T>(a7, c, v128.load(p, 112));
  }
  const o = out + off;
  if (init == 0) {
    v128.store(o, vmul<T>(alpha, a0));
    v128.store(o, vmul<T>(alpha, a1), 16);
    v128.store(o, vmul<T>(alpha, a2), 32);
    v128.store(o, vmul<T>(alpha, a3), 48);
    v128.store(o, vmul<T>(alpha, a4), 64);
    v128.store(o, vmul<T>(alpha, a5), 80);
    v128.store(o, vmul<T>(alpha, a6), 96);
    v128.store(o, vmul<T>(alpha, a7), 112);
  } else {
    const q = init + off;
    v128.store(o, vadd<T>(v128.load(q), vmul<T>(alpha, a0)));
    v128.store(o, vadd<T>(v128.load(q, 16), vmul<T>(alpha, a1)), 16);
    v128.store(o, vadd<T>(v128.load(q, 32), vmul<T>(alpha, a2)), 32);
    v128.store(o, vadd<T>(v128.load(q, 48), vmul<T>(alpha, a3)), 48);
    v128.store(o, vadd<T>(v128.load(q, 64), vmul<T>(alpha, a4)), 64);
    v128.store(o, vadd<T>(v128.load(q, 80), vmul<T>(alpha, a5)), 80);
    v128.store(o, vadd<T>(v128.load(q, 96), vmul<T>(alpha, a6)), 96);
    v128.store(o, vadd<T>(v128.load(q, 112), vmul<T>(alpha, a7)), 112);
  }
}

function chunk4<T>(out: usize, init: usize, alpha: v128, coef: usize, idx: usize, count: i32, rows: usize, stride: usize, off: usize): void {
  let a0 = v128.splat<i64>(0), a1 = a0, a2 = a0, a3 = a0;
  for (let t = 0; t < count; t++) {
    const c = vsplat<T>(load<T>(coef + (<usize>t << alignof<T>())));
    const p = rowOf<T>(rows, stride, idx, t) + off;
    a0 = vmadd<T>(a0, c, v128.load(p));
    a1 = vmadd<T>(a1, c, v128.load(p, 16));
    a2 = vmadd<T>(a2, c, v128.load(p, 32));
    a3 = vmadd<T>(a3, c, v128.load(p, 48));
  }
  const o = out + off;
  if (init == 0) {
    v128.store(o, vmul<T>(alpha, a0));
    v128.store(o, vmul<T>(alpha, a1), 16);
    v128.store(o, vmul<T>(alpha, a2), 32);
    v128.store(o, vmul<T>(alpha, a3), 48);
  } else {
    const q = init + off;
    v128.store(o, vadd<T>(v128.load(q), vmul<T>(alpha, a0)));
    v128.store(o, vadd<T>(v128.load(q, 16), vmul<T>(alpha, a1)), 16);
    v128.store(o, vadd<T>(v128.load(q, 32), vmul<T>(alpha, a2)), 32);
    v128.store(o, vadd<T>(v128.load(q, 48), vmul<T>(alpha, a3)), 48);
  }
}

function chunk2<T>(out: usize, init: usize, alpha: v128, coef: usize, idx: usize, count: i32, rows: usize, stride: usize, off: usize): void {
  let a0 = v128.splat<i64>(0), a1 = a0;
  for (let t = 0; t < count; t++) {
    const c = vsplat<T>(load<T>(coef + (<usize>t << alignof<T>())));
    const p = rowOf<T>(rows, stride, idx, t) + off;
    a0 = vmadd<T>(a0, c, v128.load(p));
    a1 = vmadd<T>(a1, c, v128.load(p, 16));
  }
  const o = out + off;
  if (init == 0) {
    v128.store(o, vmul<T>(alpha, a0));
    v128.store(o, vmul<T>(alpha, a1), 16);
  } else {
    const q = init + off;
    v128.store(o, vadd<T>(v128.load(q), vmul<T>(alpha, a0)));
    v128.store(o, vadd<T>(v128.load(q, 16), vmul<T>(alpha, a1)), 16);
  }
}

function chunk1<T>(out: usize, init: usize, alpha: v128, coef: usize, idx: usize, count: i32, rows: usize, stride: usize, off: usize): void {
  let a0 = v128.splat<i64>(0);
  for (let t = 0; t < count; t++) {
    const c = vsplat<T>(load<T>(coef + (<usize>t << alignof<T>())));
    a0 = vmadd<T>(a0, c, v128.load(rowOf<T>(rows, stride, idx, t) + off));
  }
  const o = out + off;
  if (init == 0) v128.store(o, vmul<T>(alpha, a0));
  else v128.store(o, vadd<T>(v128.load(init + off), vmul<T>(alpha, a0)));
}

/**
 * out[0..width) = alpha * sum_{t < count} coef[t] * row(t)[0..width) (+ init[0..width) when
 * init != 0), where row(t) starts at rows + idx[t] * rowStride elements (idx == 0: row t),
 * from vector `v` of the width on: chunks of 4, 2, 1 vectors, then the scalar tail. out may
 * be init (an in-place update). alpha == 1 and no init store the sum itself (1 * x is exact).
 */
function accumulateTail<T>(
  out: usize, init: usize, alpha: T, coef: usize, idx: usize, count: i32, rows: usize, rowStride: i32, width: i32, v: i32,
): void {
  const es = <usize>sizeof<T>();
  const lanes = 16 / <i32>sizeof<T>();
  const stride = <usize>rowStride * es;
  const va = vsplat<T>(alpha);
  const vectors = width / lanes;
  if (v + 4 <= vectors) {
    chunk4<T>(out, init, va, coef, idx, count, rows, stride, <usize>v << 4);
    v += 4;
  }
  if (v + 2 <= vectors) {
    chunk2<T>(out, init, va, coef, idx, count, rows, stride, <usize>v << 4);
    v += 2;
  }
  if (v < vectors) {
    chunk1<T>(out, init, va, coef, idx, count, rows, stride, <usize>v << 4);
    v += 1;
  }
  for (let k = v * lanes; k < width; k++) {
    const off = <usize>k * es;
    let s = <T>0;
    for (let t = 0; t < count; t++) s += load<T>(coef + (<usize>t << alignof<T>())) * load<T>(rowOf<T>(rows, stride, idx, t) + off);
    store<T>(out + off, init == 0 ? alpha * s : load<T>(init + off) + alpha * s);
  }
}

/**
 * accumulateRows for `outputs` outputs at once: output o is out + o * outStride elements
 * (updated in place when inPlace, else overwritten); its coefficients start at
 * coef + o * coefStride, its row indices at idx + o * idxStride (idx == 0: rows 0, 1, 2, ...
 * for every output), its count is counts[o] (counts == 0: `count` for every output). The loop
 * runs chunk by chunk of the width over all outputs, so the chunk of the rows it reads stays
 * in L1 while every output uses it, and small products cost one call. Each output gets the
 * same sums, in the same order, as accumulateRows would give it.
 */
export function accumulateMany<T>(
  outputs: i32, out: usize, outStride: i32, inPlace: bool, alpha: T, coef: usize, coefStride: i32, idx: usize, idxStride: i32,
  counts: usize, count: i32, rows: usize, rowStride: i32, width: i32,
): void {
  const es = <usize>sizeof<T>();
  const lanes = 16 / <i32>sizeof<T>();
  const stride = <usize>rowStride * es;
  const va = vsplat<T>(alpha);
  const vectors = width / lanes;
  const outBytes = <usize>outStride * es;
  const coefBytes = <usize>coefStride * es;
  const idxBytes = <usize>idxStride << 2;
  let v = 0;
  for (; v + 8 <= vectors; v += 8)
    for (let o = 0; o < outputs; o++) {
      const po = out + <usize>o * outBytes;
      chunk8<T>(po, inPlace ? po : 0, va, coef + <usize>o * coefBytes, idx == 0 ? 0 : idx + <usize>o * idxBytes,
        counts == 0 ? count : load<i32>(counts + (<usize>o << 2)), rows, stride, <usize>v << 4);
    }
  if (v + 4 <= vectors) {
    for (let o = 0; o < outputs; o++) {
      const po = out + <usize>o * outBytes;
      chunk4<T>(po, inPlace ? po : 0, va, coef + <usize>o * coefBytes, idx == 0 ? 0 : idx + <usize>o * idxBytes,
        counts == 0 ? count : load<i32>(counts + (<usize>o << 2)), rows, stride, <usize>v << 4);
    }
    v += 4;
  }
  if (v + 2 <= vectors) {
    for (let o = 0; o < outputs; o++) {
      const po = out + <usize>o * outBytes;
      chunk2<T>(po, inPlace ? po : 0, va, coef + <usize>o * coefBytes, idx == 0 ? 0 : idx + <usize>o * idxBytes,
        counts == 0 ? count : load<i32>(counts + (<usize>o << 2)), rows, stride, <usize>v << 4);
    }
    v += 2;
  }
  if (v < vectors || vectors * lanes < width)
    for (let o = 0; o < outputs; o++) {
      const po = out + <usize>o * outBytes;
      accumulateTail<T>(po, inPlace ? po : 0, alpha, coef + <usize>o * coefBytes, idx == 0 ? 0 : idx + <usize>o * idxBytes,
        counts == 0 ? count : load<i32>(counts + (<usize>o << 2)), rows, rowStride, width, v);
    }
}

/**
 * out[t] = <x, row(idx[t])> over width entries, times scale[t] when scale != 0, for t < count
 * (rows as in accumulateRows, idx required). Four rows at a time share the loads of x.
 */
export function dotRows<T>(out: usize, scale: usize, x: usize, rows: usize, rowStride: i32, idx: usize, count: i32, width: i32): void {
  const es = <usize>sizeof<T>();
  const lanes = 16 / <i32>sizeof<T>();
  const stride = <usize>rowStride * es;
  const vectors = width / lanes;
  const tail = vectors * lanes;
  let t = 0;
  for (; t + 4 <= count; t += 4) {
    const p0 = rows + <usize>load<i32>(idx + (<usize>t << 2)) * stride;
    const p1 = rows + <usize>load<i32>(idx + (<usize>(t + 1) << 2)) * stride;
    const p2 = rows + <usize>load<i32>(idx + (<usize>(t + 2) << 2)) * stride;
    const p3 = rows + <usize>load<i32>(idx + (<usize>(t + 3) << 2)) * stride;
    let a0 = v128.splat<i64>(0), a1 = a0, a2 = a0, a3 = a0;
    for (let v = 0; v < vectors; v++) {
      const off = <usize>v << 4;
      const xv = v128.load(x + off);
      a0 = vmadd<T>(a0, xv, v128.load(p0 + off));
      a1 = vmadd<T>(a1, xv, v128.load(p1 + off));
      a2 = vmadd<T>(a2, xv, v128.load(p2 + off));
      a3 = vmadd<T>(a3, xv, v128.load(p3 + off));
    }
    let s0 = hsum<T>(a0), s1 = hsum<T>(a1), s2 = hsum<T>(a2), s3 = hsum<T>(a3);
    for (let k = tail; k < width; k++) {
      const off = <usize>k * es;
      const xk = load<T>(x + off);
      s0 += xk * load<T>(p0 + off);
      s1 += xk * load<T>(p1 + off);
      s2 += xk * load<T>(p2 + off);
      s3 += xk * load<T>(p3 + off);
    }
    if (scale != 0) {
      s0 *= load<T>(scale + (<usize>t << alignof<T>()));
      s1 *= load<T>(scale + (<usize>(t + 1) << alignof<T>()));
      s2 *= load<T>(scale + (<usize>(t + 2) << alignof<T>()));
      s3 *= load<T>(scale + (<usize>(t + 3) << alignof<T>()));
    }
    store<T>(out + (<usize>t << alignof<T>()), s0);
    store<T>(out + (<usize>(t + 1) << alignof<T>()), s1);
    store<T>(out + (<usize>(t + 2) << alignof<T>()), s2);
    store<T>(out + (<usize>(t + 3) << alignof<T>()), s3);
  }
  for (; t < count; t++) {
    const p = rows + <usize>load<i32>(idx + (<usize>t << 2)) * stride;
    let a = v128.splat<i64>(0);
    for (let v = 0; v < vectors; v++) {
      const off = <usize>v << 4;
      a = vmadd<T>(a, v128.load(x + off), v128.load(p + off));
    }
    let s = hsum<T>(a);
    for (let k = tail; k < width; k++) s += load<T>(x + <usize>k * es) * load<T>(p + <usize>k * es);
    if (scale != 0) s *= load<T>(scale + (<usize>t << alignof<T>()));
    store<T>(out + (<usize>t << alignof<T>()), s);
  }
}

/**
 * The kept list of a row: idx[n] = i and coef[n] = values[i] for the i < width with
 * keep[i] != 0, in increasing i; returns n. Branch-free (masks are unpredictable).
 */
export function keptList<T>(idx: usize, coef: usize, keep: usize, values: usize, width: i32): i32 {
  let n = 0;
  for (let i = 0; i < width; i++) {
    store<i32>(idx + (<usize>n << 2), i);
    store<T>(coef + (<usize>n << alignof<T>()), load<T>(values + (<usize>i << alignof<T>())));
    n += <i32>(load<T>(keep + (<usize>i << alignof<T>())) != <T>0);
  }
  return n;
}

/** dst (cols x rows) = src (rows x cols) transposed. */
export function transposeInto<T>(dst: usize, src: usize, rows: i32, cols: i32): void {
  for (let i = 0; i < rows; i++)
    for (let j = 0; j < cols; j++)
      store<T>(dst + (<usize>(j * rows + i) << alignof<T>()), load<T>(src + (<usize>(i * cols + j) << alignof<T>())));
}
