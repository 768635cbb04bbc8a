// The contract between the state machine (infra/), its Lambda handlers (functions/) and the
// local runner: the events each Task receives and returns (where things live in a store is
// shared/store/layout.ts).
// Payloads carry references only (keys and hashes), never results, so every state stays far
// below Step Functions' 256 KiB limit however large the sweep is.
//
// Flow: Plan -> DistributedMap(Worker, items read from the manifest, batched) -> Aggregate
//       -> regression check. The store (filesystem directory or S3 bucket/prefix) is named by
// the handler's environment (DROPSWEEP_STORE, a URL: file:///abs/dir or s3://bucket/prefix),
// not by events.

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
 * SHA-256 is `hash`) is: bytes `offset` to `offset + length` of `keys.definitions(bundle)` (shared/store/layout.ts).
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
}

/**
 * Manifest items per Worker batch at most: a batch's input must stay under Step Functions'
 * 256 KiB, and an item is ~200 bytes (two hashes and a byte range).
 */
export const MAX_ITEMS_PER_BATCH = 1000;
