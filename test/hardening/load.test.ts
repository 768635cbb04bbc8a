// Load: planning, running, reducing and aggregating large sweeps stays correct (and, with
// DROPSWEEP_LOAD=1, at full scale: plan 100,000 cells, run and aggregate 10,000, aggregate large
// results with bounded memory). Timings are printed, never asserted; docs/BENCHMARKS.md keeps
// the numbers (`npx tsx --expose-gc bench/load.ts`, and on S3 at 100,000 cells `bench/scale.ts`).
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { S3Client } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { heavyResults, kernelVersion, measureAggregate, measurePlan, noopSpec, runNoopSweep } from "../../bench/load.js";
import { type CellReference } from "../../shared/pipeline/contract.js";
import { DEFINITIONS_PER_BUNDLE, keys } from "../../shared/store/layout.js";
import { parseJsonLines } from "../../shared/jsonLines.js";
import { plan, readManifest, submitSpec } from "../../shared/pipeline/plan.js";
import { runWorker } from "../../shared/pipeline/worker.js";
import { verifyCellDocument } from "../../shared/spec/hash.js";
import { FileStore } from "../../shared/store/fs.js";
import { S3Store, s3ClientConfig } from "../../shared/store/s3.js";
import type { Store } from "../../shared/store/store.js";
import { startS3rver, type LocalS3 } from "../store/s3rver.js";
import { projectRoot } from "./helpers.js";

