// Reduce and Aggregate at scale (ARCHITECTURE.md "Reduce"): the sweep is cut into slices, a
// Reduce per slice writes a checksummed partial, Aggregate merges the partials and reads no cell
// result but the few the report draws whole. The summary and report must be what reading every
// result gives, whichever way the results came about, and a damaged partial is rebuilt, never used.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { evaluateClaims } from "../../shared/claims/list.js";
import { aggregate } from "../../shared/pipeline/aggregate.js";
import { reduce } from "../../shared/pipeline/reduce.js";
import { decodePartial, encodePartial } from "../../shared/pipeline/partial.js";
import { plan, readManifest, submitSpec } from "../../shared/pipeline/plan.js";
import { readSlices, readSliceRows, sliceSweep, writeSlices } from "../../shared/pipeline/slices.js";
import { runWorker } from "../../shared/pipeline/worker.js";
import { reportForAggregate } from "../../shared/report/aggregate.js";
import { loadResults } from "../../shared/report/load.js";
import { defaultLimits } from "../../shared/report/limits.js";
import { writeReport } from "../../shared/report/write.js";
import { parseSummary, type Summary } from "../../shared/results/summary.js";
import { writeCellError, writeResult } from "../../shared/results/result.js";
import { FileStore } from "../../shared/store/fs.js";
import { keys } from "../../shared/store/layout.js";
import type { Store } from "../../shared/store/store.js";
import { evidenceOf, fixtureSweep, largeSweep, MemoryStore } from "../report/fixtures.js";

