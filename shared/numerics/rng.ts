// The project's one RNG: Philox4x32-10 in wasm (wasm/assembly/rng.ts has the layout and the
// citation). Every draw is named by (seed, stream, substream, index): the seed is the cell's,
// the stream says what the numbers are for (so data generation, initialisation, minibatch
// order and masks never shift one another), the substream separates repetitions of a purpose
// (an epoch, a layer, a Monte Carlo batch), and `offset` is the index of the first element.
// Same arguments -> the same bits on every machine and in every thread.
import { engine, type Workspace } from "./engine.js";
import { type Matrix } from "./matrix.js";

/** Stream ids by purpose. Add new purposes at the end; never renumber (results would change). */
export const Stream = {
  /** Generated data X. */
  data: 1,
  /** Generated targets Y (or their factors). */
  targets: 2,
  /** Initial weights U0, V0. */
  init: 3,
  /** Minibatch order: substream = epoch. */
  order: 4,
  /** Training masks. */
  mask: 5,
  /** Monte Carlo checks of the deterministic objective. */
  monteCarlo: 6,
  /** Additive noise. */
  noise: 7,
} as const;

export type StreamId = number;

const MAX_SEED = Number.MAX_SAFE_INTEGER + 1; // 2^53
const MAX_U32 = 0x1_0000_0000; // 2^32

function checkU32(name: string, value: number): void {
  if (!Number.isInteger(value) || value < 0 || value >= MAX_U32)
    throw new RangeError(`${name} must be an integer in [0, 2^32), got ${value}`);
}

/** The Philox key of a seed: its low and high 32-bit words. */
export function seedKey(seed: number): [number, number] {
  if (!Number.isInteger(seed) || seed < 0 || seed >= MAX_SEED) throw new RangeError(`seed must be an integer in [0, 2^53), got ${seed}`);
  return [seed % MAX_U32, Math.floor(seed / MAX_U32)];
}

/** Select (seed, stream, substream) in the wasm RNG; every kernel that draws reads it. */
export function selectStream(ws: Workspace, seed: number, stream: StreamId, substream = 0): void {
  const [k0, k1] = seedKey(seed);
  checkU32("stream", stream);
  checkU32("substream", substream);
  ws.kernels.rngSetStream(k0, k1, stream, substream);
}

function checkCount(count: number, offset: number): void {
  if (!Number.isInteger(count) || count < 0) throw new RangeError(`count must be a non-negative integer, got ${count}`);
  if (!Number.isInteger(offset) || offset < 0 || offset + count > MAX_SEED)
    throw new RangeError(`offset must be a non-negative integer, got ${offset}`);
}

function drawF64(
  kernel: "rngUniform" | "rngNormal",
  count: number,
  seed: number,
  stream: StreamId,
  substream: number,
  offset: number,
): Float64Array {
  checkCount(count, offset);
  const ws = engine();
  return ws.scoped(() => {
    selectStream(ws, seed, stream, substream);
    const ptr = ws.allocF64(count);
    ws.kernels[kernel](ptr, count, offset);
    return ws.takeF64(ptr, count);
  });
}

/** Uniforms in [0, 1), 53 random bits each: elements offset .. offset + count - 1. */
export function uniformArray(count: number, seed: number, stream: StreamId, substream = 0, offset = 0): Float64Array {
  return drawF64("rngUniform", count, seed, stream, substream, offset);
}

/** Standard normals (Box-Muller with wasm-side log/sin/cos). */
export function normalArray(count: number, seed: number, stream: StreamId, substream = 0, offset = 0): Float64Array {
  return drawF64("rngNormal", count, seed, stream, substream, offset);
}

/** 0/1 draws with P(1) = floor(p 2^32) / 2^32 (p to within 2^-32). */
export function bernoulliArray(count: number, p: number, seed: number, stream: StreamId, substream = 0, offset = 0): Uint8Array {
  if (!(p >= 0 && p <= 1)) throw new RangeError(`p must be in [0, 1], got ${p}`);
  checkCount(count, offset);
  const ws = engine();
  return ws.scoped(() => {
    selectStream(ws, seed, stream, substream);
    const ptr = ws.alloc(count);
    ws.kernels.rngBernoulli(ptr, count, p, offset);
    return new Uint8Array(ws.memory.buffer, ptr, count).slice();
  });
}

/** rows x cols matrix of iid N(0, scale^2), filled row by row. */
export function gaussianMatrix(rows: number, cols: number, seed: number, stream: StreamId, substream = 0, scale = 1): Matrix {
  const data = normalArray(rows * cols, seed, stream, substream);
  if (scale !== 1) for (let i = 0; i < data.length; i++) data[i]! *= scale;
  return { rows, cols, data };
}

/** rows x cols matrix of iid uniforms on [low, high). */
export function uniformMatrix(rows: number, cols: number, seed: number, stream: StreamId, substream = 0, low = 0, high = 1): Matrix {
  const data = uniformArray(rows * cols, seed, stream, substream);
  for (let i = 0; i < data.length; i++) data[i] = low + (high - low) * data[i]!;
  return { rows, cols, data };
}

/** A uniformly random permutation of 0..n-1 (Fisher-Yates on the stream's uniforms). */
export function permutation(n: number, seed: number, stream: StreamId, substream = 0): Uint32Array {
  checkCount(n, 0);
  const ws = engine();
  return ws.scoped(() => {
    selectStream(ws, seed, stream, substream);
    const ptr = ws.alloc(n * 4);
    ws.kernels.rngPermutation(ptr, n);
    return ws.u32View(ptr, n).slice();
  });
}

/** Raw 32-bit words of a stream (word e = word e & 3 of block e >> 2), via the bulk SIMD path. */
export function wordArray(count: number, seed: number, stream: StreamId, substream = 0, offset = 0): Uint32Array {
  checkCount(count, offset);
  const ws = engine();
  return ws.scoped(() => {
    selectStream(ws, seed, stream, substream);
    const ptr = ws.alloc(count * 4);
    ws.kernels.rngWords(ptr, count, offset);
    return ws.u32View(ptr, count).slice();
  });
}

/** Raw Philox4x32-10 block for a (counter, key), as in Random123's known-answer tests. */
export function philox4x32(counter: readonly [number, number, number, number], key: readonly [number, number]): Uint32Array {
  [...counter, ...key].forEach((v, i) => checkU32(`philox word ${i}`, v));
  const ws = engine();
  return ws.scoped(() => {
    const ptr = ws.alloc(16);
    ws.kernels.rngPhilox(ptr, counter[0], counter[1], counter[2], counter[3], key[0], key[1]);
    return ws.u32View(ptr, 4).slice();
  });
}
