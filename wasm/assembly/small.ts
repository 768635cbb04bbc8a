// Kernels for the small matrices of masked training (r hidden units up to a few dozen, m
// outputs, batches of tens of samples), where a general GEMM's packing and blocking cost more
// than they save: every product of a step is a sum of scaled rows,
//   out = alpha * sum_t coef[t] * row(t) + init             (accumulateMany, many outs)
// or a set of dot products with one vector,
//   out[t] = scale[t] * <x, row(t)>                         (dotRows)
// or both at once, the dot products with rows kept in registers and the sum of the same
// vectors (dotsAndUpdate: dH and the U update of a step, each vector of G read once),
// over row-major matrices, with the sum vectorised along the row (SIMD lanes over outputs) and
// register-blocked in chunks of 10, 4, 2 and 1 vectors. row(t) is rows + offs[t] bytes: lists
// of (byte offset, coefficient) let a step skip the hidden units its mask dropped, so with keep
// probability theta a step does a fraction theta of the dense work, exactly (a dropped unit
// contributes an exact zero). Every output entry is one ordinary sum over t in list order,
// whatever the blocking, so the result does not depend on the width or the chunking. Nothing
// here allocates.
//
// The shapes of the loops follow what V8's optimising compiler (TurboFan, x64 and arm64) makes
// of them, measured with perf on Node 20 (docs/BENCHMARKS.md, issue 16): a chunk kernel is a
// function of its own (inlined into its caller it lost ~10% to register pressure), rows are
// addressed by byte offsets (an index costs a multiply per row), the coefficient is a
// load-and-splat, and 10 accumulators (12 of the 15 vector registers V8 allocates on x64)
// amortise the loop's own instructions best: ~0.81 cycles a 128-bit multiply-add pair against
// ~1.2 for the 8-accumulator kernel this replaced (0.69 is the port limit without fusion).

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

/** coef[t] in every lane, as one load (vmovddup / vbroadcastss: no vector-port shuffle). */
@inline function coefAt<T>(coef: usize, t: i32): v128 {
  const p = coef + (<usize>t << alignof<T>());
  return sizeof<T>() == 4 ? v128.load32_splat(p) : v128.load64_splat(p);
}

/**
 * Address of row t: base + offs[t] (I = u32, a list of byte offsets) or base + t * stride
 * (I = u8: every row in order). A type parameter, so the loops carry no test of it.
 */
@inline function rowAt<I>(base: usize, offs: usize, stride: usize, t: i32): usize {
  if (sizeof<I>() == 1) return base + <usize>t * stride;
  return base + <usize>load<u32>(offs + (<usize>t << 2));
}

