// What the four handlers share, created once per container (outside the handler, as the
// Powertools examples do): the logger, the metrics, and the pipeline's store named by the
// environment (DROPSWEEP_STORE, a file:// or s3:// URL; DROPSWEEP_S3_ENDPOINT for an
// S3-compatible server) with its one retry layer (shared/store/retry.ts; S3 requests are
// retried by the AWS SDK beneath it, docs/GUARANTEES.md "Fault tolerance").
import { Logger } from "@aws-lambda-powertools/logger";
import { Metrics } from "@aws-lambda-powertools/metrics";
import type { Context } from "aws-lambda";
import type * as z from "zod";
import { handlerMetrics } from "../shared/pipeline/contract.js";
import type { PipelineLog } from "../shared/pipeline/log.js";
import type { FinishedCell, WorkerOptions } from "../shared/pipeline/worker.js";
import { openStore } from "../shared/store/open.js";
import { retryingStore } from "../shared/store/retry.js";
import type { Store } from "../shared/store/store.js";

export const logger = new Logger({ serviceName: handlerMetrics.service });
export const metrics = new Metrics({ namespace: handlerMetrics.namespace, serviceName: handlerMetrics.service });

export const pipelineLog: PipelineLog = {
  info: (message, details) => logger.info(message, { ...details }),
  warn: (message, details) => logger.warn(message, { ...details }),
};

let opened: { url: string; endpoint: string | undefined; store: Store; retrying: Store } | undefined;

const retryOptions = {
  onRetry: (operation: string, key: string, attempt: number, error: unknown) =>
    logger.warn("store call failed; retrying", { operation, key, attempt, error: String(error) }),
};

/**
 * The pipeline's store: DROPSWEEP_STORE, opened once and reused while the environment names it,
 * behind its retry layer. `beneath` wraps the opened store under that layer (the local runner's
 * fault injection: its failures are retried as a store's own would be).
 */
export function storeFromEnv(beneath?: (store: Store) => Store): Store {
  const url = process.env.DROPSWEEP_STORE;
  if (!url) throw new Error("DROPSWEEP_STORE is not set (file:///abs/dir or s3://bucket/prefix)");
  const endpoint = process.env.DROPSWEEP_S3_ENDPOINT || undefined;
  if (!opened || opened.url !== url || opened.endpoint !== endpoint) {
    const store = openStore(url, endpoint ? { endpoint } : {});
    opened = { url, endpoint, store, retrying: retryingStore(store, retryOptions) };
  }
  return beneath ? retryingStore(beneath(opened.store), retryOptions) : opened.retrying;
}

/** What the local runner adds to the Lambda context (infra/local/handlerWorker.mjs); Lambda's has none of it. */
export interface LocalContext {
  /** Per-cell progress: the runner counts each cell as the Worker finishes it, not at the batch's end. */
  dropsweepCellFinished?: (cell: FinishedCell) => void;
}

/**
 * runWorker's options in a Worker handler: the log, the request id, the invocation's time left
 * (so it stops between cells before its timeout) and the local runner's per-cell progress.
 */
export function workerOptions(context: (Context & LocalContext) | undefined): WorkerOptions {
  const remaining = context?.getRemainingTimeInMillis;
  return {
    log: pipelineLog,
    ...(context ? { workerId: context.awsRequestId } : {}),
    ...(typeof remaining === "function" ? { remainingMs: () => remaining.call(context) } : {}),
    ...(context?.dropsweepCellFinished ? { onCellFinished: context.dropsweepCellFinished } : {}),
  };
}

/** Check an event against its schema; a malformed event is a bug upstream, not worth a retry. */
export function parseEvent<T>(schema: z.ZodType<T>, event: unknown, handler: string): T {
  const parsed = schema.safeParse(event);
  if (!parsed.success) {
    const error = new TypeError(
      `${handler}: malformed event: ${parsed.error.issues.map((i) => `${i.path.join(".") || "event"}: ${i.message}`).join("; ")}`,
    );
    error.name = "MalformedEvent";
    throw error;
  }
  return parsed.data;
}

export function begin(context: Context | undefined, handler: string): void {
  if (context) logger.addContext(context);
  logger.appendKeys({ handler });
}
