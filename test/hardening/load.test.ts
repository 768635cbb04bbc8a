// Load: planning, running and aggregating large sweeps stays correct (and, with
// DROPSWEEP_LOAD=1, at full scale: plan 100,000 cells, run and aggregate 10,000, aggregate large
// results with bounded memory). Timings are printed, never asserted; docs/BENCHMARKS.md keeps
// the numbers (`npx tsx --expose-gc bench/load.ts`).
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { heavyResults, kernelVersion, measureAggregate, measurePlan, noopSpec, runNoopSweep } from "../../bench/load.js";
import { keys, type ManifestItem } from "../../shared/pipeline/contract.js";
import { parseJsonLines } from "../../shared/pipeline/log.js";
import { plan, submitSpec } from "../../shared/pipeline/plan.js";
import { runWorker } from "../../shared/pipeline/worker.js";
import { verifyCellDocument } from "../../shared/spec/hash.js";
import { FileStore } from "../../shared/store/fs.js";
import { projectRoot } from "./helpers.js";

const full = process.env.DROPSWEEP_LOAD === "1";
const root = mkdtempSync(join(tmpdir(), "dropsweep-load-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const decode = (bytes: Uint8Array | undefined) => new TextDecoder().decode(bytes);

describe("planning a large sweep", () => {
  const cells = full ? 100_000 : 5_000;
  it(`${cells} cells: every definition stored and verified, the manifest complete and in grid order`, async () => {
    const store = new FileStore(join(root, "plan"));
    const measured = await measurePlan(store, cells);
    console.log(`plan ${cells} cells: parse ${measured.parseMs} ms, plan ${measured.planMs} ms, again ${measured.replanMs} ms`);
    const { result } = measured;
    expect(result).toMatchObject({ total: cells, cached: 0, pending: cells });
    const manifest = parseJsonLines<ManifestItem>(decode(await store.get(keys.manifest(result.sweepId))), "manifest");
    const listed = parseJsonLines<ManifestItem>(decode(await store.get(keys.cells(result.sweepId))), "cells");
    expect(manifest).toEqual(listed);
    expect(new Set(manifest.map((m) => m.hash)).size).toBe(cells);
    for (const { hash } of manifest) expect(typeof verifyCellDocument(hash, (await store.get(keys.cell(hash)))!), hash).toBe("object");
  });
});

describe("aggregating many results", () => {
  const cells = full ? 10_000 : 1_000;
  it(`${cells} results: every row present once, and a re-plan finds them all cached from their bytes`, async () => {
    const store = new FileStore(join(root, "aggregate"));
    const { event, sweep } = await submitSpec(store, noopSpec("aggregate-load", cells), { kernelVersion });
    await plan(store, event, { kernelVersion });
    const items = sweep.cells.map((c) => ({ hash: c.hash }));
    for (let i = 0; i < items.length; i += 500) await runWorker(store, { Items: items.slice(i, i + 500), BatchInput: { sweepId: sweep.sweepId } }, { kernelVersion });
    const measured = await measureAggregate(store, sweep.sweepId, 1_000_000);
    console.log(`aggregate + report of ${cells} results: ${measured.ms} ms`);
    expect(measured.failed).toBe(0);
    const summary = JSON.parse(decode(await store.get(keys.report(sweep.sweepId, "summary.json")))) as { rows: { hash: string; status: string }[] };
    expect(summary.rows.map((r) => r.hash)).toEqual(items.map((i) => i.hash));
    expect(new Set(summary.rows.map((r) => r.status))).toEqual(new Set(["computed"]));
    const again = await plan(store, event, { kernelVersion });
    expect(again).toMatchObject({ total: cells, cached: cells, pending: 0 });
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
    const child = spawnSync(process.execPath, ["--expose-gc", "--import", "tsx", "--input-type=module", "-e", script], { cwd: projectRoot, encoding: "utf8", timeout: 900_000 });
    expect(child.status, child.stderr).toBe(0);
    const m = JSON.parse(child.stdout.trim().split("\n").at(-1)!) as { ms: number; peakLiveHeapMB: number; baseLiveHeapMB: number; failed: number };
    console.log("heavy aggregate", m);
    expect(m.failed).toBe(0);
    // 300 curves of 50,000 doubles are 114 MB as arrays (and ~280 MB of JSON): held, they would show.
    expect(m.peakLiveHeapMB - m.baseLiveHeapMB).toBeLessThan(40);
  }, 900_000);
});

void heavyResults;
