// Plan handler: expand the stored spec into cells and write the manifest of work left.
import { MetricUnit } from "@aws-lambda-powertools/metrics";
import type { Context } from "aws-lambda";
import { planEventSchema, type PlanEvent, type PlanResult } from "../shared/pipeline/contract.js";
import { plan } from "../shared/pipeline/plan.js";
import { begin, metrics, parseEvent, pipelineLog, storeFromEnv } from "./runtime.js";

export async function handler(event: PlanEvent, context?: Context): Promise<PlanResult> {
  begin(context, "plan");
  const input = parseEvent(planEventSchema, event, "plan");
  const result = await plan(storeFromEnv(), input, { log: pipelineLog });
  metrics.addMetric("CellsTotal", MetricUnit.Count, result.total);
  metrics.addMetric("CellsCached", MetricUnit.Count, result.cached);
  metrics.addMetric("CellsPending", MetricUnit.Count, result.pending);
  metrics.publishStoredMetrics();
  return result;
}
