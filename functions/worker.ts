// Worker handler: compute one batch of cells (ItemBatcher's Items); a bad cell is reported in
// `failed`, a store outage throws so the state machine retries the batch, and a batch that would
// outlast the invocation stops between cells with Dropsweep.BatchIncomplete, which the state
// machine retries at once (shared/pipeline/budget.ts).
import { MetricUnit } from "@aws-lambda-powertools/metrics";
import type { Context } from "aws-lambda";
import { BatchIncompleteError } from "../shared/pipeline/budget.js";
import { workerBatchSchema, type WorkerEvent, type WorkerResult } from "../shared/pipeline/contract.js";
import { runWorker } from "../shared/pipeline/worker.js";
import { begin, metrics, parseEvent, storeFromEnv, workerOptions, type LocalContext } from "./runtime.js";

function publish(result: WorkerResult, incomplete: boolean): void {
  metrics.addMetric("CellsComputed", MetricUnit.Count, result.computed.length);
  metrics.addMetric("CellsCached", MetricUnit.Count, result.cached.length);
  metrics.addMetric("CellsFailed", MetricUnit.Count, result.failed.length);
  // Invocations that handed the rest of their batch to the next attempt (not failures).
  metrics.addMetric("BatchesContinued", MetricUnit.Count, incomplete ? 1 : 0);
  metrics.publishStoredMetrics();
}

export async function handler(event: WorkerEvent, context?: Context & LocalContext): Promise<WorkerResult> {
  begin(context, "worker");
  const input = parseEvent(workerBatchSchema, event, "worker");
  let result: WorkerResult;
  try {
    result = await runWorker(storeFromEnv(), input, workerOptions(context));
  } catch (error) {
    // The cells this invocation stored count in the metrics, whichever attempt finishes the batch.
    if (error instanceof BatchIncompleteError) publish(error.result, true);
    throw error;
  }
  publish(result, false);
  return result;
}
