import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { keys } from "../../shared/store/layout.js";
import { emptyMetrics } from "../../shared/results/metrics.js";
import { RESULT_FORMAT, openResult, readResult, sealResult, writeResult, type CellResult } from "../../shared/results/result.js";
import { cellHash } from "../../shared/spec/hash.js";
import { canonicalJson, sha256Hex } from "../../shared/spec/canonical.js";
import { FileStore } from "../../shared/store/fs.js";

const cell = { experiment: "noop" as const, seed: 3, work: { iterations: 10, fail: false } };
const hash = cellHash(cell, 1);
const result: CellResult = {
  format: RESULT_FORMAT,
  hash,
  kernelVersion: 1,
  cell,
  status: "ok",
  metrics: { ...emptyMetrics(), objectiveGap: 1.25e-7, learnedRank: 3 },
  spectra: { learned: [3, 2.5, 0.1], closedForm: [3, 2.5, 0] },
  curves: { objective: [10, 5, 2.5] },
};
const encoder = new TextEncoder();
const root = mkdtempSync(join(tmpdir(), "dropsweep-results-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe("result envelope", () => {
  it("reads back what was sealed", () => {
    const read = openResult(hash, encoder.encode(sealResult(result)));
    expect(read).toEqual({ state: "valid", result });
  });

  it("seals equal results to equal bytes, whatever the key order", () => {
    const reverseKeys = (v: unknown): unknown =>
      v && typeof v === "object" && !Array.isArray(v)
        ? Object.fromEntries(
            Object.entries(v)
              .reverse()
              .map(([k, x]) => [k, reverseKeys(x)]),
          )
        : v;
    const reordered = reverseKeys(result) as CellResult;
    expect(Object.keys(reordered)[0]).toBe("curves");
    expect(sealResult(reordered)).toBe(sealResult(result));
  });

  it("detects a changed digit, a truncation at any length, and a result filed under the wrong cell", () => {
    const text = sealResult(result);
    const flipped = text.replace("1.25e-7", "1.26e-7");
    expect(flipped).not.toBe(text);
    expect(openResult(hash, encoder.encode(flipped))).toMatchObject({ state: "corrupt", reason: expect.stringMatching(/SHA-256/) });
    for (let length = 0; length < text.length; length += 7)
      expect(openResult(hash, encoder.encode(text.slice(0, length))).state).toBe("corrupt");
    expect(openResult("0".repeat(64), encoder.encode(text))).toMatchObject({
      state: "corrupt",
      reason: expect.stringMatching(/holds the result of cell/),
    });
    expect(openResult(hash, Uint8Array.of(0xff, 0xfe, 0x7b))).toMatchObject({ state: "corrupt" });
    expect(openResult(hash, encoder.encode('{"sha256": 1}'))).toMatchObject({ state: "corrupt", reason: "not a result envelope" });
  });

  it("seals to the canonical JSON of the envelope {sha256, result}", () => {
    const body = canonicalJson(result);
    expect(sealResult(result)).toBe(canonicalJson({ sha256: sha256Hex(body), result }));
  });

  it("refuses to seal numbers JSON cannot carry", () => {
    expect(() => sealResult({ ...result, metrics: { ...result.metrics, objectiveGap: NaN } })).toThrow(/non-finite/);
  });

  it("writes atomically through the store, timings apart, and reports missing and corrupt objects", async () => {
    const store = new FileStore(join(root, "store"));
    expect(await readResult(store, hash)).toEqual({ state: "missing" });
    await writeResult(store, result, { hash, startedAt: "2026-01-01T00:00:00.000Z", computeMs: 12 });
    expect(await readResult(store, hash)).toEqual({ state: "valid", result });
    const first = await store.get(keys.result(hash));
    await writeResult(store, result, { hash, startedAt: "2027-01-01T00:00:00.000Z", computeMs: 99 });
    expect(await store.get(keys.result(hash))).toEqual(first);
    expect(JSON.parse(new TextDecoder().decode(await store.get(keys.timings(hash))))).toMatchObject({ computeMs: 99 });
    await store.put(keys.result(hash), first!.subarray(0, first!.byteLength - 1));
    expect((await readResult(store, hash)).state).toBe("corrupt");
  });
});
