// Plan (ARCHITECTURE.md "Data flow" 1): expand the stored spec into content-hashed cells, save
// the resolved sweep before anything runs, and list the work left. A cell whose valid result
// is already stored (from this sweep or any other: cells are content-addressed) is cached; a
// corrupt result is reported and its cell computed again.
//
// At scale (docs/GUARANTEES.md, docs/BENCHMARKS.md "Hardening"): a stored result is verified
// from its bytes without being parsed (checkResultBytes), a cell definition is written only
// when it is not already in place byte for byte, and definitions are written without fsync
// (derived from the spec and named by their hash: a lost or damaged one is found and rewritten
// by the next plan, and a worker refuses it).
import { UsageError } from "../errors.js";
import { kernelVersion as engineKernelVersion } from "../numerics/engine.js";
import { checkStoredResult } from "../results/result.js";
import { canonicalJson } from "../spec/canonical.js";
import { cellDocumentText } from "../spec/hash.js";
import { parseSpec, type Sweep } from "../spec/spec.js";
import { sameBytes, toBytes } from "../store/conflict.js";
import { locate } from "../store/open.js";
import { retryingStore } from "../store/retry.js";
import type { Store } from "../store/store.js";
import { forEachLimit } from "./concurrency.js";
import { keys, type ManifestItem, type PlanEvent, type PlanResult } from "./contract.js";
import { jsonLines, silentLog, type PipelineLog } from "./log.js";

export interface PipelineOptions {
  /** Defaults to the loaded kernels' `kernelVersion()`. */
  kernelVersion?: number;
  log?: PipelineLog;
  /** Store round trips in flight at once. */
  concurrency?: number;
}

/** Validate a spec and store its text where Plan expects it; returns Plan's event. */
export async function submitSpec(store: Store, text: string, options: { source?: string; kernelVersion?: number; baselineKey?: string; sweep?: Sweep } = {}) {
  // `sweep`: the caller parsed `text` already (parsing 100,000 cells takes seconds).
  const sweep = options.sweep ?? parseSpec(text, { kernelVersion: options.kernelVersion ?? engineKernelVersion(), source: options.source ?? "spec" });
  const specKey = keys.spec(sweep.sweepId);
  await store.put(specKey, text, { contentType: "application/yaml" });
  const event: PlanEvent = { specKey, ...(options.baselineKey ? { baselineKey: options.baselineKey } : {}) };
  return { sweep, event };
}

export async function plan(target: Store, event: PlanEvent, options: PipelineOptions = {}): Promise<PlanResult> {
  const log = options.log ?? silentLog;
  const store = retryingStore(target, { onRetry: (operation, key, attempt, error) => log.warn("store call failed; retrying", { operation, key, attempt, error: String(error) }) });
  const kernelVersion = options.kernelVersion ?? engineKernelVersion();
  const bytes = await store.get(event.specKey);
  if (!bytes) throw new UsageError(`plan: no spec at ${event.specKey} in ${store.url}`);
  const text = new TextDecoder().decode(bytes);
  const sweep = parseSpec(text, { kernelVersion, source: event.specKey });
  const { sweepId } = sweep;

  if (event.specKey !== keys.spec(sweepId)) await store.put(keys.spec(sweepId), text, { contentType: "application/yaml" });
  await store.put(keys.resolved(sweepId), canonicalJson({ sweepId, ...sweep.resolved }), { contentType: "application/json" });
  await store.put(keys.cells(sweepId), jsonLines(sweep.cells.map((c) => ({ hash: c.hash }) satisfies ManifestItem)), {
    contentType: "application/jsonl",
  });

  const pending = await pendingCells(store, sweep, kernelVersion, log, options.concurrency ?? 16);
  await store.put(keys.manifest(sweepId), jsonLines(pending.items), { contentType: "application/jsonl" });

  const result: PlanResult = {
    sweepId,
    manifest: locate(target, keys.manifest(sweepId)),
    total: sweep.cells.length,
    cached: sweep.cells.length - pending.items.length,
    pending: pending.items.length,
    ...(pending.corrupt ? { corrupt: pending.corrupt } : {}),
    ...(event.baselineKey ? { baselineKey: event.baselineKey } : {}),
  };
  log.info("planned", { ...result });
  return result;
}

/** Find the cells without a valid result, in grid order, and make sure their definitions are stored. */
async function pendingCells(store: Store, sweep: Sweep, kernelVersion: number, log: PipelineLog, concurrency: number) {
  const isPending = new Array<boolean>(sweep.cells.length).fill(false);
  let corrupt = 0;
  let rewritten = 0;
  await forEachLimit(sweep.cells, concurrency, async (planned, index) => {
    const stored = await checkStoredResult(store, planned.hash);
    if (stored === "valid") return;
    isPending[index] = true;
    if (stored !== "missing") {
      corrupt++;
      log.warn("stored result is corrupt; the cell will be computed again", { hash: planned.hash, reason: stored.corrupt });
    }
    // The worker reads the definition; its name is the hash of its bytes.
    const document = toBytes(cellDocumentText(planned.cell, kernelVersion));
    const existing = await store.get(keys.cell(planned.hash));
    if (existing !== undefined && sameBytes(existing, document)) return;
    if (existing !== undefined) {
      rewritten++;
      log.warn("cell definition was corrupt; rewritten", { hash: planned.hash });
    }
    await store.put(keys.cell(planned.hash), document, { contentType: "application/json", durable: false });
  });
  const items: ManifestItem[] = sweep.cells.filter((_, i) => isPending[i]).map((c) => ({ hash: c.hash }));
  return { items, corrupt, rewritten };
}
