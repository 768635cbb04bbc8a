// The contract between the state machine (infra/), its Lambda handlers (functions/) and the
// local runner: the events each Task receives and returns, and where things live in a store.
// Payloads carry references only (keys and hashes), never results, so every state stays far
// below Step Functions' 256 KiB limit however large the sweep is.
//
// Flow: Plan -> DistributedMap(Worker, items read from the manifest, batched)
//       -> DistributedMap(Reduce, one slice of the sweep's cells each) -> Aggregate -> regression check. The store (filesystem directory or S3 bucket/prefix) is named by
// the handler's environment (DROPSWEEP_STORE, a URL: file:///abs/dir or s3://bucket/prefix),
// not by events (where things live in a store is shared/store/layout.ts). Each event is a zod schema and its type is inferred from it; the handlers
// (functions/) check what they receive with these.
import * as z from "zod";
import { claimIdSchema } from "../claims/result.js";
import { claimStatusSchema } from "../claims/status.js";
import { sha256HexSchema } from "../spec/canonical.js";
import { MAX_DEFINITION_BYTES, MAX_SLICE_ROWS_BYTES } from "../store/layout.js";

const hash = sha256HexSchema;
const count = z.number().int().nonnegative();

/**
 * Plan's input. The spec text is already in the store at `specKey` (the CLI validated it).
 * Loose: a state machine hands over its whole input.
 */
export const planEventSchema = z.looseObject({
  specKey: z.string().min(1),
  /** Stored baseline to compare against in Aggregate (scheduled runs). */
  baselineKey: z.string().min(1).optional(),
});
export type PlanEvent = z.infer<typeof planEventSchema>;

/** Plan's output; becomes the state machine's working state. */
export const planResultSchema = z.object({
  sweepId: hash,
  /** Where the Distributed Map's ItemReader finds the work left (JSON Lines of ManifestItem). */
  manifest: z.object({ bucket: z.string(), key: z.string() }),
  /** Where the Reduce map's ItemReader finds the sweep's slices (JSON Lines of SliceItem). */
  slices: z.object({ bucket: z.string(), key: z.string() }),
  total: count,
  cached: count,
  pending: count,
  /** Stored results that failed verification (now pending again), when there were any. */
  corrupt: count.optional(),
  baselineKey: z.string().min(1).optional(),
});
export type PlanResult = z.infer<typeof planResultSchema>;

/** One line of `cells.jsonl`: a cell of the sweep. */
export const cellReferenceSchema = z.object({ hash });
export type CellReference = z.infer<typeof cellReferenceSchema>;

/** Where a cell's definition is: bytes `offset` to `offset + length` of `keys.definitions(bundle)`. */
export const definitionLocationSchema = z.object({
  bundle: hash,
  offset: z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER),
  length: z.number().int().positive().max(MAX_DEFINITION_BYTES),
});
export type DefinitionLocation = z.infer<typeof definitionLocationSchema>;

/** One line of the manifest: a cell to compute and where its definition (a CellDocument, whose SHA-256 is `hash`) is. */
export const manifestItemSchema = cellReferenceSchema.extend({ definition: definitionLocationSchema });
export type ManifestItem = z.infer<typeof manifestItemSchema>;

/** What ItemBatcher hands one Worker invocation: manifest items and the sweep. */
export const workerEventSchema = z.looseObject({ Items: z.array(manifestItemSchema), BatchInput: z.looseObject({ sweepId: z.string() }) });
export type WorkerEvent = z.infer<typeof workerEventSchema>;

/** A Worker event as the Worker checks it up front; it checks the items one by one (a bad item fails that item, not the batch). */
export const workerBatchSchema = workerEventSchema.extend({ Items: z.array(z.unknown()) });
export type WorkerBatch = z.infer<typeof workerBatchSchema>;

export const workerResultSchema = z.object({
  computed: z.array(z.string()),
  cached: z.array(z.string()),
  failed: z.array(z.object({ hash: z.string(), error: z.string() })),
});
export type WorkerResult = z.infer<typeof workerResultSchema>;

/** One line of a sweep's `rows.jsonl` (keys.rows): a cell as its summary row starts. */
export const sliceRowSchema = z.object({
  hash,
  /** The cell's value of every axis of the sweep (and its section, when there are several): the row's `parameters`. */
  parameters: z.record(z.string(), z.unknown()),
  /** This plan left it to compute (in the manifest): its row counts as computed, else as cached. */
  pending: z.boolean(),
});
export type SliceRow = z.infer<typeof sliceRowSchema>;

/**
 * One line of `slices.jsonl` (keys.slices) and the Reduce event: a stretch of the sweep's cells
 * in grid order (shared/pipeline/slices.ts) and where their lines of `rows.jsonl` are, with the
 * SHA-256 of those bytes (Reduce refuses anything else, and a partial names the bytes it was made from).
 */
export const sliceItemSchema = z.object({
  sweepId: hash,
  /** 0, 1, ...: the slice's place in grid order, and its partial's name (keys.partial). */
  slice: count,
  /** Grid index of the slice's first cell. */
  first: count,
  cells: z.number().int().positive(),
  rows: z.object({
    offset: z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER),
    length: z.number().int().positive().max(MAX_SLICE_ROWS_BYTES),
    sha256: hash,
  }),
});
export type SliceItem = z.infer<typeof sliceItemSchema>;

/** What one Reduce invocation returns: where it wrote the slice's partial and what the slice holds. */
export const reduceResultSchema = z.object({
  sweepId: z.string(),
  slice: count,
  partialKey: z.string(),
  /** Cells of the slice with a usable result (computed, cached, diverged), and the others. */
  usable: count,
  unusable: count,
});
export type ReduceResult = z.infer<typeof reduceResultSchema>;

/** Aggregate's input: the state machine's whole state (Plan's result plus the map's); only these matter. */
export const aggregateEventSchema = z.looseObject({
  sweepId: hash,
  baselineKey: z.string().min(1).optional(),
  /** Where the Distributed Map wrote its result manifest (ResultWriter), when it did. */
  mapResult: z.unknown().optional(),
  /** Where the Reduce map wrote its result manifest. */
  reduceResult: z.unknown().optional(),
});
export type AggregateEvent = z.infer<typeof aggregateEventSchema>;

export const aggregateResultSchema = z.object({
  sweepId: z.string(),
  summaryKey: z.string(),
  reportKeys: z.array(z.string()),
  cells: z.object({ total: count, computed: count, cached: count, failed: count }),
  /** Claims whose status changed or metrics that moved beyond tolerance against the baseline. */
  regressions: count,
  /** Each claim's number and status (summary.json has the rest): the sweep's verdict (shared/pipeline/verdict.ts). */
  claims: z.array(z.object({ id: claimIdSchema, status: claimStatusSchema })),
});
export type AggregateResult = z.infer<typeof aggregateResultSchema>;

/**
 * Manifest items per Worker batch at most: a batch's input must stay under Step Functions'
 * 256 KiB, and an item is ~200 bytes (two hashes and a byte range).
 */
export const MAX_ITEMS_PER_BATCH = 1000;

/**
 * Where the handlers publish their metrics (Powertools EMF: the namespace, and the `service`
 * dimension it adds) and what the stack's alarms watch: one definition for both sides.
 */
export const handlerMetrics = {
  namespace: "dropsweep",
  service: "dropsweep",
  /** Claims of the sweep that fail the strict rule (shared/pipeline/verdict.ts). */
  claimsFailing: "ClaimsFailing",
} as const;
