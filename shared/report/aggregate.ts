// The report as the Aggregate step renders it (shared/pipeline/aggregate.ts, option `report`):
// after summary.json is written, draw the report from every cell's facts (the partials Aggregate
// merged; the few cells drawn whole are read from the store), write it beside the summary and
// count the regressions against the baseline summary the event named (Aggregate checked it).
import type { ReportSources } from "../pipeline/aggregate.js";
import type { Summary } from "../results/summary.js";
import type { Store } from "../store/store.js";
import { writeReport } from "./write.js";

export async function reportForAggregate(
  store: Store,
  summary: Summary,
  baseline: Summary | undefined,
  sources: ReportSources,
): Promise<{ keys: string[]; regressions: number }> {
  const written = await writeReport(
    store,
    summary.sweepId,
    summary,
    { facts: sources.facts },
    {
      unreadable: sources.unreadable,
      ...(baseline ? { baseline, baselineSource: `sweep ${baseline.sweepId}` } : {}),
    },
  );
  return { keys: written.keys, regressions: written.regressions.length };
}
