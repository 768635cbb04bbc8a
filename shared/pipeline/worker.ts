// Worker (ARCHITECTURE.md "Data flow" 2): compute one batch of cells. Idempotent: a cell with a
// valid result is skipped (cached), and recomputing a cell writes the same bytes. One bad cell
// never fails the batch: it is reported in `failed` (and in keys.error) and the batch goes on.
// A store that cannot be read or written (after the store's own retries: the handler's store,
// functions/runtime.ts) DOES throw, so Step Functions retries the batch. Retrying is safe
// at any point: results are written with `ifAbsent` and the same bytes (results/result.ts), so
// a batch cut short by a crash or a timeout, or run twice at once, never leaves two different
// results, and a partial one is never visible (atomic writes, checked on read).
// Given the invocation's time left (`remainingMs`), the Worker stops between cells before one
// would run past it and throws BatchIncompleteError, for the state machine to run the batch
// again (shared/pipeline/budget.ts).
import { performance } from "node:perf_hooks";
import { experimentFor } from "../experiments/registry.js";
import { kernelVersion as engineKernelVersion } from "../numerics/engine.js";
import { checkMetrics } from "../results/metrics.js";
import {
  RESULT_FORMAT,
  ResultConflictError,
  checkStoredResult,
  sealResult,
  writeCellError,
  writeResult,
  type CellResult,
} from "../results/result.js";
import { verifyCellDocument } from "../spec/hash.js";
import type { Store } from "../store/store.js";
import { BatchIncompleteError, TimeBudget, type BudgetDecision } from "./budget.js";
import { manifestItemSchema, type DefinitionLocation, type WorkerBatch, type WorkerResult } from "./contract.js";
import { keys } from "../store/layout.js";
import { expectedSeconds } from "./cost.js";
import { silentLog, type PipelineLog } from "./log.js";
import type { PipelineOptions } from "./plan.js";

/** A cell of the batch the Worker is done with: its result stored (computed, or already there: cached) or its error. */
export interface FinishedCell {
  hash: string;
  outcome: "computed" | "cached" | "failed";
}

export interface WorkerOptions extends PipelineOptions {
  /** Names this worker in timings (a Lambda request id, a thread id). */
  workerId?: string;
  /**
   * Told of each cell as soon as it is finished (its result or its error stored), before the
   * batch is: a runner's per-cell progress (the local runner's; Lambda sets none). Advisory: an
   * error it throws is logged, never fails the cell.
   */
  onCellFinished?: (cell: FinishedCell) => void;
  /**
   * Milliseconds left before the invocation is stopped (Lambda's context.getRemainingTimeInMillis;
   * the local runner's emulates it). With it, a cell that would not finish in time is not started
   * and the batch ends with BatchIncompleteError; without it, every cell is computed.
   */
  remainingMs?: () => number;
}

export async function runWorker(store: Store, event: WorkerBatch, options: WorkerOptions = {}): Promise<WorkerResult> {
  const log = options.log ?? silentLog;
  const kernelVersion = options.kernelVersion ?? engineKernelVersion();
  const result: WorkerResult = { computed: [], cached: [], failed: [] };
  const items = Array.isArray(event?.Items) ? event.Items : [];
  const finished = (hash: string, outcome: FinishedCell["outcome"]) => {
    try {
      options.onCellFinished?.({ hash, outcome });
    } catch (error) {
      log.warn("cell progress callback failed", { hash, error: String(error) });
    }
  };
  const remainingMs = options.remainingMs;
  const budget = remainingMs ? new TimeBudget(remainingMs() / 1000) : undefined;
  const mayStart = remainingMs && budget ? (expected: number) => budget.decide(expected, remainingMs() / 1000) : undefined;
  for (const [index, entry] of items.entries()) {
    const parsed = manifestItemSchema.safeParse(entry);
    if (!parsed.success) {
      result.failed.push({
        hash: String((entry as { hash?: unknown } | null)?.hash ?? ""),
        error: `manifest item is not a cell reference with its definition's location (from a plan before definitions were bundled?); plan the sweep again: ${JSON.stringify(entry).slice(0, 300)}`,
      });
      finished(result.failed.at(-1)!.hash, "failed");
      continue;
    }
    const { hash, definition } = parsed.data;
    const outcome = await computeCell(store, hash, definition, kernelVersion, options.workerId, mayStart);
    if (outcome === "cached") result.cached.push(hash);
    else if ("stopped" in outcome) throw stopped(result, items.length - index, outcome.stopped, event.BatchInput?.sweepId, log);
    else if ("computed" in outcome) {
      result.computed.push(hash);
      budget?.computed(outcome.computed.seconds, outcome.computed.expected);
    } else {
      result.failed.push({ hash, error: outcome.error });
      log.warn("cell failed", { hash, error: outcome.error, sweepId: event.BatchInput?.sweepId });
      await writeCellError(store, { hash, error: outcome.error, at: new Date().toISOString() });
    }
    finished(hash, outcome === "cached" ? "cached" : "computed" in outcome ? "computed" : "failed");
  }
  log.info("batch done", {
    sweepId: event.BatchInput?.sweepId,
    computed: result.computed.length,
    cached: result.cached.length,
    failed: result.failed.length,
  });
  return result;
}

