// Plan (ARCHITECTURE.md "Data flow" 1): expand the stored spec into content-hashed cells, save
// the resolved sweep before anything runs, and list the work left. A cell whose valid result
// is already stored (from this sweep or any other: cells are content-addressed) is cached; a
// corrupt result is reported and its cell computed again.
//
// At scale (docs/GUARANTEES.md, docs/BENCHMARKS.md "Hardening: load"): a stored result is verified
// from its bytes without being parsed (checkResultBytes); the definitions of the pending cells
// go into a few bundles (keys.definitions) rather than a file each, and each manifest line says
// where its cell's definition is, so a worker reads just that range and verifies it by its
// hash. On a store that lists cheaply (S3: 1,000 keys a request) a large sweep lists `cells/`
// once instead of reading a key per cell: a cell without a listed result is pending without a
// read, a listed result is still read and verified.
import { UsageError } from "../errors.js";
import { jsonLines, parseJsonLines } from "../jsonLines.js";
import { kernelVersion as engineKernelVersion } from "../numerics/engine.js";
import { checkStoredResult } from "../results/result.js";
import { canonicalJson, sha256Hex, shareCanonical, type CanonicalCache } from "../spec/canonical.js";
import { cellDocumentText } from "../spec/hash.js";
import { parseSpec, type Sweep } from "../spec/spec.js";
import { toBytes } from "../store/conflict.js";
import { locate } from "../store/open.js";
import type { Store } from "../store/store.js";
import { forEachLimit } from "./concurrency.js";
import { type CellReference, type ManifestItem, type PlanEvent, type PlanResult } from "./contract.js";
import { DEFINITIONS_PER_BUNDLE, MAX_DEFINITION_BYTES, keys } from "../store/layout.js";
import { silentLog, type PipelineLog } from "./log.js";
import { writeSlices } from "./slices.js";

export interface PipelineOptions {
  /** Defaults to the loaded kernels' `kernelVersion()`. */
  kernelVersion?: number;
  log?: PipelineLog;
  /** Store round trips in flight at once. */
  concurrency?: number;
  /**
   * Sweeps of at least this many cells check a store that offers `listObjects` (S3) by one
   * listing of `cells/` rather than key by key. @default 1000
   */
  listFromCells?: number;
  /** Cells per slice of the sweep (slices.ts; tests make slices small). @default CELLS_PER_SLICE */
  cellsPerSlice?: number;
}

/** The listings stop (cells are then read key by key) past this many keys, in all, per cell of the sweep. */
const LISTED_KEYS_PER_CELL = 50;

/** Validate a spec and store its text where Plan expects it; returns Plan's event. */
export async function submitSpec(
  store: Store,
  text: string,
  options: { source?: string; kernelVersion?: number; baselineKey?: string; sweep?: Sweep } = {},
) {
  // `sweep`: the caller parsed `text` already (parsing 100,000 cells takes seconds).
  const sweep =
    options.sweep ?? parseSpec(text, { kernelVersion: options.kernelVersion ?? engineKernelVersion(), source: options.source ?? "spec" });
  const specKey = keys.spec(sweep.sweepId);
  await store.put(specKey, text, { contentType: "application/yaml" });
  const event: PlanEvent = { specKey, ...(options.baselineKey ? { baselineKey: options.baselineKey } : {}) };
  return { sweep, event };
}

export async function plan(store: Store, event: PlanEvent, options: PipelineOptions = {}): Promise<PlanResult> {
  const log = options.log ?? silentLog;
  const kernelVersion = options.kernelVersion ?? engineKernelVersion();
  const bytes = await store.get(event.specKey);
  if (!bytes) throw new UsageError(`plan: no spec at ${event.specKey} in ${store.url}`);
  const text = new TextDecoder().decode(bytes);
  const sweep = parseSpec(text, { kernelVersion, source: event.specKey });
  const { sweepId } = sweep;

  if (event.specKey !== keys.spec(sweepId)) await store.put(keys.spec(sweepId), text, { contentType: "application/yaml" });
  await store.put(keys.resolved(sweepId), canonicalJson({ sweepId, ...sweep.resolved }), { contentType: "application/json" });
  await store.put(keys.cells(sweepId), jsonLines(sweep.cells.map((c) => ({ hash: c.hash }) satisfies CellReference)), {
    contentType: "application/jsonl",
  });

  const concurrency = options.concurrency ?? 16;
  const listed =
    sweep.cells.length >= (options.listFromCells ?? 1000) ? await listResults(store, sweep.cells.length, concurrency) : undefined;
  const pending = await pendingCells(store, sweep, kernelVersion, log, concurrency, listed);
  await store.put(keys.manifest(sweepId), jsonLines(pending.items), { contentType: "application/jsonl" });
  // The slices the Reduce map reads (slices.ts), with which cells this plan left to compute.
  await writeSlices(store, sweepId, sweep.resolved.cells, new Set(pending.items.map((item) => item.hash)), options.cellsPerSlice);

  const result: PlanResult = {
    sweepId,
    manifest: locate(store, keys.manifest(sweepId)),
    slices: locate(store, keys.slices(sweepId)),
    total: sweep.cells.length,
    cached: sweep.cells.length - pending.items.length,
    pending: pending.items.length,
    ...(pending.corrupt ? { corrupt: pending.corrupt } : {}),
    ...(event.baselineKey ? { baselineKey: event.baselineKey } : {}),
  };
  log.info("planned", { ...result });
  return result;
}

