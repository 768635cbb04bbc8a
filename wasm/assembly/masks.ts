// Mask samplers for the families of THEORY.md "Mask families" (shared/masks.ts describes them).
// Mask i of a request is a pure function of (key, stream, substream, i): it reads a fixed range
// of the RNG (rng.ts), so masks do not depend on how many were drawn before or in which chunks.
// Kept entries are written as `scale` (1 for 0/1 masks, 1/theta in training), dropped as 0.
//
// Family codes (MaskFamilyCode, layout.ts):
//   0 dropout:    width words per mask; entry u kept iff word < floor(theta 2^32).
//   1 dropblock:  partitioned; ceil(width / k) words per mask, block g covers units gk..gk+k-1.
//   2 dropconnect: like dropout over width = rows * r weights (one mask per weight).
//   3 contiguous: width words per mask, word j seeds a window iff word < floor(gamma 2^32),
//                 gamma = 1 - theta^(1/k); the window of seed j drops units j..j+k-1 (mod width),
//                 so every unit lies in exactly k windows and P(kept) = (1 - gamma)^k = theta.
//   4 custom:     uniform i of the stream picks pattern p with cum[p-1] <= u < cum[p].
// Bernoulli draws compare 32-bit words with floor(p 2^32): their rate is p to within 2^-32.
import { MaskFamilyCode } from "./layout";
import { bernoulliThreshold, fillWords, uniformAt } from "./rng";

// Words are generated in chunks into this static buffer (kernels never allocate).
const CHUNK: i32 = 1024;
const words: usize = memory.data(CHUNK * 4, 16);

/** out[i] = scale if word (first + i) < t else 0, for i < n; SIMD compare on bulk words. */
function bernoulliRun<T>(out: usize, n: u64, first: u64, t: u64, scale: T): void {
  const bytes = <usize>sizeof<T>();
  if (t > 0xffffffff) {
    for (let i: u64 = 0; i < n; i++) store<T>(out + <usize>i * bytes, scale);
    return;
  }
  const tv = i32x4.splat(<i32>t);
  const keep = sizeof<T>() == 4 ? f32x4.splat(<f32>scale) : f64x2.splat(<f64>scale);
  let done: u64 = 0;
  while (done < n) {
    const len = <i32>min<u64>(<u64>CHUNK, n - done);
    fillWords(words, first + done, len);
    const dst = out + <usize>done * bytes;
    let i = 0;
    for (; i + 4 <= len; i += 4) {
      const kept = i32x4.lt_u(v128.load(words + (<usize>i << 2)), tv); // all-ones lanes where kept
      if (sizeof<T>() == 4) {
        v128.store(dst + (<usize>i << 2), v128.and(kept, keep));
      } else {
        v128.store(dst + (<usize>i << 3), v128.and(i64x2.extend_low_i32x4_s(kept), keep));
        v128.store(dst + (<usize>i << 3), v128.and(i64x2.extend_high_i32x4_s(kept), keep), 16);
      }
    }
    for (; i < len; i++)
      store<T>(dst + <usize>i * bytes, <u64>load<u32>(words + (<usize>i << 2)) < t ? scale : <T>0);
    done += <u64>len;
  }
}

/** RNG words (or, for custom, uniforms) one mask of this family consumes. */
export function maskWords(family: i32, width: i32, blockSize: i32): i32 {
  if (family == MaskFamilyCode.DropBlock) return (width + blockSize - 1) / blockSize;
  if (family == MaskFamilyCode.Custom) return 1;
  return width;
}

/**
 * `count` masks of `width` entries of type T into out (row i = mask firstMask + i). The RNG
 * stream must be selected first (rngSetStream). patterns: P x width bytes (0/1), cum: P f64
 * cumulative probabilities (custom only).
 */
