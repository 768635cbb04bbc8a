import { describe, expect, it } from "vitest";
import { Worker } from "node:worker_threads";
import {
  Stream,
  bernoulliArray,
  gaussianMatrix,
  normalArray,
  permutation,
  philox4x32,
  uniformArray,
  uniformMatrix,
  wordArray,
} from "../../shared/numerics/rng.js";

const hex = (words: Uint32Array) => Array.from(words, (w) => w.toString(16).padStart(8, "0"));

describe("Philox4x32-10", () => {
  // Known-answer vectors published with Random123 (kat_vectors), Salmon et al. SC 2011.
  it("matches the Random123 known answers", () => {
    expect(hex(philox4x32([0, 0, 0, 0], [0, 0]))).toEqual(["6627e8d5", "e169c58d", "bc57ac4c", "9b00dbd8"]);
    const ones = 0xffffffff;
    expect(hex(philox4x32([ones, ones, ones, ones], [ones, ones]))).toEqual(["408f276d", "41c83b0e", "a20bc7c6", "6d5451fd"]);
    expect(hex(philox4x32([0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344], [0xa4093822, 0x299f31d0]))).toEqual([
      "d16cfe09",
      "94fdcceb",
      "5001e420",
      "24126ea1",
    ]);
  });

  it("derives uniforms from the documented words (independent bit assembly)", () => {
    // uniform e=0 of seed 7, stream 3, substream 2 comes from words 0 and 1 of block 0.
    const words = philox4x32([0, 0, 3, 2], [7, 0]);
    const expected = ((words[0]! >>> 5) * 2 ** 26 + (words[1]! >>> 6)) / 2 ** 53;
    const expected1 = ((words[2]! >>> 5) * 2 ** 26 + (words[3]! >>> 6)) / 2 ** 53;
    expect(Array.from(uniformArray(2, 7, 3, 2))).toEqual([expected, expected1]);
    // a seed above 2^32 lands in the second key word
    const big = 5 * 2 ** 32 + 9;
    const w = philox4x32([0, 0, 3, 0], [9, 5]);
    expect(uniformArray(1, big, 3)[0]).toBe(((w[0]! >>> 5) * 2 ** 26 + (w[1]! >>> 6)) / 2 ** 53);
  });

  it("bulk SIMD words equal the scalar blocks at any offset", () => {
    const seed = 2 ** 40 + 12345,
      stream = 5,
      substream = 7;
    for (const [offset, count] of [
      [0, 64],
      [3, 50],
      [13, 17],
      [2 ** 34 - 6, 40],
    ] as const) {
      const words = wordArray(count, seed, stream, substream, offset);
      for (let i = 0; i < count; i++) {
        const e = offset + i;
        const block = Math.floor(e / 4);
        const expected = philox4x32([block % 2 ** 32, Math.floor(block / 2 ** 32), stream, substream], [12345, 256]);
        expect(words[i], `word ${e}`).toBe(expected[e % 4]);
      }
    }
  });
});

describe("streams", () => {
  it("is reproducible and independent of chunking and call order", () => {
    const whole = normalArray(1000, 42, Stream.data);
    const chunks = [normalArray(333, 42, Stream.data, 0, 0), normalArray(667, 42, Stream.data, 0, 333)];
    expect(Float64Array.from([...chunks[0]!, ...chunks[1]!])).toEqual(whole);
    uniformArray(5000, 42, Stream.init); // drawing from another purpose must not shift this one
    expect(normalArray(1000, 42, Stream.data)).toEqual(whole);
  });

  it("separates seeds, streams and substreams", () => {
    const a = uniformArray(64, 1, Stream.data);
    for (const other of [uniformArray(64, 2, Stream.data), uniformArray(64, 1, Stream.init), uniformArray(64, 1, Stream.data, 1)])
      expect(other).not.toEqual(a);
  });

  it("gives bit-identical draws in two worker threads", async () => {
    const source = `
      const { parentPort } = require("node:worker_threads");
      import("tsx/esm/api").then(({ register }) => {
        register();
        return import(${JSON.stringify(new URL("../../shared/numerics/rng.ts", import.meta.url).href)});
      }).then((rng) => {
        const n = rng.normalArray(2000, 20261101, rng.Stream.data, 3);
        const p = rng.permutation(500, 9, rng.Stream.order, 1);
        parentPort.postMessage({ n: Array.from(n), p: Array.from(p) });
      });`;
    const run = () =>
      new Promise<{ n: number[]; p: number[] }>((resolve, reject) => {
        const worker = new Worker(source, { eval: true });
        worker.once("message", (m) => {
          resolve(m);
          void worker.terminate();
        });
        worker.once("error", reject);
      });
    const [a, b] = await Promise.all([run(), run()]);
    const here = { n: Array.from(normalArray(2000, 20261101, Stream.data, 3)), p: Array.from(permutation(500, 9, Stream.order, 1)) };
    const bits = (xs: number[]) => Array.from(new Uint32Array(Float64Array.from(xs).buffer));
    expect(bits(a.n)).toEqual(bits(here.n));
    expect(bits(b.n)).toEqual(bits(here.n));
    expect(a.p).toEqual(here.p);
    expect(b.p).toEqual(here.p);
  });
});