/** The batch stops before a cell: what it did, as the error the state machine retries on (budget.ts). */
function stopped(
  result: WorkerResult,
  remaining: number,
  decision: BudgetDecision,
  sweepId: string | undefined,
  log: PipelineLog,
): BatchIncompleteError {
  const finished = result.computed.length + result.cached.length + result.failed.length;
  const details = {
    sweepId,
    computed: result.computed.length,
    cached: result.cached.length,
    failed: result.failed.length,
    remaining,
    nextCellSeconds: decision.estimateSeconds,
    remainingSeconds: decision.remainingSeconds,
  };
  // Info, not a warning: this is how a batch longer than one invocation continues.
  log.info("batch continues in a new invocation: the next cell would not finish in this one's time", details);
  const seconds = (s: number | undefined) => (s === undefined ? "?" : s.toFixed(1));
  return new BatchIncompleteError(
    `stopped between cells to stay within the Worker's time limit: ${finished} of ${finished + remaining} cells of this batch ` +
      `are stored (${result.computed.length} computed, ${result.cached.length} cached, ${result.failed.length} failed), ` +
      `${remaining} remain; the next needs ~${seconds(decision.estimateSeconds)} s and ${seconds(decision.remainingSeconds)} s are left. ` +
      "The state machine runs the batch again, which skips the stored cells.",
    result,
  );
}

type CellOutcome = "cached" | { computed: { seconds: number; expected: number } } | { stopped: BudgetDecision } | { error: string };

async function computeCell(
  store: Store,
  hash: string,
  at: DefinitionLocation,
  kernelVersion: number,
  workerId: string | undefined,
  mayStart: ((expectedSeconds: number) => BudgetDecision) | undefined,
): Promise<CellOutcome> {
  // The cell's whole time (its cached check, definition read and writes too): what its expected
  // seconds estimate (cost.ts counts the store calls in its overhead).
  const begun = performance.now();
  if ((await checkStoredResult(store, hash)) === "valid") return "cached";

  const bundle = keys.definitions(at.bundle);
  const bytes = await store.getRange(bundle, at.offset, at.length);
  if (!bytes) return { error: `no cell definitions at ${bundle}; plan the sweep again` };
  const where = `${bundle} bytes ${at.offset}-${at.offset + at.length - 1}`;
  if (bytes.byteLength < at.length)
    return { error: `${where}: only ${bytes.byteLength} of ${at.length} bytes there (a damaged bundle or manifest); plan the sweep again` };
  const document = verifyCellDocument(hash, bytes);
  if (typeof document === "string") return { error: `${where}: ${document}; plan the sweep again` };
  if (document.kernelVersion !== kernelVersion)
    return {
      error: `cell was planned for kernel version ${document.kernelVersion}, this worker runs ${kernelVersion}; plan the sweep again`,
    };

  const expected = expectedSeconds(document.cell);
  const decision = mayStart?.(expected);
  if (decision && !decision.start) return { stopped: decision };

  const startedAt = new Date().toISOString();
  const start = performance.now();
  let sealed: CellResult;
  try {
    const outcome = await experimentFor(document.cell.experiment).run(document.cell);
    // The experiment's metrics as its schema declares them, or the cell fails naming the field:
    // Aggregate and the claims read them by those types.
    const typed = checkMetrics(document.cell, outcome.metrics, { strict: true });
    if ("problems" in typed)
      return {
        error: `the ${document.cell.experiment} experiment wrote metrics its schema does not allow (shared/results/metrics.ts): ${typed.problems.join("; ")}`,
      };
    sealed = {
      format: RESULT_FORMAT,
      hash,
      kernelVersion,
      cell: document.cell,
      status: outcome.status ?? "ok",
      metrics: outcome.metrics,
      spectra: outcome.spectra ?? {},
      curves: outcome.curves ?? {},
    };
    sealResult(sealed); // refuses non-finite numbers: fail the cell here, not at write time
  } catch (error) {
    return { error: error instanceof Error ? error.message : String(error) };
  }
  const computeMs = performance.now() - start;
  try {
    await writeResult(store, sealed, { hash, startedAt, computeMs, ...(workerId ? { worker: workerId } : {}) });
  } catch (error) {
    // The stored result stands and is used; this cell's disagreement is recorded in error.json.
    if (error instanceof ResultConflictError) return { error: error.message };
    throw error;
  }
  return { computed: { seconds: (performance.now() - begun) / 1000, expected } };
}
