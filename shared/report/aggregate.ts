// The report as the Aggregate step renders it (shared/pipeline/aggregate.ts, option `report`):
// after summary.json is written, stream the sweep's results back, write the report beside it
// and count the regressions against the baseline summary the event named (Aggregate checked it).
import type { Summary } from "../results/summary.js";
import type { Store } from "../store/store.js";
import { loadResults } from "./load.js";
import { writeReport } from "./write.js";

export async function reportForAggregate(
  store: Store,
  summary: Summary,
  baseline: Summary | undefined,
): Promise<{ keys: string[]; regressions: number }> {
  const unreadable = new Map<string, string>();
  const written = await writeReport(store, summary.sweepId, summary, loadResults(store, summary, unreadable), {
    unreadable,
    ...(baseline ? { baseline, baselineSource: `sweep ${baseline.sweepId}` } : {}),
  });
  return { keys: written.keys, regressions: written.regressions.length };
}
