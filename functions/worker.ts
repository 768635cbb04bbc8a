// Worker handler: compute one batch of cells (ItemBatcher's Items); a bad cell is reported in
// `failed`, a store outage throws so the state machine retries the batch.
import { MetricUnit } from "@aws-lambda-powertools/metrics";
import type { Context } from "aws-lambda";
import { workerBatchSchema, type WorkerEvent, type WorkerResult } from "../shared/pipeline/contract.js";
import { runWorker } from "../shared/pipeline/worker.js";
import { begin, metrics, parseEvent, storeFromEnv, workerOptions, type LocalContext } from "./runtime.js";

export async function handler(event: WorkerEvent, context?: Context & LocalContext): Promise<WorkerResult> {
  begin(context, "worker");
  const input = parseEvent(workerBatchSchema, event, "worker");
  const result = await runWorker(storeFromEnv(), input, workerOptions(context));
  metrics.addMetric("CellsComputed", MetricUnit.Count, result.computed.length);
  metrics.addMetric("CellsCached", MetricUnit.Count, result.cached.length);
  metrics.addMetric("CellsFailed", MetricUnit.Count, result.failed.length);
  metrics.publishStoredMetrics();
  return result;
}
