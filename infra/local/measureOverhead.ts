// Emulation overhead per cell: the synthesized state machine run locally over no-op cells
// (fixture handlers that return at once), so the time is the engine, the lowering's helper
// Tasks and the worker-thread hop, not the science. Prints ms per cell (wall clock) for each
// batch size. Usage:
//   npx tsx infra/local/measureOverhead.ts [--cells 4000] [--batch 1,8] [--concurrency N]
import { availableParallelism } from "node:os";
import { parseArgs } from "node:util";
import { executeLocally } from "./execute.js";
import { HandlerPool } from "./handlerPool.js";
import type { LocalProgress } from "./progress.js";
import { renderStateMachine } from "./render.js";
import { projectRoot } from "../stack.js";
import { stateNames } from "../sweepStateMachine.js";
import { synthStack } from "../synth.js";
import type { PutOptions, Store } from "../../shared/store/store.js";

const { values } = parseArgs({
  options: {
    cells: { type: "string", default: "4000" },
    batch: { type: "string", default: "1,8" },
    concurrency: { type: "string", default: String(availableParallelism()) },
  },
});
const cells = Number(values.cells);
const concurrency = Number(values.concurrency);

// Objects in memory: the store's own cost is not the emulation's.
const objects = new Map<string, Uint8Array>();
const store: Store = {
  url: "memory://overhead",
  get: async (key) => objects.get(key),
  put: async (key, body: Uint8Array | string, _options?: PutOptions) => void objects.set(key, typeof body === "string" ? new TextEncoder().encode(body) : body),
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
