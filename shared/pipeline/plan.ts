// Plan (ARCHITECTURE.md "Data flow" 1): expand the stored spec into content-hashed cells, save
// the resolved sweep before anything runs, and list the work left. A cell whose valid result
// is already stored (from this sweep or any other: cells are content-addressed) is cached; a
// corrupt result is reported and its cell computed again.
//
// At scale (docs/GUARANTEES.md, docs/BENCHMARKS.md "Hardening"): a stored result is verified
// from its bytes without being parsed (checkResultBytes), a cell definition is written only
// when it is not already in place byte for byte, and definitions are written without fsync
// (derived from the spec and named by their hash: a lost or damaged one is found and rewritten
// by the next plan, and a worker refuses it). On a store that lists cheaply (S3: 1,000 keys a
// request) a large sweep lists `cells/` (results) and `definitions/` once instead of reading
// two keys per cell: a cell without a listed result is pending without a read, a listed result
// is still read and verified, and a listed definition whose ETag is the MD5 of the expected
// bytes is not read.
import { createHash } from "node:crypto";
import { UsageError } from "../errors.js";
import { kernelVersion as engineKernelVersion } from "../numerics/engine.js";
import { checkStoredResult } from "../results/result.js";
import { canonicalJson, shareCanonical, type CanonicalCache } from "../spec/canonical.js";
import { cellDocumentText } from "../spec/hash.js";
import { parseSpec, type Sweep } from "../spec/spec.js";
import { sameBytes, toBytes } from "../store/conflict.js";
import { locate } from "../store/open.js";
import { retryingStore } from "../store/retry.js";
import type { ListedObject, Store } from "../store/store.js";
import { forEachLimit } from "./concurrency.js";
import { keys, type ManifestItem, type PlanEvent, type PlanResult } from "./contract.js";
import { jsonLines, silentLog, type PipelineLog } from "./log.js";

export interface PipelineOptions {
  /** Defaults to the loaded kernels' `kernelVersion()`. */
  kernelVersion?: number;
  log?: PipelineLog;
  /** Store round trips in flight at once. */
  concurrency?: number;
  /**
   * Sweeps of at least this many cells check a store that offers `listObjects` (S3) by one
   * listing of `cells/` and `definitions/` rather than key by key. @default 1000
   */
  listFromCells?: number;
}

/** The listings stop (cells are then read key by key) past this many keys, in all, per cell of the sweep. */
const LISTED_KEYS_PER_CELL = 50;

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

  const concurrency = options.concurrency ?? 16;
  const listing = sweep.cells.length >= (options.listFromCells ?? 1000) ? await listCells(store, sweep.cells.length, concurrency) : undefined;
  const pending = await pendingCells(store, sweep, kernelVersion, log, concurrency, listing);
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

/** What the listings found: hashes with a result, and the definitions stored. */
interface CellListing {
  results: Set<string>;
  definitions: Map<string, ListedObject>;
}

/**
 * The prefixes listed, and the hash a listed key belongs to (undefined for any other key under
 * the prefix: timings, errors, stray objects). A key counts only if it is exactly what `keys`
 * names for that hash, so the listing follows the layout of contract.ts.
 */
const listedPrefixes = [
  { prefix: "cells/", kind: "results", hashOf: (key: string) => matching(key, key.split("/")[1], keys.result) },
  { prefix: "definitions/", kind: "definitions", hashOf: (key: string) => matching(key, key.slice("definitions/".length, -".json".length), keys.cell) },
] as const;

function matching(key: string, hash: string | undefined, keyOf: (hash: string) => string): string | undefined {
  return hash && keyOf(hash) === key ? hash : undefined;
}

/**
 * List `cells/` and `definitions/` (16 listings each, one per first hex digit, `concurrency` in
 * flight), or undefined when the store has no cheap listing or holds far more than the sweep
 * (reading key by key is cheaper).
 */
async function listCells(store: Store, cells: number, concurrency: number): Promise<CellListing | undefined> {
  const listObjects = store.listObjects?.bind(store);
  if (!listObjects) return undefined;
  const listing: CellListing = { results: new Set(), definitions: new Map() };
  const budget = cells * LISTED_KEYS_PER_CELL;
  let listed = 0;
  const listings = listedPrefixes.flatMap((p) => [..."0123456789abcdef"].map((digit) => ({ ...p, prefix: `${p.prefix}${digit}` })));
  await forEachLimit(listings, concurrency, async ({ prefix, kind, hashOf }) => {
    for await (const object of listObjects(prefix)) {
      if (++listed > budget) return;
      const hash = hashOf(object.key);
      if (hash === undefined) continue;
      if (kind === "results") listing.results.add(hash);
      else listing.definitions.set(hash, object);
    }
  });
  return listed > budget ? undefined : listing;
}

/** Find the cells without a valid result, in grid order, and make sure their definitions are stored. */
async function pendingCells(store: Store, sweep: Sweep, kernelVersion: number, log: PipelineLog, concurrency: number, listing: CellListing | undefined) {
  const isPending = new Array<boolean>(sweep.cells.length).fill(false);
  let corrupt = 0;
  let rewritten = 0;
  // The cells of a grid combination share sub-objects: their canonical text is written once.
  const cache: CanonicalCache = new WeakMap();
  await forEachLimit(sweep.cells, concurrency, async (planned, index) => {
    const stored = listing && !listing.results.has(planned.hash) ? "missing" : await checkStoredResult(store, planned.hash);
    if (stored === "valid") return;
    isPending[index] = true;
    if (stored !== "missing") {
      corrupt++;
      log.warn("stored result is corrupt; the cell will be computed again", { hash: planned.hash, reason: stored.corrupt });
    }
    // The worker reads the definition; its name is the hash of its bytes.
    shareCanonical(cache, planned.cell);
    const document = toBytes(cellDocumentText(planned.cell, kernelVersion, cache));
    const listed = listing?.definitions.get(planned.hash);
    if (listed && listed.size === document.byteLength && listed.etag !== undefined && listed.etag === md5Hex(document)) return;
    const existing = listing && !listed ? undefined : await store.get(keys.cell(planned.hash));
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

/** The MD5 S3 gives a single-part upload as its ETag; undefined where MD5 is unavailable (FIPS). */
function md5Hex(bytes: Uint8Array): string | undefined {
  try {
    return createHash("md5").update(bytes).digest("hex");
  } catch {
    return undefined;
  }
}