// chunkK: the sums of K SIMD vectors of the rows (base = rows + the chunk's byte offset) for
// one output, stored as they are at dst. Scaling by alpha and adding init happen outside
// (combine): with a multiply after the loop in the same function, V8 scheduled the loop's
// loads ahead of its arithmetic and spilled accumulators (1.24 against 0.82 cycles a pair).
function chunk10<T, I>(dst: usize, coef: usize, offs: usize, count: i32, base: usize, stride: usize): void {
  let a0 = v128.splat<i64>(0), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0, a8 = a0, a9 = a0;
  for (let t = 0; t < count; t++) {
    const c = coefAt<T>(coef, t);
    const p = rowAt<I>(base, offs, stride, t);
    a0 = vmadd<T>(a0, c, v128.load(p));
    a1 = vmadd<T>(a1, c, v128.load(p, 16));
    a2 = vmadd<T>(a2, c, v128.load(p, 32));
    a3 = vmadd<T>(a3, c, v128.load(p, 48));
    a4 = vmadd<T>(a4, c, v128.load(p, 64));
    a5 = vmadd<T>(a5, c, v128.load(p, 80));
    a6 = vmadd<T>(a6, c, v128.load(p, 96));
    a7 = vmadd<T>(a7, c, v128.load(p, 112));
    a8 = vmadd<T>(a8, c, v128.load(p, 128));
    a9 = vmadd<T>(a9, c, v128.load(p, 144));
  }
  v128.store(dst, a0);
  v128.store(dst, a1, 16);
  v128.store(dst, a2, 32);
  v128.store(dst, a3, 48);
  v128.store(dst, a4, 64);
  v128.store(dst, a5, 80);
  v128.store(dst, a6, 96);
  v128.store(dst, a7, 112);
  v128.store(dst, a8, 128);
  v128.store(dst, a9, 144);
}
function chunk4<T, I>(dst: usize, coef: usize, offs: usize, count: i32, base: usize, stride: usize): void {
  let a0 = v128.splat<i64>(0), a1 = a0, a2 = a0, a3 = a0;
  for (let t = 0; t < count; t++) {
    const c = coefAt<T>(coef, t);
    const p = rowAt<I>(base, offs, stride, t);
    a0 = vmadd<T>(a0, c, v128.load(p));
    a1 = vmadd<T>(a1, c, v128.load(p, 16));
    a2 = vmadd<T>(a2, c, v128.load(p, 32));
    a3 = vmadd<T>(a3, c, v128.load(p, 48));
  }
  v128.store(dst, a0);
  v128.store(dst, a1, 16);
  v128.store(dst, a2, 32);
  v128.store(dst, a3, 48);
}
function chunk2<T, I>(dst: usize, coef: usize, offs: usize, count: i32, base: usize, stride: usize): void {
  let a0 = v128.splat<i64>(0), a1 = a0;
  for (let t = 0; t < count; t++) {
    const c = coefAt<T>(coef, t);
    const p = rowAt<I>(base, offs, stride, t);
    a0 = vmadd<T>(a0, c, v128.load(p));
    a1 = vmadd<T>(a1, c, v128.load(p, 16));
  }
  v128.store(dst, a0);
  v128.store(dst, a1, 16);
}
function chunk1<T, I>(dst: usize, coef: usize, offs: usize, count: i32, base: usize, stride: usize): void {
  let a0 = v128.splat<i64>(0);
  for (let t = 0; t < count; t++) {
    const c = coefAt<T>(coef, t);
    const p = rowAt<I>(base, offs, stride, t);
    a0 = vmadd<T>(a0, c, v128.load(p));
  }
  v128.store(dst, a0);
}
/** out[0..vectors) = alpha * sums (+ out when inPlace), vectors of T; the sums are a chunk's. */
function combine<T>(out: usize, inPlace: bool, alpha: v128, sums: usize, vectors: i32): void {
  for (let k = 0; k < vectors; k++) {
    const o = out + (<usize>k << 4);
    const scaled = vmul<T>(alpha, v128.load(sums + (<usize>k << 4)));
    v128.store(o, inPlace ? vadd<T>(v128.load(o), scaled) : scaled);
  }
}

/**
 * One chunk of K vectors (K = 10, 4, 2, 1) for one output: the sums straight into out when they
 * are the result, else through sumsScratch and combine. (Two call sites of each chunkK also
 * keep it a function of its own: the optimiser inlines a function with one caller.)
 */
@inline function chunkInto<T, I>(
  K: i32, out: usize, direct: bool, inPlace: bool, alpha: v128, coef: usize, offs: usize, count: i32, base: usize, stride: usize,
): void {
  if (direct) {
    if (K == 10) chunk10<T, I>(out, coef, offs, count, base, stride);
    else if (K == 4) chunk4<T, I>(out, coef, offs, count, base, stride);
    else if (K == 2) chunk2<T, I>(out, coef, offs, count, base, stride);
    else chunk1<T, I>(out, coef, offs, count, base, stride);
    return;
  }
  if (K == 10) chunk10<T, I>(sumsScratch, coef, offs, count, base, stride);
  else if (K == 4) chunk4<T, I>(sumsScratch, coef, offs, count, base, stride);
  else if (K == 2) chunk2<T, I>(sumsScratch, coef, offs, count, base, stride);
  else chunk1<T, I>(sumsScratch, coef, offs, count, base, stride);
  combine<T>(out, inPlace, alpha, sumsScratch, K);
}

// The sums of one chunk when they still need scaling (10 vectors).
const sumsScratch: usize = memory.data(160, 16);

