// The project's one random number generator: Philox4x32-10, a counter-based generator.
// Source: Salmon, Moraes, Dror, Shaw, "Parallel random numbers: as easy as 1, 2, 3", SC 2011
// (the Random123 library); checked against its published known-answer vectors.
//
// A draw is a pure function of (key, counter): key = the 64-bit seed (k0 = low 32 bits,
// k1 = high bits); counter = (block index low, block index high, stream, substream). A stream
// names a purpose (data, initialisation, minibatch order, masks, ...) so that what one purpose
// draws never depends on how much another drew, nor on the order of calls, the chunking of a
// request or the thread. Every block yields four 32-bit words; element e of a derived sequence
// reads a fixed place:
//   word e          -> block e >> 2, word e & 3          (Bernoulli, mask seeds)
//   uniform e       -> block e >> 1, words 2(e&1), 2(e&1)+1  (53-bit f64 in [0, 1))
//   normal e        -> block e >> 1: Box-Muller on its two uniforms, cos for even e, sin for odd
// Only wasm arithmetic (IEEE, deterministic) and AssemblyScript's own Math (a port of musl's
// libm, compiled into this module) are used, so results are bit-identical on every host.

const M0: u64 = 0xd2511f53;
const M1: u64 = 0xcd9e8d57;
const W0: u32 = 0x9e3779b9;
const W1: u32 = 0xbb67ae85;

// Round r's keys k0 + r W0 and k1 + r W1 in all four lanes (set by rngSetStream), and the
// multipliers M0, M1 in all lanes.
const roundKeys: usize = memory.data(10 * 32, 16);
const multipliers: usize = memory.data<u32>([0xd2511f53, 0xd2511f53, 0xd2511f53, 0xd2511f53, 0xcd9e8d57, 0xcd9e8d57, 0xcd9e8d57, 0xcd9e8d57], 16);

// Current key and stream (set by rngSetStream) and the last generated block.
let key0: u32 = 0;
let key1: u32 = 0;
let stream: u32 = 0;
let substream: u32 = 0;
let cached: bool = false;
let cachedBlock: u64 = 0;
let w0: u32 = 0;
let w1: u32 = 0;
let w2: u32 = 0;
let w3: u32 = 0;

@inline function philoxInto(c0: u32, c1: u32, c2: u32, c3: u32, k0: u32, k1: u32): void {
  for (let round = 0; round < 10; round++) {
    const p0 = M0 * <u64>c0;
    const p1 = M1 * <u64>c2;
    const n0 = (<u32>(p1 >> 32)) ^ c1 ^ k0;
    const n2 = (<u32>(p0 >> 32)) ^ c3 ^ k1;
    c0 = n0;
    c1 = <u32>p1;
    c2 = n2;
    c3 = <u32>p0;
    k0 += W0;
    k1 += W1;
  }
  w0 = c0;
  w1 = c1;
  w2 = c2;
  w3 = c3;
}

/** Raw Philox4x32-10 of one (counter, key), four words to out (for known-answer tests). */
export function rngPhilox(out: usize, c0: u32, c1: u32, c2: u32, c3: u32, k0: u32, k1: u32): void {
  philoxInto(c0, c1, c2, c3, k0, k1);
  store<u32>(out, w0);
  store<u32>(out, w1, 4);
  store<u32>(out, w2, 8);
  store<u32>(out, w3, 12);
  cached = false;
}

/** Select key (seed) and stream for the draws that follow. */
export function rngSetStream(k0: u32, k1: u32, s: u32, ss: u32): void {
  key0 = k0;
  key1 = k1;
  stream = s;
  substream = ss;
  cached = false;
  // The round keys of the SIMD generators, in every lane: loaded each round (V8 would rebuild
  // a splat from a general register every round, two shuffles each).
  for (let round = 0; round < 10; round++) {
    v128.store(roundKeys + (<usize>round << 5), i32x4.splat(<i32>(k0 + <u32>round * W0)));
    v128.store(roundKeys + (<usize>round << 5), i32x4.splat(<i32>(k1 + <u32>round * W1)), 16);
  }
}

@inline export function block(index: u64): void {
  if (cached && index == cachedBlock) return;
  philoxInto(<u32>index, <u32>(index >> 32), stream, substream, key0, key1);
  cachedBlock = index;
  cached = true;
}

/** Word e of the current stream. */
@inline export function wordAt(e: u64): u32 {
  block(e >> 2);
  const lane = <u32>(e & 3);
  return lane == 0 ? w0 : lane == 1 ? w1 : lane == 2 ? w2 : w3;
}

@inline function toUniform(a: u32, b: u32): f64 {
  // 27 + 26 = 53 random bits, exactly representable: k * 2^-53, k in [0, 2^53).
  return (<f64>(a >>> 5) * 67108864.0 + <f64>(b >>> 6)) * (1.0 / 9007199254740992.0);
}

/** Uniform e of the current stream, in [0, 1) with 53 random bits. */
@inline export function uniformAt(e: u64): f64 {
  block(e >> 1);
  return (e & 1) == 0 ? toUniform(w0, w1) : toUniform(w2, w3);
}

