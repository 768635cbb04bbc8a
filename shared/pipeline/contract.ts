// The contract between the state machine (infra/), its Lambda handlers (functions/) and the
// local runner: the events each Task receives and returns, and where things live in a store.
// Payloads carry references only (keys and hashes), never results, so every state stays far
// below Step Functions' 256 KiB limit however large the sweep is.
//
// Flow: Plan -> DistributedMap(Worker, items read from the manifest, batched) -> Aggregate
//       -> regression check. The store (filesystem directory or S3 bucket/prefix) is named by
// the handler's environment (DROPSWEEP_STORE, a URL: file:///abs/dir or s3://bucket/prefix),
// not by events.
import type { ClaimVerdict } from "./verdict.js";

/** Plan's input. The spec text is already in the store at `specKey` (the CLI validated it). */
export interface PlanEvent {
  specKey: string;
  /** Stored baseline to compare against in Aggregate (scheduled runs). */
  baselineKey?: string;
}

/** Plan's output; becomes the state machine's working state. */
export interface PlanResult {
  sweepId: string;
  /** Where the Distributed Map's ItemReader finds the work left (JSON Lines of ManifestItem). */
  manifest: { bucket: string; key: string };
  total: number;
  cached: number;
  pending: number;
  /** Stored results that failed verification (now pending again), when there were any. */
  corrupt?: number;
  baselineKey?: string;
}

/** One line of `cells.jsonl`: a cell of the sweep. */
export interface CellReference {
  hash: string;
}

/**
 * One line of the manifest: a cell to compute and where its definition (a CellDocument, whose
 * SHA-256 is `hash`) is: bytes `offset` to `offset + length` of `keys.definitions(bundle)`.
 */
export interface ManifestItem extends CellReference {
  definition: DefinitionLocation;
}

export interface DefinitionLocation {
  bundle: string;
  offset: number;
  length: number;
}

/** What ItemBatcher hands one Worker invocation. */
export interface WorkerEvent {
  Items: ManifestItem[];
  BatchInput: { sweepId: string };
}

export interface WorkerResult {
  computed: string[];
  cached: string[];
  failed: { hash: string; error: string }[];
}

export interface AggregateEvent {
  sweepId: string;
  baselineKey?: string;
  /** Where the Distributed Map wrote its result manifest (ResultWriter), when it did. */
  mapResult?: unknown;
}

export interface AggregateResult {
  sweepId: string;
  summaryKey: string;
  reportKeys: string[];
  cells: { total: number; computed: number; cached: number; failed: number };
  /** Claims whose status changed or metrics that moved beyond tolerance against the baseline. */
  regressions: number;
  /** Each claim's number and status (summary.json has the rest): the verdict (verdict.ts). */
  claims: ClaimVerdict[];
}

/**
 * Store layout. Cells are content-addressed, so results are shared between sweeps. The
 * definitions of the cells Plan leaves to compute are written in bundles (JSON Lines, up to
 * DEFINITIONS_PER_BUNDLE a file) named by the SHA-256 of their bytes, so a bundle is never
 * replaced by different bytes and a manifest's offsets stay valid; one file per cell would cost
 * planning ~100-300 us of file creation per cell (docs/BENCHMARKS.md "Hardening: load"). A
 * result gets its directory when it is computed.
 */
export const keys = {
  spec: (sweepId: string) => `sweeps/${sweepId}/spec.yaml`,
  resolved: (sweepId: string) => `sweeps/${sweepId}/resolved.json`,
  /** Every cell of the sweep, one CellReference a line, in grid order. */
  cells: (sweepId: string) => `sweeps/${sweepId}/cells.jsonl`,
  /** The cells still to compute when Plan ran (ManifestItem lines). */
  manifest: (sweepId: string) => `sweeps/${sweepId}/manifest.jsonl`,
  report: (sweepId: string, file: string) => `sweeps/${sweepId}/report/${file}`,
  /** Cell definitions (CellDocument lines), written by Plan; `bundle` is the SHA-256 of the file. */
  definitions: (bundle: string) => `definitions/${bundle}.jsonl`,
  result: (hash: string) => `cells/${hash}/result.json`,
  /** How long the cell took and where (not deterministic, so kept out of result.json). */
  timings: (hash: string) => `cells/${hash}/timings.json`,
  /** Why the cell's last attempt failed; a later success leaves it stale (result.json wins). */
  error: (hash: string) => `cells/${hash}/error.json`,
} as const;

/**
 * Cells of the grid per bundle: Plan cuts the sweep at every 1,000 cells of grid order and
 * bundles the pending ones of each stretch, so a stretch whose pending cells did not change
 * keeps its bundle (same bytes, same name) from one plan to the next. 1,000 definitions are
 * ~0.3-1 MB.
 */
export const DEFINITIONS_PER_BUNDLE = 1000;

/** A definition longer than this is refused unread: a damaged manifest must not make a Worker allocate gigabytes. */
export const MAX_DEFINITION_BYTES = 16 * 2 ** 20;

/**
 * Manifest items per Worker batch at most: a batch's input must stay under Step Functions'
 * 256 KiB, and an item is ~200 bytes (two hashes and a byte range).
 */
export const MAX_ITEMS_PER_BATCH = 1000;