describe("distributions", () => {
  const n = 200_000;
  it("uniform: mean 1/2, variance 1/12, range [0, 1)", () => {
    const u = uniformArray(n, 11, Stream.data);
    let s = 0,
      s2 = 0,
      lo = 1,
      hi = 0;
    for (const x of u) {
      s += x;
      s2 += x * x;
      lo = Math.min(lo, x);
      hi = Math.max(hi, x);
    }
    const mean = s / n;
    expect(Math.abs(mean - 0.5)).toBeLessThan(4 * Math.sqrt(1 / 12 / n));
    expect(Math.abs(s2 / n - mean * mean - 1 / 12)).toBeLessThan(4 * Math.sqrt(1 / 180 / n));
    expect(lo).toBeGreaterThanOrEqual(0);
    expect(hi).toBeLessThan(1);
  });

  it("normal: moments and tail mass of N(0, 1)", () => {
    const z = normalArray(n, 12, Stream.data);
    let s = 0,
      s2 = 0,
      s4 = 0,
      tail = 0;
    for (const x of z) {
      s += x;
      s2 += x * x;
      s4 += x ** 4;
      if (Math.abs(x) > 1.959963984540054) tail++;
    }
    expect(Math.abs(s / n)).toBeLessThan(4 / Math.sqrt(n));
    expect(Math.abs(s2 / n - 1)).toBeLessThan(4 * Math.sqrt(2 / n));
    expect(Math.abs(s4 / n - 3)).toBeLessThan(4 * Math.sqrt(96 / n));
    expect(Math.abs(tail / n - 0.05)).toBeLessThan(4 * Math.sqrt((0.05 * 0.95) / n));
  });

  it("normal pairs are uncorrelated (even/odd elements share a block)", () => {
    const z = normalArray(n, 13, Stream.data);
    let c = 0;
    for (let i = 0; i < n; i += 2) c += z[i]! * z[i + 1]!;
    expect(Math.abs(c / (n / 2))).toBeLessThan(4 / Math.sqrt(n / 2));
  });

  it("bernoulli: rate p, and the edge cases p = 0 and p = 1", () => {
    for (const p of [0.1, 0.5, 0.9]) {
      const b = bernoulliArray(n, p, 14, Stream.mask);
      const rate = b.reduce((s, x) => s + x, 0) / n;
      expect(Math.abs(rate - p)).toBeLessThan(4 * Math.sqrt((p * (1 - p)) / n));
    }
    expect(bernoulliArray(1000, 0, 1, 1).every((x) => x === 0)).toBe(true);
    expect(bernoulliArray(1000, 1, 1, 1).every((x) => x === 1)).toBe(true);
  });

  it("permutation: a permutation, each position uniform", () => {
    const size = 5;
    const reps = 20_000;
    const counts = Array.from({ length: size }, () => new Array<number>(size).fill(0));
    for (let r = 0; r < reps; r++) {
      const p = permutation(size, 15, Stream.order, r);
      expect([...p].sort()).toEqual([0, 1, 2, 3, 4]);
      p.forEach((v, pos) => counts[pos]![v]!++);
    }
    const sd = Math.sqrt(reps * (1 / size) * (1 - 1 / size));
    for (const row of counts) for (const c of row) expect(Math.abs(c - reps / size)).toBeLessThan(4.5 * sd);
  });

  it("permutation: Fisher-Yates on the documented uniforms (step i uses uniform n - 1 - i)", () => {
    for (const n of [1, 2, 10, 40, 1500]) {
      const u = uniformArray(Math.max(0, n - 1), 31, Stream.order, 7);
      const expected = Array.from({ length: n }, (_, i) => i);
      for (let i = n - 1; i > 0; i--) {
        const j = Math.floor(u[n - 1 - i]! * (i + 1));
        [expected[i], expected[j]] = [expected[j]!, expected[i]!];
      }
      expect(Array.from(permutation(n, 31, Stream.order, 7))).toEqual(expected);
    }
  });

  it("matrices are filled row by row from the same sequence", () => {
    const g = gaussianMatrix(3, 4, 5, Stream.init, 0, 0.5);
    const z = normalArray(12, 5, Stream.init);
    expect(Array.from(g.data)).toEqual(Array.from(z, (x) => x * 0.5));
    const u = uniformMatrix(2, 3, 5, Stream.data, 0, -1, 1);
    expect(u.data.every((x) => x >= -1 && x < 1)).toBe(true);
  });

  it("rejects bad seeds and streams", () => {
    expect(() => uniformArray(1, -1, 0)).toThrow(/seed/);
    expect(() => uniformArray(1, 1.5, 0)).toThrow(/seed/);
    expect(() => uniformArray(1, 1, 2 ** 32)).toThrow(/stream/);
    expect(() => bernoulliArray(1, 1.5, 1, 1)).toThrow(/p must/);
  });
});
