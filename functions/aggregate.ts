// Aggregate handler: read every result of the sweep, evaluate the claims, write summary.json
// and the report beside it (report.html, report.md, plots/).
import { MetricUnit } from "@aws-lambda-powertools/metrics";
import type { Context } from "aws-lambda";
import { aggregate } from "../shared/pipeline/aggregate.js";
import { aggregateEventSchema, type AggregateEvent, type AggregateResult } from "../shared/pipeline/contract.js";
import { reportForAggregate } from "../shared/report/aggregate.js";
import { begin, metrics, parseEvent, pipelineLog, storeFromEnv } from "./runtime.js";

export async function handler(event: AggregateEvent, context?: Context): Promise<AggregateResult> {
  begin(context, "aggregate");
  const input = parseEvent(aggregateEventSchema, event, "aggregate");
  const result = await aggregate(storeFromEnv(), input, { log: pipelineLog, report: reportForAggregate });
  metrics.addMetric("CellsFailed", MetricUnit.Count, result.cells.failed);
  metrics.addMetric("Regressions", MetricUnit.Count, result.regressions);
  metrics.publishStoredMetrics();
  return result;
}