/** The manifest Plan wrote for `sweepId`: the cells left to compute and where their definitions are. */
export async function readManifest(store: Store, sweepId: string): Promise<ManifestItem[]> {
  const key = keys.manifest(sweepId);
  const bytes = await store.get(key);
  if (!bytes) throw new Error(`no manifest at ${key} in ${store.url}: plan the sweep first`);
  return parseJsonLines<ManifestItem>(new TextDecoder().decode(bytes), key);
}

/**
 * Hashes with a stored result, from one listing of `cells/` (16 listings, one per first hex
 * digit, `concurrency` in flight), or undefined when the store has no cheap listing or holds
 * far more than the sweep (reading key by key is then cheaper). A key counts only if it is
 * exactly `keys.result(hash)`, so the listing follows the layout of shared/store/layout.ts.
 */
async function listResults(store: Store, cells: number, concurrency: number): Promise<Set<string> | undefined> {
  const listObjects = store.listObjects?.bind(store);
  if (!listObjects) return undefined;
  const results = new Set<string>();
  const budget = cells * LISTED_KEYS_PER_CELL;
  let listed = 0;
  await forEachLimit([..."0123456789abcdef"], concurrency, async (digit) => {
    for await (const { key } of listObjects(`cells/${digit}`)) {
      if (++listed > budget) return;
      const hash = key.split("/")[1];
      if (hash && keys.result(hash) === key) results.add(hash);
    }
  });
  return listed > budget ? undefined : results;
}

/**
 * The cells without a valid result, in grid order, with their definitions written in bundles
 * (keys.definitions): the pending cells of each DEFINITIONS_PER_BUNDLE cells of grid order go
 * into one bundle, so a stretch of the grid whose pending cells did not change gets the same
 * bundle (bytes and name) again. Bundles are written whole every time, not compared with what
 * is stored: there are few of them, and a damaged one is thereby repaired by the next plan.
 */
async function pendingCells(
  store: Store,
  sweep: Sweep,
  kernelVersion: number,
  log: PipelineLog,
  concurrency: number,
  results: Set<string> | undefined,
) {
  const isPending = new Array<boolean>(sweep.cells.length).fill(false);
  let corrupt = 0;
  await forEachLimit(sweep.cells, concurrency, async (planned, index) => {
    const stored = results && !results.has(planned.hash) ? "missing" : await checkStoredResult(store, planned.hash);
    if (stored === "valid") return;
    isPending[index] = true;
    if (stored !== "missing") {
      corrupt++;
      log.warn("stored result is corrupt; the cell will be computed again", { hash: planned.hash, reason: stored.corrupt });
    }
  });
  // The cells of a grid combination share sub-objects: their canonical text is written once.
  const cache: CanonicalCache = new WeakMap();
  const stretches = Array.from({ length: Math.ceil(sweep.cells.length / DEFINITIONS_PER_BUNDLE) }, (_, i) => i * DEFINITIONS_PER_BUNDLE);
  const itemsOf = new Array<ManifestItem[]>(stretches.length);
  // Each bundle is built and written in turn (`concurrency` in flight), not all held at once.
  await forEachLimit(stretches, concurrency, async (first, stretch) => {
    const pending = sweep.cells.slice(first, first + DEFINITIONS_PER_BUNDLE).filter((_, i) => isPending[first + i]);
    itemsOf[stretch] = [];
    if (pending.length === 0) return;
    const lines = pending.map((planned) => {
      shareCanonical(cache, planned.cell);
      const line = toBytes(`${cellDocumentText(planned.cell, kernelVersion, cache)}\n`);
      if (line.byteLength - 1 > MAX_DEFINITION_BYTES)
        throw new UsageError(
          `cell ${planned.hash} has a definition of ${line.byteLength - 1} bytes; at most ${MAX_DEFINITION_BYTES} are allowed`,
        );
      return line;
    });
    const bytes = concatenate(lines);
    const bundle = sha256Hex(bytes);
    let offset = 0;
    itemsOf[stretch] = lines.map((line, i) => {
      // The definition is the line without its newline: its SHA-256 is the cell's hash.
      const item: ManifestItem = { hash: pending[i]!.hash, definition: { bundle, offset, length: line.byteLength - 1 } };
      offset += line.byteLength;
      return item;
    });
    await store.put(keys.definitions(bundle), bytes, { contentType: "application/jsonl" });
  });
  return { items: itemsOf.flat(), corrupt };
}

function concatenate(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.byteLength;
  }
  return out;
}