/**
 * For `outputs` outputs at once: output o is out + o * outStride elements (updated in place
 * when inPlace, else overwritten), out_o = alpha * sum_t coef_o[t] * row_o(t) (+ out_o), where
 * coef_o starts at coef + o * coefStride elements and row_o(t) is rows + offs_o[t] bytes,
 * offs_o at offs + o * offStride (u32 byte offsets; offs == 0: row t is rows + t * rowStride
 * elements, for every output); count_o is counts[o] (counts == 0: `count` for every output).
 * The loop runs chunk by chunk of the width over all outputs, so the chunk of the rows it
 * reads stays in L1 while every output uses it, and small products cost one call. alpha == 1
 * and not in place store the sums themselves (1 * x is exact).
 */
export function accumulateMany<T>(
  outputs: i32, out: usize, outStride: i32, inPlace: bool, alpha: T, coef: usize, coefStride: i32, offs: usize, offStride: i32,
  counts: usize, count: i32, rows: usize, rowStride: i32, width: i32,
): void {
  if (offs == 0) accumulateOver<T, u8>(outputs, out, outStride, inPlace, alpha, coef, coefStride, 0, 0, counts, count, rows, rowStride, width);
  else accumulateOver<T, u32>(outputs, out, outStride, inPlace, alpha, coef, coefStride, offs, offStride, counts, count, rows, rowStride, width);
}

function accumulateOver<T, I>(
  outputs: i32, out: usize, outStride: i32, inPlace: bool, alpha: T, coef: usize, coefStride: i32, offs: usize, offStride: i32,
  counts: usize, count: i32, rows: usize, rowStride: i32, width: i32,
): void {
  const es = <usize>sizeof<T>();
  const lanes = 16 / <i32>sizeof<T>();
  const stride = <usize>rowStride * es;
  const va = vsplat<T>(alpha);
  const direct = alpha == <T>1 && !inPlace;
  const vectors = width / lanes;
  const outBytes = <usize>outStride * es;
  const coefBytes = <usize>coefStride * es;
  const offBytes = <usize>offStride << 2;
  let v = 0;
  while (v < vectors) {
    const K = vectors - v >= 10 ? 10 : vectors - v >= 4 ? 4 : vectors - v >= 2 ? 2 : 1;
    const off = <usize>v << 4;
    for (let o = 0; o < outputs; o++) {
      const n = counts == 0 ? count : load<i32>(counts + (<usize>o << 2));
      chunkInto<T, I>(K, out + <usize>o * outBytes + off, direct, inPlace, va, coef + <usize>o * coefBytes, offs + <usize>o * offBytes, n, rows + off, stride);
    }
    v += K;
  }
  // The entries past the last whole vector (width not a multiple of the lanes).
  for (let o = 0; o < outputs; o++) {
    const po = out + <usize>o * outBytes;
    const co = coef + <usize>o * coefBytes;
    const fo = offs + <usize>o * offBytes;
    const n = counts == 0 ? count : load<i32>(counts + (<usize>o << 2));
    for (let k = vectors * lanes; k < width; k++) {
      const off = <usize>k * es;
      let s = <T>0;
      for (let t = 0; t < n; t++) s += load<T>(co + (<usize>t << alignof<T>())) * load<T>(rowAt<I>(rows, fo, stride, t) + off);
      store<T>(po + off, inPlace ? load<T>(po + off) + alpha * s : alpha * s);
    }
  }
}

/**
 * out[t] = <x, row(t)> over width entries, times scale[t] when scale != 0, for t < count,
 * row(t) = rows + offs[t] bytes. Four rows at a time share the loads of x, two vectors of x a
 * step (one accumulator per row, so each sum runs along the row in order).
 */
