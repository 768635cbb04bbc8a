// Aggregate handler: read every result of the sweep, evaluate the claims, write summary.json
// and the report beside it (report.html, report.md, plots/).
import { MetricUnit } from "@aws-lambda-powertools/metrics";
import type { Context } from "aws-lambda";
import * as z from "zod";
import { aggregate } from "../shared/pipeline/aggregate.js";
import { strictFailures } from "../shared/pipeline/verdict.js";
import type { AggregateEvent, AggregateResult } from "../shared/pipeline/contract.js";
import { reportForAggregate } from "../shared/report/aggregate.js";
import { begin, metrics, parseEvent, pipelineLog, storeFromEnv } from "./runtime.js";

// The state machine hands over its whole state (Plan's result plus the map's); only these matter.
const aggregateEvent = z.looseObject({ sweepId: z.string().regex(/^[0-9a-f]{64}$/), baselineKey: z.string().min(1).optional() });

export async function handler(event: AggregateEvent, context?: Context): Promise<AggregateResult> {
  begin(context, "aggregate");
  const input = parseEvent(aggregateEvent, event, "aggregate");
  const result = await aggregate(storeFromEnv(), input, { log: pipelineLog, report: reportForAggregate });
  metrics.addMetric("CellsFailed", MetricUnit.Count, result.cells.failed);
  metrics.addMetric("Regressions", MetricUnit.Count, result.regressions);
  // The claims a strict run fails on (`dropsweep run --strict` exits 4): the scheduled run's
  // alarm watches this, so both judge a sweep by the same rule.
  metrics.addMetric("ClaimsFailing", MetricUnit.Count, strictFailures(result.claims).length);
  metrics.publishStoredMetrics();
  return result;
}
