// Reduce handler: one slice of the sweep's cells (a line of slices.jsonl, the Reduce map's item):
// read its results, write its partial (rows, claim evidence, report facts) for Aggregate to merge.
import { MetricUnit } from "@aws-lambda-powertools/metrics";
import type { Context } from "aws-lambda";
import { sliceItemSchema, type ReduceResult, type SliceItem } from "../shared/pipeline/contract.js";
import { reduce } from "../shared/pipeline/reduce.js";
import { begin, metrics, parseEvent, pipelineLog, storeFromEnv } from "./runtime.js";

export async function handler(event: SliceItem, context?: Context): Promise<ReduceResult> {
  begin(context, "reduce");
  const input = parseEvent(sliceItemSchema, event, "reduce");
  const result = await reduce(storeFromEnv(), input, { log: pipelineLog });
  metrics.addMetric("CellsReduced", MetricUnit.Count, result.usable + result.unusable);
  metrics.publishStoredMetrics();
  return result;
}