/** Standard normal e of the current stream (Box-Muller on the uniforms of block e >> 1). */
export function normalAt(e: u64): f64 {
  block(e >> 1);
  const u1 = 1.0 - toUniform(w0, w1); // (0, 1]: log is finite
  const u2 = toUniform(w2, w3);
  const radius = Math.sqrt(-2.0 * Math.log(u1));
  const angle = 6.283185307179586 * u2;
  return (e & 1) == 0 ? radius * Math.cos(angle) : radius * Math.sin(angle);
}

/** Threshold t with P(word < t) = t / 2^32, the nearest below p (p in [0, 1]). */
@inline export function bernoulliThreshold(p: f64): u64 {
  return <u64>Math.floor(p * 4294967296.0);
}

// Consecutive blocks in SIMD lanes (lane b = block q + b): the same rounds as philoxInto, with
// the 32x32 -> 64-bit products from i64x2.extmul, then a 4x4 transpose so the words land in
// block order at dst (identical to calls of philoxInto). philox8 runs two independent groups of
// four blocks interleaved: a round is a chain of multiply (5 cycles), shuffle and xor, so one
// group leaves the multipliers idle most of the time.
@inline function counterLanes(q: u64, high: bool): v128 {
  let c = i32x4.splat(high ? <i32>(q >> 32) : <i32>q);
  c = i32x4.replace_lane(c, 1, high ? <i32>((q + 1) >> 32) : <i32>(q + 1));
  c = i32x4.replace_lane(c, 2, high ? <i32>((q + 2) >> 32) : <i32>(q + 2));
  c = i32x4.replace_lane(c, 3, high ? <i32>((q + 3) >> 32) : <i32>(q + 3));
  return c;
}

@inline function storeBlocks(dst: usize, c0: v128, c1: v128, c2: v128, c3: v128): void {
  const t0 = v128.shuffle<i32>(c0, c1, 0, 4, 1, 5);
  const t1 = v128.shuffle<i32>(c0, c1, 2, 6, 3, 7);
  const t2 = v128.shuffle<i32>(c2, c3, 0, 4, 1, 5);
  const t3 = v128.shuffle<i32>(c2, c3, 2, 6, 3, 7);
  v128.store(dst, v128.shuffle<i32>(t0, t2, 0, 1, 4, 5));
  v128.store(dst, v128.shuffle<i32>(t0, t2, 2, 3, 6, 7), 16);
  v128.store(dst, v128.shuffle<i32>(t1, t3, 0, 1, 4, 5), 32);
  v128.store(dst, v128.shuffle<i32>(t1, t3, 2, 3, 6, 7), 48);
}

/** Blocks q .. q + 3 (16 words) to dst. */
function philox4(dst: usize, q: u64): void {
  let c0 = counterLanes(q, false);
  let c1 = counterLanes(q, true);
  let c2 = i32x4.splat(<i32>stream);
  let c3 = i32x4.splat(<i32>substream);
  const m0 = i32x4.splat(<i32>M0);
  const m1 = i32x4.splat(<i32>M1);
  let k0 = key0;
  let k1 = key1;
  for (let round = 0; round < 10; round++) {
    const p0l = i64x2.extmul_low_i32x4_u(c0, m0);
    const p0h = i64x2.extmul_high_i32x4_u(c0, m0);
    const p1l = i64x2.extmul_low_i32x4_u(c2, m1);
    const p1h = i64x2.extmul_high_i32x4_u(c2, m1);
    const hi0 = v128.shuffle<i32>(p0l, p0h, 1, 3, 5, 7);
    const lo0 = v128.shuffle<i32>(p0l, p0h, 0, 2, 4, 6);
    const hi1 = v128.shuffle<i32>(p1l, p1h, 1, 3, 5, 7);
    const lo1 = v128.shuffle<i32>(p1l, p1h, 0, 2, 4, 6);
    c0 = v128.xor(v128.xor(hi1, c1), i32x4.splat(<i32>k0));
    c1 = lo1;
    c2 = v128.xor(v128.xor(hi0, c3), i32x4.splat(<i32>k1));
    c3 = lo0;
    k0 += W0;
    k1 += W1;
  }
  storeBlocks(dst, c0, c1, c2, c3);
}

