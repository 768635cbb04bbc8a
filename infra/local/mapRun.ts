// The runner-implemented helper Tasks of a lowered Distributed Map (see lower.ts): read the
// items from the store and batch them, count finished children for progress, judge the tolerated
// failure threshold and write the result manifest. Behaviour follows the Step Functions docs for
// ItemReader (JSON, JSONL), ItemBatcher (MaxItemsPerBatch, MaxInputBytesPerBatch, BatchInput;
// batches never exceed 256 KiB), ToleratedFailurePercentage/Count (failed items / all items; a
// failed batch fails all its items; exceeding either fails the map with
// States.ExceedToleratedFailureThreshold) and ResultWriter (manifest.json listing
// SUCCEEDED_n / FAILED_n files under <Prefix>/<map run id>/; Transformation NONE by default
// when exporting, COMPACT when only returning; failed children always in the NONE shape).
import { randomUUID } from "node:crypto";
import type { Store } from "../../shared/store/store.js";
import { placeholderAccount, placeholderRegion } from "./render.js";

/** An error the state machine sees by name (Retry/Catch ErrorEquals match `name`). */
export class StatesError extends Error {
  constructor(name: string, message: string) {
    super(message);
    this.name = name;
  }
}

/** Step Functions' cap on one child execution's input (and so on one batch envelope). */
const maxBatchBytes = 262_144;

interface MapRunHooks {
  /** A map run read `items` items. */
  onItems?(mapRunArn: string, items: number): void;
  /** A child finished: `items` items (its batch size), succeeded or not. */
  onChildFinished?(mapRunArn: string, items: number, succeeded: boolean): void;
}

export interface MapRunContext extends MapRunHooks {
  store: Store;
  /** The store key of an S3 object the definition names (bucket, key). */
  locate(bucket: string, key: string): string;
  /** Name used in placeholder map run ARNs. */
  stateMachineName: string;
}

interface Tolerance {
  Percentage?: number;
  Count?: number;
}

interface WriterSpec {
  Resource?: string;
  Object?: { Bucket?: unknown; Prefix?: unknown };
  WriterConfig?: { Transformation?: string; OutputType?: string };
}

interface ReadInput {
  Map: string;
  Source: { Items?: unknown; InputType?: string; Object?: { Bucket?: unknown; Key?: unknown }; MaxItems?: unknown };
  LocalConcurrency: number;
  MaxConcurrency?: unknown;
  Tolerance: { Percentage?: unknown; Count?: unknown };
  Batcher?: { MaxItemsPerBatch?: unknown; MaxInputBytesPerBatch?: unknown; BatchInput?: unknown };
  Writer?: WriterSpec;
}

/** What [read items] returns; `Run` travels to [tolerate and write]. */
export interface ReadOutput {
  Items: unknown[];
  MaxConcurrency: number;
  Run: RunRecord;
}

interface RunRecord {
  Map: string;
  MapRunArn: string;
  ItemCount: number;
  Batched: boolean;
  Tolerance: Tolerance;
  Writer?: WriterSpec;
}

interface ChildResult {
  Index: number;
  Input: unknown;
  Succeeded?: { Output: unknown };
  Failed?: { Error: string; Cause: string };
}

function runtimeError(map: string, message: string): StatesError {
  return new StatesError("States.Runtime", `${map}: ${message}`);
}

function optionalInteger(map: string, field: string, value: unknown, low: number, high = Number.MAX_SAFE_INTEGER): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== "number" || !Number.isInteger(value) || value < low || value > high) {
    throw runtimeError(map, `${field} must be an integer from ${low} to ${high} (got ${JSON.stringify(value)})`);
  }
  return value;
}

function parseItems(map: string, text: string, inputType: string, where: string): unknown[] {
  const failed = (detail: string) => new StatesError("States.ItemReaderFailed", `${map}: ${where}: ${detail}`);
  if (inputType === "JSON") {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (error) {
      throw failed(`not JSON (${(error as Error).message})`);
    }
    if (!Array.isArray(parsed)) throw failed("a JSON ItemReader object must hold an array");
    return parsed;
  }
  const items: unknown[] = [];
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line === "") continue;
    try {
      items.push(JSON.parse(line));
    } catch (error) {
      throw failed(`line ${i + 1} is not JSON (${(error as Error).message})`);
    }
  }
  return items;
}

