// End to end: a tiny noop sweep through the real handlers (functions/*.ts), the synthesized
// state machine and a directory store, then again (everything cached), then with a batch that
// fails (tolerated or not).
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runLocal } from "../../infra/local/index.js";
import { stateNames } from "../../infra/sweepStateMachine.js";
import type { LocalProgress } from "../../infra/local/progress.js";
import { type PlanEvent } from "../../shared/pipeline/contract.js";
import { keys } from "../../shared/store/layout.js";
import { submitSpec } from "../../shared/pipeline/plan.js";
import { directoryUrl, openStore } from "../../shared/store/open.js";
import type { Store } from "../../shared/store/store.js";

// 2 seeds x 3 iteration counts = 6 noop cells.
const spec = ["name: local-e2e", "experiment: noop", "seeds: [0, 1]", "grid:", "  work.iterations: [0, 10, 100]", ""].join("\n");

let dir: string;
let storeUrl: string;
let store: Store;
let event: PlanEvent;
let sweepId: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "dropsweep-local-e2e-"));
  storeUrl = directoryUrl(dir);
  store = openStore(storeUrl);
  const submitted = await submitSpec(store, spec);
  event = submitted.event;
  sweepId = submitted.sweep.sweepId;
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

async function text(key: string): Promise<string> {
  const bytes = await store.get(key);
  if (!bytes) throw new Error(`missing ${key}`);
  return new TextDecoder().decode(bytes);
}
const hashesOf = (jsonl: string) =>
  jsonl
    .split("\n")
    .filter(Boolean)
    .map((line) => (JSON.parse(line) as { hash: string }).hash);

describe("runLocal on a noop sweep", () => {
  it("computes every cell once, writes the map's result manifest and aggregates", async () => {
    const progress: LocalProgress[] = [];
    const run = await runLocal({ input: event, storeUrl, concurrency: 2, batchSize: 4, progress: (p) => progress.push(p) });
    expect(run.status).toBe("SUCCEEDED");
    expect(run.plan).toMatchObject({ sweepId, total: 6, cached: 0, pending: 6 });
    expect(run.output).toMatchObject({ sweepId, cells: { total: 6, computed: 6, cached: 0, failed: 0 }, regressions: 0 });
    expect(await store.exists(run.output!.summaryKey)).toBe(true);

    // Independently of the pipeline's counts: a result object for every cell of the sweep.
    const cells = hashesOf(await text(keys.cells(sweepId)));
    expect(cells).toHaveLength(6);
    for (const hash of cells) expect(await store.exists(keys.result(hash)), hash).toBe(true);

    // The Distributed Maps' result manifests, one per map run: the cells' (batches of 4 and 2,
    // together every cell) and the slices' (one Reduce: 6 cells are one slice).
    const manifests = new Map<string, { ResultFiles: { FAILED: unknown[]; SUCCEEDED: { Key: string }[] } }>();
    for await (const key of store.list("map-runs/"))
      if (key.endsWith("/manifest.json")) {
        const manifest = JSON.parse(await text(key));
        manifests.set(/\/(\w+):[^:]+$/.exec(manifest.MapRunArn)![1]!, manifest);
      }
    expect([...manifests.keys()].sort()).toEqual([stateNames.cells, stateNames.slices].sort());
    const outputsOf = async (map: string) => {
      const manifest = manifests.get(map)!;
      expect(manifest.ResultFiles.FAILED).toEqual([]);
      return (await text(manifest.ResultFiles.SUCCEEDED[0]!.Key))
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l));
    };
    const outputs = await outputsOf(stateNames.cells);
    expect(outputs.map((o) => o.computed.length)).toEqual([4, 2]);
    expect(outputs.flatMap((o) => o.computed).sort()).toEqual([...cells].sort());
    expect(await outputsOf(stateNames.slices)).toEqual([
      { sweepId, slice: 0, partialKey: keys.partial(sweepId, 0), usable: 6, unusable: 0 },
    ]);
    expect(await store.exists(keys.partial(sweepId, 0))).toBe(true);

    expect(progress.at(-1)).toMatchObject({ phase: "done", cellsDone: 6, cellsPending: 6, cellsFailed: 0 });
  });

  it("finds everything cached the second time and skips the map", async () => {
    const run = await runLocal({ input: event, storeUrl, concurrency: 1 });
    expect(run.status).toBe("SUCCEEDED");
    expect(run.plan).toMatchObject({ cached: 6, pending: 0 });
    expect(run.output?.cells).toEqual({ total: 6, computed: 0, cached: 6, failed: 0 });
  });

  it("fails the run when a batch fails beyond tolerance, and reports the missing cells when tolerated", async () => {
    // New sweeps (other iteration counts), so nothing is cached: 4 cells, one batch each, the
    // first cell's batch fails (1 of 4 = 25 %).
    const fresh = async (iterations: string) => {
      const { event: planEvent, sweep } = await submitSpec(store, spec.replace("[0, 10, 100]", iterations));
      return { planEvent, faulty: sweep.cells[0]!.hash };
    };
    const options = { storeUrl, concurrency: 1, batchSize: 1, handlers: { worker: "test/infra/fixtures/handlers/faultyWorker.ts" } };

    const strictSweep = await fresh("[1, 2]");
    const strict = await runLocal({ ...options, input: strictSweep.planEvent, env: { DROPSWEEP_TEST_FAULTY_HASH: strictSweep.faulty } });
    expect(strict.status).toBe("FAILED");
    expect(strict.error?.name).toBe("States.ExceedToleratedFailureThreshold");
    expect(strict.error?.cause).toMatch(/1 of 4 items failed.*InjectedFault/);
    expect(strict.output).toBeUndefined();

    const tolerantSweep = await fresh("[3, 4]");
    const tolerant = await runLocal({
      ...options,
      input: tolerantSweep.planEvent,
      env: { DROPSWEEP_TEST_FAULTY_HASH: tolerantSweep.faulty },
      settings: { toleratedFailurePercentage: 25 },
    });
    expect(tolerant.status).toBe("SUCCEEDED");
    expect(tolerant.plan).toMatchObject({ total: 4, cached: 0, pending: 4 });
    expect(tolerant.output?.cells).toMatchObject({ total: 4, computed: 3, failed: 1 });
    expect(await store.exists(keys.result(tolerantSweep.faulty))).toBe(false);
  });

  it("counts cells as the Worker finishes them, not only when their batch does", async () => {
    // One batch of five slow-ish noop cells (about 0.2 s each here, more on a loaded machine: the
    // progress line coalesces updates closer than 0.1 s, and ticks every second).
    const slow = spec.replace("seeds: [0, 1]", "seeds: [0, 1, 2, 3, 4]").replace("[0, 10, 100]", "[100000000]");
    const { event: slowEvent } = await submitSpec(store, slow);
    const progress: LocalProgress[] = [];
    const run = await runLocal({ input: slowEvent, storeUrl, concurrency: 1, batchSize: 5, progress: (p) => progress.push(p) });
    expect(run.status).toBe("SUCCEEDED");
    expect(run.output?.cells).toEqual({ total: 5, computed: 5, cached: 0, failed: 0 });
    const cells = progress.filter((p) => p.phase === "cells");
    const counts = cells.map((p) => p.cellsDone);
    expect(counts).toEqual([...counts].sort((a, b) => a - b));
    // Counts of a batch still running: per batch they would jump from 0 to 5.
    expect(counts.filter((n) => n > 0 && n < 5).length).toBeGreaterThan(0);
    // ...and the ETA learned this machine's speed from them, before the batch ended.
    expect(cells.some((p) => p.cellsDone > 0 && p.cellsDone < 5 && p.etaSeconds !== undefined && !p.etaEstimated)).toBe(true);
    expect(progress.at(-1)).toMatchObject({ phase: "done", cellsDone: 5, cellsPending: 5, cellsFailed: 0 });
  });
});

