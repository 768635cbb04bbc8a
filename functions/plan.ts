// Plan handler: expand the stored spec into cells and write the manifest of work left.
import { MetricUnit } from "@aws-lambda-powertools/metrics";
import type { Context } from "aws-lambda";
import * as z from "zod";
import type { PlanEvent, PlanResult } from "../shared/pipeline/contract.js";
import { plan } from "../shared/pipeline/plan.js";
import { begin, metrics, parseEvent, pipelineLog, storeFromEnv } from "./runtime.js";

const planEvent = z.looseObject({ specKey: z.string().min(1), baselineKey: z.string().min(1).optional() });

export async function handler(event: PlanEvent, context?: Context): Promise<PlanResult> {
  begin(context, "plan");
  const input = parseEvent(planEvent, event, "plan");
  const result = await plan(storeFromEnv(), input, { log: pipelineLog });
  metrics.addMetric("CellsTotal", MetricUnit.Count, result.total);
  metrics.addMetric("CellsCached", MetricUnit.Count, result.cached);
  metrics.addMetric("CellsPending", MetricUnit.Count, result.pending);
  metrics.publishStoredMetrics();
  return result;
}