export function sampleMasks<T>(
  out: usize, count: i32, width: i32, family: i32, theta: f64, blockSize: i32, scale: T,
  firstMask: f64, patterns: usize, cum: usize, patternCount: i32,
): void {
  const bytes = <usize>sizeof<T>();
  const m0 = <u64>firstMask;
  const perMask = <u64>maskWords(family, width, blockSize);
  const zero = <T>0;
  if (family == MaskFamilyCode.Dropout || family == MaskFamilyCode.DropConnect || (family == MaskFamilyCode.DropBlock && blockSize == 1)) {
    // Entry u of mask i reads word (firstMask + i) * width + u: one contiguous run (DropBlock
    // with k = 1 has one word per unit too).
    bernoulliRun<T>(out, <u64>count * <u64>width, m0 * perMask, bernoulliThreshold(theta), scale);
  } else if (family == MaskFamilyCode.DropBlock) {
    // Mask i reads words (firstMask + i) * perMask + g: the masks' words are one contiguous
    // run, generated in bulk (SIMD Philox) and walked with the mask and block they belong to.
    const t = bernoulliThreshold(theta);
    const total = <u64>count * perMask;
    let i = 0, g = 0;
    let row = out;
    for (let done: u64 = 0; done < total; ) {
      const len = <i32>min<u64>(<u64>CHUNK, total - done);
      fillWords(words, m0 * perMask + done, len);
      for (let c = 0; c < len; c++) {
        const v = <u64>load<u32>(words + (<usize>c << 2)) < t ? scale : zero;
        const end = min(width, (g + 1) * blockSize);
        for (let u = g * blockSize; u < end; u++) store<T>(row + <usize>u * bytes, v);
        if (++g == <i32>perMask) {
          g = 0;
          i++;
          row += <usize>width * bytes;
        }
      }
      done += <u64>len;
    }
  } else if (family == MaskFamilyCode.ContiguousDropBlock) {
    // Word j of mask i, (firstMask + i) * width + j, seeds the window j .. j + k - 1 (mod
    // width); all masks' words in one bulk run, as for DropBlock.
    const gamma = 1.0 - Math.pow(theta, 1.0 / <f64>blockSize);
    const t = bernoulliThreshold(gamma);
    for (let u = 0; u < count * width; u++) store<T>(out + <usize>u * bytes, scale);
    const total = <u64>count * <u64>width;
    let j = 0;
    let row = out;
    for (let done: u64 = 0; done < total; ) {
      const len = <i32>min<u64>(<u64>CHUNK, total - done);
      fillWords(words, m0 * perMask + done, len);
      for (let c = 0; c < len; c++) {
        if (<u64>load<u32>(words + (<usize>c << 2)) < t)
          for (let s = 0; s < blockSize; s++) store<T>(row + <usize>((j + s) % width) * bytes, zero);
        if (++j == width) {
          j = 0;
          row += <usize>width * bytes;
        }
      }
      done += <u64>len;
    }
  } else {
    for (let i = 0; i < count; i++) {
      const row = out + <usize>i * width * bytes;
      const u = uniformAt(m0 + <u64>i);
      let p = 0;
      while (p < patternCount - 1 && u >= load<f64>(cum + (<usize>p << 3))) p++;
      const src = patterns + <usize>p * width;
      for (let x = 0; x < width; x++) store<T>(row + <usize>x * bytes, load<u8>(src + <usize>x) != 0 ? scale : zero);
    }
  }
}

export function sampleMasksF64(
  out: usize, count: i32, width: i32, family: i32, theta: f64, blockSize: i32, scale: f64,
  firstMask: f64, patterns: usize, cum: usize, patternCount: i32,
): void {
  sampleMasks<f64>(out, count, width, family, theta, blockSize, scale, firstMask, patterns, cum, patternCount);
}

export function sampleMasksF32(
  out: usize, count: i32, width: i32, family: i32, theta: f64, blockSize: i32, scale: f32,
  firstMask: f64, patterns: usize, cum: usize, patternCount: i32,
): void {
  sampleMasks<f32>(out, count, width, family, theta, blockSize, scale, firstMask, patterns, cum, patternCount);
}