/** Greedy batches: as many items as fit both limits, in order (ItemBatcher). */
export function batchItems(
  map: string,
  items: unknown[],
  maxItems: number | undefined,
  maxBytes: number | undefined,
  batchInput: unknown,
): unknown[] {
  const byteLimit = Math.min(maxBytes || maxBatchBytes, maxBatchBytes);
  const envelope = (batch: unknown[]) => (batchInput === undefined ? { Items: batch } : { Items: batch, BatchInput: batchInput });
  const overhead = Buffer.byteLength(JSON.stringify(envelope([])));
  const batches: unknown[] = [];
  let current: unknown[] = [];
  let bytes = overhead;
  for (const item of items) {
    const size = Buffer.byteLength(JSON.stringify(item));
    if (overhead + size > byteLimit) {
      throw runtimeError(map, `an item of ${size} bytes does not fit a batch of at most ${byteLimit} bytes`);
    }
    const separator = current.length > 0 ? 1 : 0;
    if (current.length > 0 && ((maxItems && current.length >= maxItems) || bytes + separator + size > byteLimit)) {
      batches.push(envelope(current));
      current = [];
      bytes = overhead;
    }
    bytes += (current.length > 0 ? 1 : 0) + size;
    current.push(item);
  }
  if (current.length > 0) batches.push(envelope(current));
  return batches;
}

/** Failed items exceed the threshold? No threshold set means none tolerated (AWS default 0 %). */
export function exceedsTolerance(tolerance: Tolerance, failedItems: number, totalItems: number): boolean {
  if (tolerance.Percentage === undefined && tolerance.Count === undefined) return failedItems > 0;
  const overPercentage = tolerance.Percentage !== undefined && totalItems > 0 && (failedItems * 100) / totalItems > tolerance.Percentage;
  const overCount = tolerance.Count !== undefined && failedItems > tolerance.Count;
  return overPercentage || overCount;
}

export class MapRuns {
  private readonly batchSizes = new Map<string, number[]>();

  constructor(private readonly context: MapRunContext) {}

  async readItems(input: ReadInput): Promise<ReadOutput> {
    const map = input.Map;
    let items: unknown[];
    if (input.Source.Items !== undefined) {
      if (!Array.isArray(input.Source.Items)) throw runtimeError(map, "ItemsPath must point to an array");
      items = input.Source.Items;
    } else {
      const { Bucket, Key } = input.Source.Object ?? {};
      if (typeof Bucket !== "string" || typeof Key !== "string") {
        throw new StatesError(
          "States.ItemReaderFailed",
          `${map}: ItemReader Bucket and Key must be strings (got ${JSON.stringify(input.Source.Object)})`,
        );
      }
      const key = this.context.locate(Bucket, Key);
      const bytes = await this.context.store.get(key);
      if (bytes === undefined)
        throw new StatesError("States.ItemReaderFailed", `${map}: no object s3://${Bucket}/${Key} (store key ${key})`);
      items = parseItems(map, new TextDecoder().decode(bytes), input.Source.InputType ?? "JSONL", `s3://${Bucket}/${Key}`);
      const maxItems = optionalInteger(map, "MaxItems", input.Source.MaxItems, 1, 100_000_000);
      if (maxItems !== undefined) items = items.slice(0, maxItems);
    }

    const tolerance: Tolerance = {};
    const percentage = input.Tolerance.Percentage;
    if (percentage !== undefined) {
      if (typeof percentage !== "number" || !(percentage >= 0 && percentage <= 100)) {
        throw runtimeError(map, `ToleratedFailurePercentage must be a number from 0 to 100 (got ${JSON.stringify(percentage)})`);
      }
      tolerance.Percentage = percentage;
    }
    const count = optionalInteger(map, "ToleratedFailureCount", input.Tolerance.Count, 0);
    if (count !== undefined) tolerance.Count = count;

    let children: unknown[] = items;
    let sizes: number[];
    if (input.Batcher) {
      const maxItems = optionalInteger(map, "MaxItemsPerBatch", input.Batcher.MaxItemsPerBatch, 0);
      const maxBytes = optionalInteger(map, "MaxInputBytesPerBatch", input.Batcher.MaxInputBytesPerBatch, 0, maxBatchBytes);
      children = batchItems(map, items, maxItems, maxBytes, input.Batcher.BatchInput);
      sizes = children.map((batch) => (batch as { Items: unknown[] }).Items.length);
    } else {
      sizes = items.map(() => 1);
    }

    // AWS's 0 means "as many as the service allows"; locally the pool is the bound.
    const requested = optionalInteger(map, "MaxConcurrency", input.MaxConcurrency, 0);
    const maxConcurrency = requested ? Math.min(requested, input.LocalConcurrency) : input.LocalConcurrency;

    const mapRunArn = `arn:aws:states:${placeholderRegion}:${placeholderAccount}:mapRun:${this.context.stateMachineName}/${map}:${randomUUID()}`;
    this.batchSizes.set(mapRunArn, sizes);
    this.context.onItems?.(mapRunArn, items.length);
    return {
      Items: children,
      MaxConcurrency: maxConcurrency,
      Run: {
        Map: map,
        MapRunArn: mapRunArn,
        ItemCount: items.length,
        Batched: input.Batcher !== undefined,
        Tolerance: tolerance,
        ...(input.Writer ? { Writer: input.Writer } : {}),
      },
    };
  }

