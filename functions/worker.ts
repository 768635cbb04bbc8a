// Worker handler: compute one batch of cells (ItemBatcher's Items); a bad cell is reported in
// `failed`, a store outage throws so the state machine retries the batch.
import { MetricUnit } from "@aws-lambda-powertools/metrics";
import type { Context } from "aws-lambda";
import * as z from "zod";
import type { WorkerEvent, WorkerResult } from "../shared/pipeline/contract.js";
import { runWorker } from "../shared/pipeline/worker.js";
import { begin, metrics, parseEvent, pipelineLog, storeFromEnv } from "./runtime.js";

// Items are checked one by one by the worker (a bad item fails that item, not the batch).
const workerEvent = z.looseObject({ Items: z.array(z.unknown()), BatchInput: z.looseObject({ sweepId: z.string() }) });

export async function handler(event: WorkerEvent, context?: Context): Promise<WorkerResult> {
  begin(context, "worker");
  const input = parseEvent(workerEvent, event, "worker") as WorkerEvent;
  const result = await runWorker(storeFromEnv(), input, { log: pipelineLog, ...(context ? { workerId: context.awsRequestId } : {}) });
  metrics.addMetric("CellsComputed", MetricUnit.Count, result.computed.length);
  metrics.addMetric("CellsCached", MetricUnit.Count, result.cached.length);
  metrics.addMetric("CellsFailed", MetricUnit.Count, result.failed.length);
  metrics.publishStoredMetrics();
  return result;
}
