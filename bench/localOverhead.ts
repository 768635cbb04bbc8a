// Emulation overhead per cell: the synthesized state machine run locally over no-op cells
// (fixture handlers that return at once), so the time is the engine, the lowering's helper
// Tasks and the worker-thread hop, not the science. Prints ms per cell (wall clock) for each
// batch size. With --sweep, the same over a real noop sweep (functions/*.ts, a directory
// store in a temporary directory): the whole pipeline per cell (plan, store, aggregate). Usage:
//   npx tsx bench/localOverhead.ts [--cells 4000] [--batch 1,8] [--concurrency N] [--sweep]
import { availableParallelism } from "node:os";
import { parseArgs } from "node:util";
import { executeLocally } from "../infra/local/execute.js";
import { HandlerPool } from "../infra/local/handlerPool.js";
import type { LocalProgress } from "../infra/local/progress.js";
import { renderStateMachine } from "../infra/local/render.js";
import { projectRoot } from "../infra/stack.js";
import { stateNames } from "../infra/sweepStateMachine.js";
import { synthStack } from "../infra/synth.js";
import type { PutOptions, Store } from "../shared/store/store.js";

const { values } = parseArgs({
  options: {
    cells: { type: "string", default: "4000" },
    batch: { type: "string", default: "1,8" },
    concurrency: { type: "string", default: String(availableParallelism()) },
    sweep: { type: "boolean", default: false },
  },
});
const cells = Number(values.cells);
const concurrency = Number(values.concurrency);

// Objects in memory: the store's own cost is not the emulation's.
const objects = new Map<string, Uint8Array>();
const store: Store = {
  url: "memory://overhead",
  get: async (key) => objects.get(key),
  getRange: async (key, offset, length) => objects.get(key)?.subarray(offset, offset + length),
  put: async (key, body: Uint8Array | string, _options?: PutOptions) =>
    void objects.set(key, typeof body === "string" ? new TextEncoder().encode(body) : body),
  exists: async (key) => objects.has(key),
  list: async function* (prefix) {
    for (const key of [...objects.keys()].sort()) if (key.startsWith(prefix)) yield key;
  },
  delete: async (key) => void objects.delete(key),
};

const handlers = {
  plan: "test/infra/fixtures/handlers/plan.ts",
  worker: "test/infra/fixtures/handlers/worker.ts",
  aggregate: "test/infra/fixtures/handlers/aggregate.ts",
};
const manifestKey = "sweeps/overhead/manifest.jsonl";
await store.put(manifestKey, Array.from({ length: cells }, (_, i) => JSON.stringify({ hash: `cell${i}` }) + "\n").join(""));
const pool = new HandlerPool({ concurrency });

if (values.sweep) {
  await pool.close();
  await measureSweep();
  process.exit(0);
}

/** A real noop sweep of `cells` cells (seeds x iterations 0) through runLocal. */
async function measureSweep(): Promise<void> {
  const { mkdtempSync, rmSync } = await import("node:fs");
  const { tmpdir } = await import("node:os");
  const { join } = await import("node:path");
  const { runLocal } = await import("../infra/local/index.js");
  const { submitSpec } = await import("../shared/pipeline/plan.js");
  const { directoryUrl, openStore } = await import("../shared/store/open.js");
  console.log(`node ${process.version}, noop sweep of ${cells} cells through functions/*.ts, ${concurrency} worker threads`);
  for (const batch of values.batch.split(",").map(Number)) {
    const dir = mkdtempSync(join(tmpdir(), "dropsweep-overhead-"));
    try {
      const storeUrl = directoryUrl(dir);
      const seeds = Array.from({ length: cells }, (_, i) => i).join(", ");
      const { event } = await submitSpec(
        openStore(storeUrl),
        `name: overhead\nexperiment: noop\nseeds: [${seeds}]\ngrid:\n  work.iterations: [0]\n`,
      );
      const run = await runLocal({ input: event, storeUrl, concurrency, batchSize: batch });
      if (run.status !== "SUCCEEDED" || run.progress.cellsDone !== cells) throw new Error(`run failed: ${JSON.stringify(run.error)}`);
      const mapMs = (1000 * cells) / run.progress.cellsPerSecond;
      console.log(
        `batch ${String(batch).padStart(3)}: map ${mapMs.toFixed(0)} ms = ${(mapMs / cells).toFixed(3)} ms/cell; whole run ${(run.elapsedSeconds * 1000).toFixed(0)} ms`,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
}

console.log(`node ${process.version}, ${cells} no-op cells, ${concurrency} worker threads`);
for (const batch of values.batch.split(",").map(Number)) {
  const { template } = synthStack({ props: { handlers, settings: { maxItemsPerBatch: batch } } });
  const machine = renderStateMachine(template);
  let last: LocalProgress | undefined;
  const planResult = { sweepId: "overhead", manifest: { bucket: "local", key: manifestKey }, total: cells, cached: 0, pending: cells };
  const started = performance.now();
  const outcome = await executeLocally({
    machine,
    input: { specKey: "-", planResult },
    store,
    projectRoot,
    pool,
    validate: false,
    progress: (p) => (last = p),
    phases: { [stateNames.plan]: "plan", [stateNames.aggregate]: "aggregate" },
    planState: stateNames.plan,
  });
  const totalMs = performance.now() - started;
  if (outcome.status !== "SUCCEEDED" || last?.cellsDone !== cells) throw new Error(`run failed: ${JSON.stringify(outcome.error)}`);
  const mapMs = (1000 * cells) / last.cellsPerSecond;
  console.log(
    `batch ${String(batch).padStart(3)}: map ${mapMs.toFixed(0)} ms = ${(mapMs / cells).toFixed(3)} ms/cell ` +
      `(${Math.ceil(cells / batch)} child executions, ${(mapMs / Math.ceil(cells / batch)).toFixed(3)} ms each); whole run ${totalMs.toFixed(0)} ms`,
  );
}
await pool.close();
