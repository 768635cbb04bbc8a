// The report as the Aggregate step renders it (shared/pipeline/aggregate.ts, option `report`):
// after summary.json is written, stream the sweep's results back, write the report beside it
// and count the regressions against the baseline summary the event named.
import type { Summary } from "../pipeline/aggregate.js";
import type { Store } from "../store/store.js";
import { loadResults } from "./load.js";
import { checkSummary, type SummaryLike } from "./summary.js";
import { writeReport } from "./write.js";

export async function reportForAggregate(
  store: Store,
  summary: Summary,
  baseline: unknown,
): Promise<{ keys: string[]; regressions: number }> {
  // A baseline that is not a summary fails the step with the field that is wrong: a scheduled
  // run must not pass for want of something to compare with.
  const baselineSummary = baseline === undefined ? undefined : checkSummary(baseline, "baseline summary");
  const current: SummaryLike = summary;
  const unreadable = new Map<string, string>();
  const written = await writeReport(store, summary.sweepId, current, loadResults(store, current, unreadable), {
    unreadable,
    ...(baselineSummary ? { baseline: baselineSummary, baselineSource: `sweep ${baselineSummary.sweepId}` } : {}),
  });
  return { keys: written.keys, regressions: written.regressions.length };
}