const root = mkdtempSync(join(tmpdir(), "dropsweep-reduce-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const decode = (bytes: Uint8Array | undefined) => new TextDecoder().decode(bytes);
const sweepId = "5".repeat(64);

/** Counts reads by kind of key, to show what a step touched. */
function counting(inner: Store) {
  const reads = { results: new Set<string>(), partials: 0, rows: 0 };
  const store: Store = {
    url: inner.url,
    get: (key) => {
      if (key.endsWith("/result.json")) reads.results.add(key);
      if (key.startsWith("partials/")) reads.partials++;
      return inner.get(key);
    },
    getRange: (key, offset, length) => {
      if (key === keys.rows(sweepId)) reads.rows++;
      return inner.getRange(key, offset, length);
    },
    put: (key, body, options) => inner.put(key, body, options),
    exists: (key) => inner.exists(key),
    list: (prefix) => inner.list(prefix),
    delete: (key) => inner.delete(key),
  };
  return { store, reads };
}

/**
 * A store holding a fixture sweep as Plan, the Workers and (with `reduced`) the Reduce map leave
 * it, its cells cut into slices of `cellsPerSlice`.
 */
async function slicedStore(sweep: ReturnType<typeof fixtureSweep>, cellsPerSlice: number, reduced: boolean) {
  const store = new MemoryStore();
  const pending = new Set(sweep.summary.rows.filter((r) => r.status !== "cached").map((r) => r.hash));
  await writeSlices(store, sweepId, sweep.summary.rows, pending, cellsPerSlice);
  for (const result of sweep.results) await writeResult(store, result);
  for (const error of sweep.errors) await writeCellError(store, error);
  if (reduced) for (const item of (await readSlices(store, sweepId))!) await reduce(store, item);
  return store;
}

const reportFiles = (store: MemoryStore) => [...store.objects.keys()].filter((k) => k.startsWith(keys.report(sweepId, ""))).sort();
const filesOf = (store: MemoryStore) => Object.fromEntries(reportFiles(store).map((k) => [k, store.text(k)]));

describe("slices", () => {
  it("cut the sweep's cells in grid order, each slice's rows verifiable by its SHA-256", async () => {
    const cells = Array.from({ length: 7 }, (_, i) => ({ hash: i.toString(16).repeat(64), parameters: { seed: i, "a.b": [i] } }));
    const { rows, items } = sliceSweep(sweepId, cells, new Set([cells[2]!.hash]), 3);
    expect(items.map((i) => [i.slice, i.first, i.cells])).toEqual([
      [0, 0, 3],
      [1, 3, 3],
      [2, 6, 1],
    ]);
    const store = new MemoryStore();
    await store.put(keys.rows(sweepId), rows);
    const read = await Promise.all(items.map((item) => readSliceRows(store, item)));
    expect(read.flat()).toEqual(cells.map((c, i) => ({ ...c, pending: i === 2 })));
    // Bytes that are not the slice's are refused with what to do.
    const edited = rows.slice();
    const at = items[1]!.rows.offset + 10;
    edited[at] = edited[at]! ^ 1;
    await store.put(keys.rows(sweepId), edited);
    await expect(readSliceRows(store, items[1]!)).rejects.toThrow(/slice 1.*not the bytes the slice names.*plan the sweep again/);
    await expect(readSliceRows(store, items[0]!)).resolves.toHaveLength(3);
  });
});

describe("Aggregate over the slices' partials", () => {
  const sweep = fixtureSweep();

  it("writes the summary every result gives: its rows and the claims evaluated once on all the evidence", async () => {
    const store = await slicedStore(sweep, 4, true);
    await aggregate(store, { sweepId });
    const summary = parseSummary(store.text(keys.report(sweepId, "summary.json"))!, "summary");
    // The fixture's own rows, and the claims evaluated on every result at once (not per slice).
    expect(summary.rows).toEqual(sweep.summary.rows);
    expect(summary.cells).toEqual(sweep.summary.cells);
    expect(summary.claims).toEqual(evaluateClaims(sweep.results.map((r) => evidenceOf(r))));
  });

  it("writes the same summary and report bytes as reducing every result itself, reading only the results it draws", async () => {
    const viaPartials = await slicedStore(sweep, 4, true);
    const counted = counting(viaPartials);
    await aggregate(counted.store, { sweepId }, { report: reportForAggregate });
    const itself = await slicedStore(sweep, 4, false);
    await aggregate(itself, { sweepId }, { report: reportForAggregate });
    expect(reportFiles(viaPartials).length).toBeGreaterThan(5);
    expect(filesOf(viaPartials)).toEqual(filesOf(itself));
    // One read of each partial, none of the rows; of the results only those the report draws
    // whole (a representative per drawn configuration, claim 7's pair: here most of them).
    const slices = (await readSlices(viaPartials, sweepId))!.length;
    expect(slices).toBe(Math.ceil(sweep.summary.rows.length / 4));
    expect(counted.reads.partials).toBe(slices);
    expect(counted.reads.rows).toBe(0);
    expect(counted.reads.results.size).toBeGreaterThan(0);
  });

  it("draws the same report as `dropsweep report` does from every full result", async () => {
    const store = await slicedStore(sweep, 4, true);
    await aggregate(store, { sweepId }, { report: reportForAggregate });
    const aggregated = filesOf(store);
    // The report command's path: every result streamed whole, the representatives kept from the stream.
    const stored = parseSummary(store.text(keys.report(sweepId, "summary.json"))!, "summary");
    const unreadable = new Map<string, string>();
    await writeReport(store, sweepId, stored, loadResults(store, stored, unreadable), { unreadable });
    expect(filesOf(store)).toEqual(aggregated);
  });

  it("reads a bounded number of results for a large sweep: one per drawn configuration", async () => {
    const large = largeSweep(20, 10);
    const store = await slicedStore({ ...large, errors: [] }, 50, true);
    const counted = counting(store);
    await aggregate(counted.store, { sweepId }, { report: reportForAggregate });
    expect(counted.reads.partials).toBe(4);
    expect(counted.reads.results.size).toBeLessThanOrEqual(defaultLimits.configurations);
    expect(counted.reads.results.size).toBeGreaterThan(0);
    const summary = parseSummary(store.text(keys.report(sweepId, "summary.json"))!, "summary");
    expect(summary.rows.map((r) => r.hash)).toEqual(large.summary.rows.map((r) => r.hash));
    expect(summary.report!.plots.length).toBeGreaterThan(0);
  });
});

describe("a partial that cannot be trusted", () => {
  const sweep = fixtureSweep();

  it("is detected on read: damaged, truncated, of another plan or slice, or of another format", async () => {
    const store = await slicedStore(sweep, 4, false);
    const [item, other] = (await readSlices(store, sweepId))!;
    const rows = await readSliceRows(store, item!);
    const { reduceRows } = await import("../../shared/pipeline/reduce.js");
    const bytes = encodePartial(item!, await reduceRows(store, rows));
    expect(Array.isArray(decodePartial(item!, bytes))).toBe(true);
    const flipped = bytes.slice();
    flipped[bytes.length - 20] = flipped[bytes.length - 20]! ^ 1;
    expect(decodePartial(item!, flipped)).toEqual({ damaged: "SHA-256 does not match the contents" });
    expect(decodePartial(item!, bytes.subarray(0, bytes.length - 30))).toEqual({ damaged: "SHA-256 does not match the contents" });
    expect(decodePartial(item!, bytes.subarray(0, 12))).toMatchObject({ damaged: expect.stringMatching(/^no header line|^header/) });
    expect(decodePartial(other!, bytes)).toMatchObject({ damaged: expect.stringMatching(/^holds slice 0/) });
    expect(decodePartial({ ...item!, rows: { ...item!.rows, sha256: "0".repeat(64) } }, bytes)).toEqual({
      damaged: "made from other rows (another plan of the sweep)",
    });
    const text = decode(bytes).replace('"dropsweep.partial/1"', '"dropsweep.partial/0"');
    expect(decodePartial(item!, new TextEncoder().encode(text))).toMatchObject({ damaged: expect.stringMatching(/^format/) });
  });

  it("is rebuilt from its slice's results by Aggregate, with a warning, and the summary is unchanged", async () => {
    const clean = await slicedStore(sweep, 4, true);
    await aggregate(clean, { sweepId });
    const damaged = await slicedStore(sweep, 4, true);
    // Slice 1's partial with a byte flipped (a record's metric changed), slice 2's gone.
    const key = keys.partial(sweepId, 1);
    const text = damaged.text(key)!;
    await damaged.put(
      key,
      text.replace(/"objectiveGap":(\d)/, (_m, d) => `"objectiveGap":${(Number(d) + 1) % 10}`),
    );
    await damaged.delete(keys.partial(sweepId, 2));
    const warnings: unknown[] = [];
    const log = { info() {}, warn: (message: string, details?: Record<string, unknown>) => warnings.push({ message, ...details }) };
    await aggregate(damaged, { sweepId }, { log });
    expect(damaged.text(keys.report(sweepId, "summary.json"))).toBe(clean.text(keys.report(sweepId, "summary.json")));
    expect(warnings).toEqual([
      {
        message: "partial is damaged; rebuilt from the slice's results",
        sweepId,
        slice: 1,
        damaged: "SHA-256 does not match the contents",
      },
    ]);
  });
});

describe("the same summary and plots however the results came about", () => {
  // sweeps/smoke.yaml: noop, DropBlock / Dropout / contiguous DropBlock and DropConnect cells,
  // three to a slice.
  const smoke = readFileSync(new URL("../../sweeps/smoke.yaml", import.meta.url), "utf8");
  const options = { cellsPerSlice: 3 };

  /** Plan, compute what is pending, reduce every slice, aggregate: the state machine's steps. */
  async function run(store: Store): Promise<{ summary: Summary; plots: Record<string, string> }> {
    const { event } = await submitSpec(store, smoke);
    const planned = await plan(store, event, options);
    const items = await readManifest(store, planned.sweepId);
    if (items.length > 0) await runWorker(store, { Items: items, BatchInput: { sweepId: planned.sweepId } });
    for (const item of (await readSlices(store, planned.sweepId))!) await reduce(store, item);
    await aggregate(store, { sweepId: planned.sweepId }, { report: reportForAggregate });
    const summary = parseSummary(decode(await store.get(keys.report(planned.sweepId, "summary.json"))), "summary");
    const plots: Record<string, string> = {};
    for await (const key of store.list(keys.report(planned.sweepId, "plots/"))) plots[key] = decode(await store.get(key));
    return { summary, plots };
  }
  /** The summary without what says how a result came about (computed now or cached). */
  const comparable = ({ summary, plots }: { summary: Summary; plots: Record<string, string> }) => ({
    claims: summary.claims,
    rows: summary.rows.map((r) => ({ ...r, status: r.status === "cached" ? "computed" : r.status })),
    total: summary.cells.total,
    failed: summary.cells.failed,
    plots,
  });

  it("fresh, fully cached, partly cached and after a corrupt result is recomputed", async () => {
    const store = new FileStore(join(root, "smoke"));
    const fresh = await run(store);
    expect(fresh.summary.cells).toMatchObject({ total: 8, computed: 8, cached: 0, failed: 0 });
    expect(Object.keys(fresh.plots).length).toBeGreaterThan(3);

    const cached = await run(store);
    expect(cached.summary.cells).toMatchObject({ computed: 0, cached: 8 });
    expect(comparable(cached)).toEqual(comparable(fresh));

    // Two results gone (computed again), one made corrupt (found by Plan, computed again).
    const [a, b, c] = fresh.summary.rows.filter((r) => r.parameters.section !== "overhead").map((r) => r.hash);
    await store.delete(keys.result(a!));
    await store.delete(keys.result(b!));
    const corrupt = decode(await store.get(keys.result(c!))).replace(
      /"sha256":"(.)/,
      (_m, d: string) => `"sha256":"${d === "0" ? "1" : "0"}`,
    );
    await store.put(keys.result(c!), corrupt);
    const partly = await run(store);
    expect(partly.summary.cells).toMatchObject({ computed: 3, cached: 5, failed: 0 });
    expect(comparable(partly)).toEqual(comparable(fresh));
  }, 120_000);
});