/** Blocks q .. q + 7 (32 words) to dst: two philox4 groups, interleaved. */
function philox8(dst: usize, q: u64): void {
  let a0 = counterLanes(q, false);
  let a1 = counterLanes(q, true);
  let b0 = counterLanes(q + 4, false);
  let b1 = counterLanes(q + 4, true);
  let a2 = i32x4.splat(<i32>stream);
  let a3 = i32x4.splat(<i32>substream);
  let b2 = a2;
  let b3 = a3;
  for (let round = 0; round < 10; round++) {
    const m0 = v128.load(multipliers);
    const m1 = v128.load(multipliers, 16);
    const ap0l = i64x2.extmul_low_i32x4_u(a0, m0);
    const bp0l = i64x2.extmul_low_i32x4_u(b0, m0);
    const ap0h = i64x2.extmul_high_i32x4_u(a0, m0);
    const bp0h = i64x2.extmul_high_i32x4_u(b0, m0);
    const ap1l = i64x2.extmul_low_i32x4_u(a2, m1);
    const bp1l = i64x2.extmul_low_i32x4_u(b2, m1);
    const ap1h = i64x2.extmul_high_i32x4_u(a2, m1);
    const bp1h = i64x2.extmul_high_i32x4_u(b2, m1);
    const kk0 = v128.load(roundKeys + (<usize>round << 5));
    const kk1 = v128.load(roundKeys + (<usize>round << 5), 16);
    a0 = v128.xor(v128.xor(v128.shuffle<i32>(ap1l, ap1h, 1, 3, 5, 7), a1), kk0);
    b0 = v128.xor(v128.xor(v128.shuffle<i32>(bp1l, bp1h, 1, 3, 5, 7), b1), kk0);
    a1 = v128.shuffle<i32>(ap1l, ap1h, 0, 2, 4, 6);
    b1 = v128.shuffle<i32>(bp1l, bp1h, 0, 2, 4, 6);
    a2 = v128.xor(v128.xor(v128.shuffle<i32>(ap0l, ap0h, 1, 3, 5, 7), a3), kk1);
    b2 = v128.xor(v128.xor(v128.shuffle<i32>(bp0l, bp0h, 1, 3, 5, 7), b3), kk1);
    a3 = v128.shuffle<i32>(ap0l, ap0h, 0, 2, 4, 6);
    b3 = v128.shuffle<i32>(bp0l, bp0h, 0, 2, 4, 6);
  }
  storeBlocks(dst, a0, a1, a2, a3);
  storeBlocks(dst + 64, b0, b1, b2, b3);
}

/** Words first .. first + count - 1 of the current stream into dst (u32). */
export function fillWords(dst: usize, first: u64, count: i32): void {
  let e = first;
  let i = 0;
  while (i < count && (e & 3) != 0) {
    store<u32>(dst + (<usize>i << 2), wordAt(e));
    e++;
    i++;
  }
  while (count - i >= 32) {
    philox8(dst + (<usize>i << 2), e >> 2);
    e += 32;
    i += 32;
  }
  while (count - i >= 16) {
    philox4(dst + (<usize>i << 2), e >> 2);
    e += 16;
    i += 16;
  }
  while (i < count) {
    store<u32>(dst + (<usize>i << 2), wordAt(e));
    e++;
    i++;
  }
}

/** rngWords: raw words of the current stream (u32), for tests of the bulk path. */
export function rngWords(out: usize, count: i32, first: f64): void {
  fillWords(out, <u64>first, count);
}

// Bulk draws; `first` is the index of the first element (f64 so JS passes plain numbers).

export function rngUniform(out: usize, count: i32, first: f64): void {
  const e0 = <u64>first;
  for (let i = 0; i < count; i++) store<f64>(out + (<usize>i << 3), uniformAt(e0 + <u64>i));
}

export function rngNormal(out: usize, count: i32, first: f64): void {
  const e0 = <u64>first;
  for (let i = 0; i < count; i++) store<f64>(out + (<usize>i << 3), normalAt(e0 + <u64>i));
}

/** out[i] = 1 if word (first + i) < floor(p 2^32), else 0 (bytes). */
export function rngBernoulli(out: usize, count: i32, p: f64, first: f64): void {
  const e0 = <u64>first;
  const t = bernoulliThreshold(p);
  for (let i = 0; i < count; i++) store<u8>(out + <usize>i, <u64>wordAt(e0 + <u64>i) < t ? 1 : 0);
}

// Words for bulk uniforms are generated into this static buffer (kernels never allocate).
const CHUNK: i32 = 1024;
const chunkWords: usize = memory.data(CHUNK * 4, 16);

/**
 * A uniformly random permutation of 0..n-1 (u32) by Fisher-Yates: step i (from n-1 down to
 * 1) swaps i with floor(u * (i + 1)), u = uniform (n - 1 - i). Bias of the 53-bit scaling is
 * below n / 2^53. The uniforms' words are generated in bulk (uniform e = words 2e, 2e + 1).
 */
export function rngPermutation(out: usize, n: i32): void {
  for (let i = 0; i < n; i++) store<u32>(out + (<usize>i << 2), <u32>i);
  let i = n - 1;
  for (let e0 = 0; i > 0; e0 += CHUNK / 2) {
    const len = min(CHUNK / 2, i);
    fillWords(chunkWords, <u64>e0 << 1, len * 2);
    for (let c = 0; c < len; c++, i--) {
      const u = toUniform(load<u32>(chunkWords + (<usize>c << 3)), load<u32>(chunkWords + (<usize>c << 3), 4));
      const j = <i32>Math.floor(u * <f64>(i + 1));
      const pi = out + (<usize>i << 2);
      const pj = out + (<usize>j << 2);
      const t = load<u32>(pi);
      store<u32>(pi, load<u32>(pj));
      store<u32>(pj, t);
    }
  }
}