export function dotRows<T>(out: usize, scale: usize, x: usize, rows: usize, offs: usize, count: i32, width: i32): void {
  const es = <usize>sizeof<T>();
  const lanes = 16 / <i32>sizeof<T>();
  const vectors = width / lanes;
  const tail = vectors * lanes;
  let t = 0;
  for (; t + 4 <= count; t += 4) {
    const p0 = rows + <usize>load<u32>(offs + (<usize>t << 2));
    const p1 = rows + <usize>load<u32>(offs + (<usize>t << 2), 4);
    const p2 = rows + <usize>load<u32>(offs + (<usize>t << 2), 8);
    const p3 = rows + <usize>load<u32>(offs + (<usize>t << 2), 12);
    let a0 = v128.splat<i64>(0), a1 = a0, a2 = a0, a3 = a0;
    let v = 0;
    for (; v + 2 <= vectors; v += 2) {
      const off = <usize>v << 4;
      const x0 = v128.load(x + off), x1 = v128.load(x + off, 16);
      const q0 = p0 + off, q1 = p1 + off, q2 = p2 + off, q3 = p3 + off;
      a0 = vmadd<T>(vmadd<T>(a0, x0, v128.load(q0)), x1, v128.load(q0, 16));
      a1 = vmadd<T>(vmadd<T>(a1, x0, v128.load(q1)), x1, v128.load(q1, 16));
      a2 = vmadd<T>(vmadd<T>(a2, x0, v128.load(q2)), x1, v128.load(q2, 16));
      a3 = vmadd<T>(vmadd<T>(a3, x0, v128.load(q3)), x1, v128.load(q3, 16));
    }
    if (v < vectors) {
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
    const p = rows + <usize>load<u32>(offs + (<usize>t << 2));
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

// fusedK: K vectors (from byte `row` on) of one unit's row of U^T and of its update, over the
// unit's list (coef, g offsets; n entries): the dot products' partial sums continue from
// `partial` (one vector per entry; F = u8: the first chunk, start from zero) and the row
// becomes row + alpha * sum_t coef[t] g_j(t). The row is read before it is updated.
function fused4<T, F>(row: usize, coef: usize, offs: usize, n: i32, gBase: usize, alpha: v128, partial: usize): void {
  const u0 = v128.load(row, 0), u1 = v128.load(row, 16), u2 = v128.load(row, 32), u3 = v128.load(row, 48);
  let s0 = v128.splat<i64>(0), s1 = v128.splat<i64>(0), s2 = v128.splat<i64>(0), s3 = v128.splat<i64>(0);
  for (let t = 0; t < n; t++) {
    const c = coefAt<T>(coef, t);
    const p = gBase + <usize>load<u32>(offs + (<usize>t << 2));
    const q = partial + (<usize>t << 4);
    const g0 = v128.load(p, 0); const g1 = v128.load(p, 16); const g2 = v128.load(p, 32); const g3 = v128.load(p, 48);
    let d = sizeof<F>() == 1 ? v128.splat<i64>(0) : v128.load(q);
    d = vmadd<T>(d, g0, u0);
    d = vmadd<T>(d, g1, u1);
    d = vmadd<T>(d, g2, u2);
    d = vmadd<T>(d, g3, u3);
    v128.store(q, d);
    s0 = vmadd<T>(s0, c, g0);
    s1 = vmadd<T>(s1, c, g1);
    s2 = vmadd<T>(s2, c, g2);
    s3 = vmadd<T>(s3, c, g3);
  }
  v128.store(row, vadd<T>(u0, vmul<T>(alpha, s0)), 0);
  v128.store(row, vadd<T>(u1, vmul<T>(alpha, s1)), 16);
  v128.store(row, vadd<T>(u2, vmul<T>(alpha, s2)), 32);
  v128.store(row, vadd<T>(u3, vmul<T>(alpha, s3)), 48);
}
function fused2<T, F>(row: usize, coef: usize, offs: usize, n: i32, gBase: usize, alpha: v128, partial: usize): void {
  const u0 = v128.load(row, 0), u1 = v128.load(row, 16);
  let s0 = v128.splat<i64>(0), s1 = v128.splat<i64>(0);
  for (let t = 0; t < n; t++) {
    const c = coefAt<T>(coef, t);
    const p = gBase + <usize>load<u32>(offs + (<usize>t << 2));
    const q = partial + (<usize>t << 4);
    const g0 = v128.load(p, 0); const g1 = v128.load(p, 16);
    let d = sizeof<F>() == 1 ? v128.splat<i64>(0) : v128.load(q);
    d = vmadd<T>(d, g0, u0);
    d = vmadd<T>(d, g1, u1);
    v128.store(q, d);
    s0 = vmadd<T>(s0, c, g0);
    s1 = vmadd<T>(s1, c, g1);
  }
  v128.store(row, vadd<T>(u0, vmul<T>(alpha, s0)), 0);
  v128.store(row, vadd<T>(u1, vmul<T>(alpha, s1)), 16);
}
function fused1<T, F>(row: usize, coef: usize, offs: usize, n: i32, gBase: usize, alpha: v128, partial: usize): void {
  const u0 = v128.load(row, 0);
  let s0 = v128.splat<i64>(0);
  for (let t = 0; t < n; t++) {
    const c = coefAt<T>(coef, t);
    const p = gBase + <usize>load<u32>(offs + (<usize>t << 2));
    const q = partial + (<usize>t << 4);
    const g0 = v128.load(p, 0);
    let d = sizeof<F>() == 1 ? v128.splat<i64>(0) : v128.load(q);
    d = vmadd<T>(d, g0, u0);
    v128.store(q, d);
    s0 = vmadd<T>(s0, c, g0);
  }
  v128.store(row, vadd<T>(u0, vmul<T>(alpha, s0)), 0);
}

/** One chunk of K = 4, 2 or 1 vectors of dotsAndUpdate; F = u8 for the first chunk. */
@inline function fusedChunk<T, F>(K: i32, row: usize, coef: usize, offs: usize, n: i32, gBase: usize, alpha: v128, partial: usize): void {
  if (K == 4) fused4<T, F>(row, coef, offs, n, gBase, alpha, partial);
  else if (K == 2) fused2<T, F>(row, coef, offs, n, gBase, alpha, partial);
  else fused1<T, F>(row, coef, offs, n, gBase, alpha, partial);
}

/**
 * dH and the U update of a step in one pass over the rows of U^T (each of g's vectors loaded
 * once for both): for every unit i < units, row_i = rows + i * rowBytes (width entries), and
 * its list (starting at entry i * listStride of coef, offs, dst; counts[i] entries: the
 * samples that kept i, in increasing order, with coef = Hm[j, i] and offs = byte offset of
 * g_j from g),
 *   dots + dst[t] := <g_j, row_i>                      (the row before the update)
 *   row_i := row_i + alpha * sum_t coef[t] g_j
 * The same sums in the same order as dotRows (x = g_j) followed by accumulateMany (in place):
 * every dot product runs along the row lane by lane in order, chunk after chunk, and every
 * update entry sums over the list in order, so the bits are theirs. partial: 16 bytes per
 * entry of the longest list (the dot products' partial sums between chunks). Needs width >= the
 * lanes.
 */
export function dotsAndUpdate<T>(
  units: i32, rows: usize, rowBytes: usize, alpha: T, coef: usize, offs: usize, dst: usize, listStride: i32, counts: usize,
  g: usize, width: i32, dots: usize, partial: usize,
): void {
  const es = <usize>sizeof<T>();
  const lanes = 16 / <i32>sizeof<T>();
  const vectors = width / lanes;
  const tail = vectors * lanes;
  const va = vsplat<T>(alpha);
  for (let i = 0; i < units; i++) {
    const n = load<i32>(counts + (<usize>i << 2));
    const row = rows + <usize>i * rowBytes;
    const ci = coef + <usize>(i * listStride) * es;
    const oi = offs + (<usize>(i * listStride) << 2);
    const di = dst + (<usize>(i * listStride) << 2);
    const K0 = vectors >= 4 ? 4 : vectors >= 2 ? 2 : 1;
    fusedChunk<T, u8>(K0, row, ci, oi, n, g, va, partial);
    let v = K0;
    while (v < vectors) {
      const K = vectors - v >= 4 ? 4 : vectors - v >= 2 ? 2 : 1;
      const off = <usize>v << 4;
      fusedChunk<T, u16>(K, row + off, ci, oi, n, g + off, va, partial);
      v += K;
    }
    // The dot products' last entries (width not a multiple of the lanes) read the row before
    // its own last entries are updated.
    for (let t = 0; t < n; t++) {
      const gj = g + <usize>load<u32>(oi + (<usize>t << 2));
      let s = hsum<T>(v128.load(partial + (<usize>t << 4)));
      for (let k = tail; k < width; k++) s += load<T>(gj + <usize>k * es) * load<T>(row + <usize>k * es);
      store<T>(dots + <usize>load<u32>(di + (<usize>t << 2)), s);
    }
    for (let k = tail; k < width; k++) {
      let s = <T>0;
      for (let t = 0; t < n; t++) s += load<T>(ci + (<usize>t << alignof<T>())) * load<T>(g + <usize>load<u32>(oi + (<usize>t << 2)) + <usize>k * es);
      store<T>(row + <usize>k * es, load<T>(row + <usize>k * es) + alpha * s);
    }
  }
}

// Compaction tables of keptList. KEPT_LANES[b] (i32x4): the positions of the set bits of the
// 4-bit mask b in increasing order, then zeros. KEPT_PAIRS[b] (i8x16 swizzle, b < 4): moves
// the 64-bit lane that mask b keeps (or both) to the front.
const KEPT_LANES: usize = memory.data<i32>([
  0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 2, 0, 0, 0, 0, 2, 0, 0, 1, 2, 0, 0, 0, 1, 2, 0,
  3, 0, 0, 0, 0, 3, 0, 0, 1, 3, 0, 0, 0, 1, 3, 0, 2, 3, 0, 0, 0, 2, 3, 0, 1, 2, 3, 0, 0, 1, 2, 3,
], 16);
const KEPT_PAIRS: usize = memory.data<u8>([
  0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15,
  8, 9, 10, 11, 12, 13, 14, 15, 8, 9, 10, 11, 12, 13, 14, 15, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15,
], 16);

/**
 * The kept list of a mask row: idx[n] = i, offs[n] = i * rowBytes and coef[n] = values[i] for
 * the i < width with keep[i] != 0, in increasing i; returns n. Four units a step with no
 * branch (masks are unpredictable): a SIMD compare gives their 4-bit mask, the tables move
 * the kept ones to the front, and whole vectors are stored at n (the lanes past the kept ones
 * are overwritten by the next step or left beyond n; never past the row, since n <= i).
 */
export function keptList<T>(idx: usize, offs: usize, coef: usize, keep: usize, values: usize, width: i32, rowBytes: u32): i32 {
  const zero = v128.splat<i64>(0);
  const stride = i32x4.splat(<i32>rowBytes);
  let n = 0;
  let i = 0;
  for (; i + 4 <= width; i += 4) {
    const e = <usize>i << alignof<T>();
    let bits: i32;
    if (sizeof<T>() == 4) {
      bits = i32x4.bitmask(f32x4.ne(v128.load(keep + e), zero));
      // Byte indices of the kept 32-bit lanes: 4 * lane + (0, 1, 2, 3).
      const lanes = v128.load(KEPT_LANES + (<usize>bits << 4));
      const bytes = i32x4.add(i32x4.mul(lanes, i32x4.splat(0x04040404)), i32x4.splat(0x03020100));
      v128.store(coef + (<usize>n << 2), i8x16.swizzle(v128.load(values + e), bytes));
    } else {
      const low = i64x2.bitmask(f64x2.ne(v128.load(keep + e), zero));
      const high = i64x2.bitmask(f64x2.ne(v128.load(keep + e, 16), zero));
      bits = low | (high << 2);
      const n0 = n + popcnt(low);
      v128.store(coef + (<usize>n << 3), i8x16.swizzle(v128.load(values + e), v128.load(KEPT_PAIRS + (<usize>low << 4))));
      v128.store(coef + (<usize>n0 << 3), i8x16.swizzle(v128.load(values + e, 16), v128.load(KEPT_PAIRS + (<usize>high << 4))));
    }
    const units = i32x4.add(v128.load(KEPT_LANES + (<usize>bits << 4)), i32x4.splat(i));
    v128.store(idx + (<usize>n << 2), units);
    v128.store(offs + (<usize>n << 2), i32x4.mul(units, stride));
    n += popcnt(bits);
  }
  for (; i < width; i++) {
    const e = <usize>i << alignof<T>();
    store<i32>(idx + (<usize>n << 2), i);
    store<u32>(offs + (<usize>n << 2), <u32>i * rowBytes);
    store<T>(coef + (<usize>n << alignof<T>()), load<T>(values + e));
    n += <i32>(load<T>(keep + e) != <T>0);
  }
  return n;
}

/** dst (cols x rows) = src (rows x cols) transposed. */
export function transposeInto<T>(dst: usize, src: usize, rows: i32, cols: i32): void {
  for (let i = 0; i < rows; i++)
    for (let j = 0; j < cols; j++)
      store<T>(dst + (<usize>(j * rows + i) << alignof<T>()), load<T>(src + (<usize>(i * cols + j) << alignof<T>())));
}