  tally(input: { MapRunArn: string; Index: number; Succeeded: boolean }): Record<string, never> {
    const size = this.batchSizes.get(input.MapRunArn)?.[input.Index] ?? 1;
    this.context.onChildFinished?.(input.MapRunArn, size, input.Succeeded);
    return {};
  }

  async finish(input: { Run: RunRecord; Results: ChildResult[] }): Promise<unknown> {
    const { Run: run, Results: results } = input;
    this.batchSizes.delete(run.MapRunArn);
    const size = (child: ChildResult) => (run.Batched ? ((child.Input as { Items?: unknown[] }).Items?.length ?? 0) : 1);
    const failed = results.filter((child) => child.Failed !== undefined);
    const failedItems = failed.reduce((sum, child) => sum + size(child), 0);

    const writer = run.Writer;
    const exporting = writer?.Resource !== undefined;
    const transformation = writer?.WriterConfig?.Transformation ?? (exporting ? "NONE" : "COMPACT");
    const outputType = writer?.WriterConfig?.OutputType ?? "JSON";
    const runId = run.MapRunArn.slice(run.MapRunArn.lastIndexOf(":") + 1);
    const record = (child: ChildResult): unknown[] => {
      if (child.Succeeded && transformation === "COMPACT") return [child.Succeeded.Output];
      if (child.Succeeded && transformation === "FLATTEN") {
        const output = child.Succeeded.Output;
        return Array.isArray(output) ? output : [output];
      }
      return [
        {
          ExecutionArn: `arn:aws:states:${placeholderRegion}:${placeholderAccount}:execution:${this.context.stateMachineName}/${run.Map}:${runId}-${child.Index}`,
          Name: `${runId}-${child.Index}`,
          Input: JSON.stringify(child.Input),
          InputDetails: { Included: true },
          Status: child.Succeeded ? "SUCCEEDED" : "FAILED",
          ...(child.Succeeded
            ? { Output: JSON.stringify(child.Succeeded.Output), OutputDetails: { Included: true } }
            : { Error: child.Failed!.Error, Cause: child.Failed!.Cause }),
        },
      ];
    };

    let output: unknown;
    if (exporting) {
      const bucket = writer!.Object?.Bucket;
      const prefix = writer!.Object?.Prefix ?? "";
      if (typeof bucket !== "string" || typeof prefix !== "string") {
        throw new StatesError("States.ResultWriterFailed", `${run.Map}: ResultWriter Bucket and Prefix must be strings`);
      }
      const base = prefix === "" ? runId : `${prefix.replace(/\/+$/, "")}/${runId}`;
      const extension = outputType === "JSONL" ? "jsonl" : "json";
      const serialize = (records: unknown[]) =>
        outputType === "JSONL" ? records.map((r) => JSON.stringify(r) + "\n").join("") : JSON.stringify(records);
      const files: Record<"SUCCEEDED" | "FAILED" | "PENDING", { Key: string; Size: number }[]> = { SUCCEEDED: [], FAILED: [], PENDING: [] };
      try {
        for (const status of ["SUCCEEDED", "FAILED"] as const) {
          const children = results.filter((child) => (status === "FAILED") === (child.Failed !== undefined));
          if (children.length === 0) continue;
          const key = `${base}/${status}_0.${extension}`;
          const body = serialize(children.flatMap(record));
          await this.context.store.put(this.context.locate(bucket, key), body);
          files[status].push({ Key: key, Size: Buffer.byteLength(body) });
        }
        const manifestKey = `${base}/manifest.json`;
        const manifest = { DestinationBucket: bucket, MapRunArn: run.MapRunArn, ResultFiles: files };
        await this.context.store.put(this.context.locate(bucket, manifestKey), JSON.stringify(manifest, null, 2), {
          contentType: "application/json",
        });
        output = { MapRunArn: run.MapRunArn, ResultWriterDetails: { Bucket: bucket, Key: manifestKey } };
      } catch (error) {
        if (error instanceof StatesError) throw error;
        throw new StatesError("States.ResultWriterFailed", `${run.Map}: ${(error as Error).message}`);
      }
    } else {
      output = results.flatMap(record);
    }

    // Judged after writing, as AWS exports the results of a failed map run too.
    if (exceedsTolerance(run.Tolerance, failedItems, run.ItemCount)) {
      const first = failed[0]?.Failed;
      const tolerated =
        [
          run.Tolerance.Percentage !== undefined ? `${run.Tolerance.Percentage}%` : undefined,
          run.Tolerance.Count !== undefined ? `${run.Tolerance.Count} items` : undefined,
        ]
          .filter(Boolean)
          .join(" or ") || "none";
      throw new StatesError(
        "States.ExceedToleratedFailureThreshold",
        `${run.Map}: ${failedItems} of ${run.ItemCount} items failed (tolerated: ${tolerated})` +
          (first ? `; first failure: ${first.Error}: ${first.Cause}` : ""),
      );
    }
    return output;
  }
}