const full = process.env.DROPSWEEP_LOAD === "1";
const root = mkdtempSync(join(tmpdir(), "dropsweep-load-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const decode = (bytes: Uint8Array | undefined) => new TextDecoder().decode(bytes);

describe("planning a large sweep", () => {
  const cells = full ? 100_000 : 5_000;
  it(`${cells} cells: every definition stored in a few bundles and verified, the manifest complete and in grid order`, async () => {
    const store = new FileStore(join(root, "plan"));
    const measured = await measurePlan(store, cells);
    console.log(`plan ${cells} cells: parse ${measured.parseMs} ms, plan ${measured.planMs} ms, again ${measured.replanMs} ms`);
    const { result } = measured;
    expect(result).toMatchObject({ total: cells, cached: 0, pending: cells });
    const manifest = await readManifest(store, result.sweepId);
    const listed = parseJsonLines<CellReference>(decode(await store.get(keys.cells(result.sweepId))), "cells");
    expect(manifest.map((m) => ({ hash: m.hash }))).toEqual(listed);
    expect(new Set(manifest.map((m) => m.hash)).size).toBe(cells);
    const bundles = new Map<string, Uint8Array>();
    for (const bundle of new Set(manifest.map((m) => m.definition.bundle)))
      bundles.set(bundle, (await store.get(keys.definitions(bundle)))!);
    expect(bundles.size).toBe(Math.ceil(cells / DEFINITIONS_PER_BUNDLE));
    for (const { hash, definition } of manifest) {
      const bytes = bundles.get(definition.bundle)!.subarray(definition.offset, definition.offset + definition.length);
      expect(typeof verifyCellDocument(hash, bytes), hash).toBe("object");
    }

    // Cells computed in the second stretch of the grid change its bundle only; the others keep
    // theirs (same name, same offsets), so a re-plan writes no new objects for them.
    const stretch = (i: number) => Math.floor(i / DEFINITIONS_PER_BUNDLE);
    await runWorker(
      store,
      { Items: manifest.slice(DEFINITIONS_PER_BUNDLE, DEFINITIONS_PER_BUNDLE + 10), BatchInput: { sweepId: result.sweepId } },
      { kernelVersion },
    );
    await plan(store, { specKey: keys.spec(result.sweepId) }, { kernelVersion });
    const again = await readManifest(store, result.sweepId);
    expect(again.map((m) => m.hash)).toEqual(
      manifest.filter((_, i) => i < DEFINITIONS_PER_BUNDLE || i >= DEFINITIONS_PER_BUNDLE + 10).map((m) => m.hash),
    );
    const before = new Map(manifest.map((m, i) => [m.hash, { ...m.definition, stretch: stretch(i) }]));
    for (const { hash, definition } of again) {
      const old = before.get(hash)!;
      if (old.stretch === 1) expect(definition.bundle, hash).not.toBe(old.bundle);
      else expect(definition, hash).toEqual({ bundle: old.bundle, offset: old.offset, length: old.length });
    }
  });
});

describe("aggregating many results", () => {
  const cells = full ? 10_000 : 1_000;
  it(`${cells} results: every row present once, and a re-plan finds them all cached from their bytes`, async () => {
    const store = new FileStore(join(root, "aggregate"));
    const { event, sweep } = await submitSpec(store, noopSpec("aggregate-load", cells), { kernelVersion });
    await plan(store, event, { kernelVersion });
    const items = await readManifest(store, sweep.sweepId);
    for (let i = 0; i < items.length; i += 500)
      await runWorker(store, { Items: items.slice(i, i + 500), BatchInput: { sweepId: sweep.sweepId } }, { kernelVersion });
    const measured = await measureAggregate(store, sweep.sweepId, 1_000_000);
    console.log(`reduce + aggregate + report of ${cells} results: ${measured.reduceMs} + ${measured.aggregateMs} ms`);
    expect(measured.failed).toBe(0);
    const summary = JSON.parse(decode(await store.get(keys.report(sweep.sweepId, "summary.json")))) as {
      rows: { hash: string; status: string }[];
    };
    expect(summary.rows.map((r) => r.hash)).toEqual(items.map((i) => i.hash));
    expect(new Set(summary.rows.map((r) => r.status))).toEqual(new Set(["computed"]));
    const again = await plan(store, event, { kernelVersion });
    expect(again).toMatchObject({ total: cells, cached: cells, pending: 0 });
  });
});

describe("planning on S3 from one listing of cells/", () => {
  let s3: LocalS3;
  beforeAll(async () => {
    s3 = await startS3rver();
  });
  afterAll(() => s3?.close());

  /** The S3 store, counting reads of results and of definitions bundles. */
  function counted(prefix: string) {
    const inner = new S3Store(s3.bucket, prefix, {
      client: new S3Client(s3ClientConfig({ endpoint: s3.endpoint, credentials: s3.credentials })),
    });
    const reads = { results: 0, definitions: 0, ranges: 0 };
    const store: Store = {
      url: inner.url,
      get: (key) => {
        if (key.endsWith("/result.json")) reads.results++;
        if (key.startsWith("definitions/")) reads.definitions++;
        return inner.get(key);
      },
      getRange: (key, offset, length) => {
        if (key.startsWith("definitions/")) reads.ranges++;
        return inner.getRange(key, offset, length);
      },
      put: (key, body, options) => inner.put(key, body, options),
      exists: (key) => inner.exists(key),
      list: (p) => inner.list(p),
      listObjects: (p) => inner.listObjects(p),
      delete: (key) => inner.delete(key),
    };
    return { store, reads };
  }

  it("reads no key of a cell without a listed result, still verifies every stored result, and workers read definitions by range", async () => {
    // 120 cells: every listing of cells/<hex digit> stays below s3rver's 1,000-key page.
    const { store, reads } = counted("listing");
    const { event, sweep } = await submitSpec(store, noopSpec("s3-listing", 120), { kernelVersion });
    const fresh = await plan(store, event, { kernelVersion, listFromCells: 1 });
    expect(fresh).toMatchObject({ total: 120, cached: 0, pending: 120 });
    expect(reads).toEqual({ results: 0, definitions: 0, ranges: 0 });

    // Eleven results computed from S3 range reads of the bundle, then one of them made corrupt.
    const hashes = sweep.cells.map((c) => c.hash);
    const items = await readManifest(store, sweep.sweepId);
    const done = await runWorker(store, { Items: items.slice(0, 11), BatchInput: { sweepId: sweep.sweepId } }, { kernelVersion });
    expect(done).toMatchObject({ computed: hashes.slice(0, 11), failed: [] });
    expect(reads).toMatchObject({ definitions: 0, ranges: 11 });
    const corrupt = decode(await store.get(keys.result(hashes[10]!))).replace('"noop"', '"nooq"');
    await store.put(keys.result(hashes[10]!), corrupt);
    Object.assign(reads, { results: 0, definitions: 0, ranges: 0 });

    const again = await plan(store, event, { kernelVersion, listFromCells: 1 });
    expect(again).toMatchObject({ total: 120, cached: 10, pending: 110, corrupt: 1 });
    // Only the 11 stored results are read (and verified); plan never reads definitions.
    expect(reads).toEqual({ results: 11, definitions: 0, ranges: 0 });
    const pending = (await readManifest(store, again.sweepId)).map((m) => m.hash);
    expect(pending).toEqual(hashes.slice(10));

    // Reading key by key finds the same.
    const byKey = await plan(store, event, { kernelVersion, listFromCells: Infinity });
    expect(byKey).toMatchObject({ total: 120, cached: 10, pending: 110, corrupt: 1 });
  });
});

describe.skipIf(!full)("full scale (DROPSWEEP_LOAD=1)", () => {
  it("10,000 noop cells run through the local state machine", async () => {
    const run = await runNoopSweep(join(root, "run"), 10_000);
    console.log(`run 10000 noop cells: ${run.ms} ms`, Object.fromEntries(run.run.payloadSizes));
    expect(run.run.status).toBe("SUCCEEDED");
    expect(run.run.output?.cells).toEqual({ total: 10_000, computed: 10_000, cached: 0, failed: 0 });
  }, 900_000);

  it("aggregating large results keeps the live heap far below their size (streamed)", () => {
    // A fresh process with --expose-gc, so the live heap is measured after full collections.
    const script = `
      import { heavyResults, measureAggregate } from ${JSON.stringify(join(projectRoot, "bench/load.ts"))};
      import { FileStore } from ${JSON.stringify(join(projectRoot, "shared/store/fs.ts"))};
      const store = new FileStore(${JSON.stringify(join(root, "heavy"))});
      const id = await heavyResults(store, 300, 50000);
      const m = await measureAggregate(store, id, 10);
      console.log(JSON.stringify(m));`;
    const child = spawnSync(process.execPath, ["--expose-gc", "--import", "tsx", "--input-type=module", "-e", script], {
      cwd: projectRoot,
      encoding: "utf8",
      timeout: 900_000,
    });
    expect(child.status, child.stderr).toBe(0);
    const m = JSON.parse(child.stdout.trim().split("\n").at(-1)!) as {
      ms: number;
      peakLiveHeapMB: number;
      baseLiveHeapMB: number;
      failed: number;
    };
    console.log("heavy aggregate", m);
    expect(m.failed).toBe(0);
    // 300 curves of 50,000 doubles are 114 MB as arrays (and ~280 MB of JSON): held, they would show.
    expect(m.peakLiveHeapMB - m.baseLiveHeapMB).toBeLessThan(40);
  }, 900_000);
});

void heavyResults;