describe("a batch longer than the Worker's time limit", () => {
  it("continues in new invocations (Dropsweep.BatchIncomplete), never times out, and ends with the bytes of a run in one go", async () => {
    // 20 noop cells of 2.5e8 iterations in one batch: ~0.4 s each here (0.25 s at 1 ns an
    // iteration, faster than any machine measured), at least 5 s in all, while a Worker of
    // --worker-timeout 5 keeps 0.5 s back for its writes: the batch cannot finish in one
    // invocation. A cell would have to run twice its measured speed to reach the timeout.
    const spec = [
      "name: budget-e2e",
      "experiment: noop",
      `seeds: [${[...Array(20).keys()].join(", ")}]`,
      "grid:",
      "  work.iterations: [250000000]",
      "",
    ].join("\n");
    const limited = directoryUrl(join(dir, "budget-limited"));
    const { event: limitedEvent, sweep } = await submitSpec(openStore(limited), spec);
    const progress: LocalProgress[] = [];
    const run = await runLocal({
      input: limitedEvent,
      storeUrl: limited,
      concurrency: 1,
      batchSize: 20,
      settings: { workerTimeoutSeconds: 5 },
      progress: (p) => progress.push(p),
    });
    expect(run.status, JSON.stringify(run.error)).toBe("SUCCEEDED");
    const workerErrors = Object.fromEntries(run.attemptErrors.get(stateNames.worker) ?? []);
    // Stopped between cells at least once, and never killed by the timeout (nor anything else).
    expect(Object.keys(workerErrors), JSON.stringify(workerErrors)).toEqual(["Dropsweep.BatchIncomplete"]);
    expect(workerErrors["Dropsweep.BatchIncomplete"]).toBeGreaterThanOrEqual(1);
    expect(run.output?.cells).toEqual({ total: 20, computed: 20, cached: 0, failed: 0 });
    // Each cell counted once, in order, whichever invocation computed it.
    const counts = progress.map((p) => p.cellsDone);
    expect(counts).toEqual([...counts].sort((a, b) => a - b));
    expect(progress.at(-1)).toMatchObject({ phase: "done", cellsDone: 20, cellsPending: 20, cellsFailed: 0 });

    // The same sweep without the short time limit: one invocation, the same result bytes.
    const oneGo = directoryUrl(join(dir, "budget-one-go"));
    const { event: oneGoEvent } = await submitSpec(openStore(oneGo), spec);
    const reference = await runLocal({ input: oneGoEvent, storeUrl: oneGo, concurrency: 1, batchSize: 20 });
    expect(reference.status).toBe("SUCCEEDED");
    expect(reference.attemptErrors.get(stateNames.worker)).toBeUndefined();
    for (const cell of sweep.cells) {
      const a = readFileSync(join(dir, "budget-limited", keys.result(cell.hash)));
      const b = readFileSync(join(dir, "budget-one-go", keys.result(cell.hash)));
      expect(a.equals(b), cell.hash).toBe(true);
    }
  }, 180_000);
});
