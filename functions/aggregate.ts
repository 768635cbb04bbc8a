// Aggregate handler: merge the slices' partials (the Reduce map's), evaluate the claims, write
// summary.json and the report beside it (report.html, report.md, plots/).
import { MetricUnit } from "@aws-lambda-powertools/metrics";
import type { Context } from "aws-lambda";
import { aggregate } from "../shared/pipeline/aggregate.js";
import { aggregateEventSchema, handlerMetrics, type AggregateEvent, type AggregateResult } from "../shared/pipeline/contract.js";
import { strictFailures } from "../shared/pipeline/verdict.js";
import { reportForAggregate } from "../shared/report/aggregate.js";
import { begin, metrics, parseEvent, pipelineLog, storeFromEnv } from "./runtime.js";

export async function handler(event: AggregateEvent, context?: Context): Promise<AggregateResult> {
  begin(context, "aggregate");
  const input = parseEvent(aggregateEventSchema, event, "aggregate");
  const result = await aggregate(storeFromEnv(), input, { log: pipelineLog, report: reportForAggregate });
  metrics.addMetric("CellsFailed", MetricUnit.Count, result.cells.failed);
  metrics.addMetric("Regressions", MetricUnit.Count, result.regressions);
  // The claims a strict run fails on (`dropsweep run --strict` exits 4): the scheduled run's
  // alarm watches this, so both judge a sweep by the same rule.
  metrics.addMetric(handlerMetrics.claimsFailing, MetricUnit.Count, strictFailures(result.claims).length);
  metrics.publishStoredMetrics();
  return result;
}
