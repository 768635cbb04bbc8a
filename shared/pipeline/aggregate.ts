// Aggregate (ARCHITECTURE.md "Data flow" 4): merge the partials the Reduce map wrote, one per
// slice of the sweep's cells (rows, claim evidence, report facts), evaluate the claims once, and
// write summary.json and the report. It reads no cell result but the few the report draws whole,
// so its work per invocation does not grow with the results' size. A partial that is missing,
// damaged or of another plan is rebuilt here from its slice's results (reduce.ts), never used.
import { evaluateClaims } from "../claims/list.js";
import type { CellEvidence } from "../claims/evidence.js";
import type { ReportCellFacts } from "../report/cells.js";
import { checkSummary, countCells, SUMMARY_FORMAT, type Summary, type SummaryRow } from "../results/summary.js";
import type { Store } from "../store/store.js";
import { readBaseline } from "./baseline.js";
import { forEachLimit } from "./concurrency.js";
import { type AggregateEvent, type AggregateResult, type SliceItem } from "./contract.js";
import { keys } from "../store/layout.js";
import { silentLog } from "./log.js";
import { readPartial } from "./partial.js";
import type { PipelineOptions } from "./plan.js";
import { reduceRows, type CellRecord } from "./reduce.js";
import { readSliceRows, readSlices, slicesOfOlderPlan } from "./slices.js";

/** What the report reads besides the summary: every valid result's facts, and the results that could not be read. */
export interface ReportSources {
  /** In row order. */
  facts: readonly ReportCellFacts[];
  unreadable: ReadonlyMap<string, string>;
}

export interface AggregateOptions extends PipelineOptions {
  /**
   * Renders the report from the summary (shared/report); returns the keys it wrote and how
   * many regressions it found against the baseline. Without it only summary.json is written.
   */
  report?: (
    store: Store,
    summary: Summary,
    baseline: Summary | undefined,
    sources: ReportSources,
  ) => Promise<{ keys: string[]; regressions: number }>;
}

export async function aggregate(store: Store, event: AggregateEvent, options: AggregateOptions = {}): Promise<AggregateResult> {
  const log = options.log ?? silentLog;
  const { sweepId } = event;
  const { items, rows } = await slicesOf(store, sweepId);
  const gathered = await gather(store, items, { ...options, partials: true, ...(rows ? { rows } : {}) });
  const summary = summaryOf(sweepId, gathered);
  const summaryKey = keys.summary(sweepId);
  await store.put(summaryKey, JSON.stringify(summary, null, 2) + "\n", { contentType: "application/json" });

  // A baseline that is not a summary fails the step with the field that is wrong: a scheduled
  // run must not pass for want of something to compare with.
  const baseline = event.baselineKey
    ? checkSummary(await readBaseline(store, event.baselineKey), `baseline ${event.baselineKey} in ${store.url}`)
    : undefined;
  let reportKeys: string[] = [];
  let regressions = 0;
  if (options.report)
    ({ keys: reportKeys, regressions } = await options.report(store, summary, baseline, {
      facts: gathered.facts,
      unreadable: gathered.unreadable,
    }));
  else if (baseline) regressions = claimStatusChanges(summary, baseline);

  log.info("aggregated", { sweepId, ...summary.cells, regressions, slices: items.length, rebuilt: gathered.rebuilt });
  return {
    sweepId,
    summaryKey,
    reportKeys,
    cells: summary.cells,
    regressions,
    claims: summary.claims.map(({ id, status }) => ({ id, status })),
  };
}

/**
 * The summary of a sweep from what its Plan and Workers stored (nothing is written): a row per
 * cell, counted as computed when the last plan left it to compute, and the claims evaluated on
 * every valid result, each slice reduced here from its results (no partial is trusted).
 * `dropsweep report` uses it alone to regenerate a summary an older dropsweep wrote.
 */
export async function summarise(
  store: Store,
  sweepId: string,
  options: Pick<PipelineOptions, "log" | "concurrency"> = {},
): Promise<Summary> {
  const { items, rows } = await slicesOf(store, sweepId);
  const gathered = await gather(store, items, { ...options, partials: false, ...(rows ? { rows } : {}) });
  return summaryOf(sweepId, gathered);
}

/**
 * The slices the last plan wrote, or for a sweep an older dropsweep planned (no slices.jsonl),
 * slices built in memory from what it wrote (resolved.json, cells.jsonl, the manifest).
 */
async function slicesOf(store: Store, sweepId: string): Promise<{ items: SliceItem[]; rows?: Uint8Array }> {
  const items = await readSlices(store, sweepId);
  return items ? { items } : slicesOfOlderPlan(store, sweepId);
}

interface Gathered extends ReportSources {
  rows: SummaryRow[];
  evidence: CellEvidence[];
  facts: ReportCellFacts[];
  unreadable: Map<string, string>;
  /** Slices reduced here (their partial missing, damaged or not wanted). */
  rebuilt: number;
}

/**
 * Every slice's records, in grid order: from its partial when `partials` and it verifies, else
 * reduced here from the slice's results (`rows`: rows.jsonl's bytes already in hand).
 */
async function gather(
  store: Store,
  slices: readonly SliceItem[],
  options: Pick<PipelineOptions, "log" | "concurrency"> & { partials: boolean; rows?: Uint8Array },
): Promise<Gathered> {
  const log = options.log ?? silentLog;
  const bySlice = new Array<CellRecord[]>(slices.length);
  let rebuilt = 0;
  // A few partials in flight; a slice rebuilt here has its own reads in flight (reduceRows).
  await forEachLimit(slices, 4, async (item, index) => {
    const partial = options.partials ? await readPartial(store, item) : undefined;
    if (Array.isArray(partial)) {
      bySlice[index] = partial;
      return;
    }
    if (partial) log.warn("partial is damaged; rebuilt from the slice's results", { sweepId: item.sweepId, slice: item.slice, ...partial });
    else if (options.partials) log.info("no partial for the slice; reduced here", { sweepId: item.sweepId, slice: item.slice });
    rebuilt++;
    bySlice[index] = await reduceRows(store, await readSliceRows(store, item, options.rows), options);
  });
  const gathered: Gathered = { rows: [], evidence: [], facts: [], unreadable: new Map(), rebuilt };
  for (const records of bySlice)
    for (const record of records) {
      gathered.rows.push(record.row);
      if (record.evidence) gathered.evidence.push(record.evidence);
      if (record.facts) gathered.facts.push(record.facts);
      if (record.unreadable !== undefined) gathered.unreadable.set(record.row.hash, record.unreadable);
    }
  return gathered;
}

function summaryOf(sweepId: string, { rows, evidence }: Gathered): Summary {
  return {
    format: SUMMARY_FORMAT,
    sweepId,
    cells: countCells(rows),
    claims: evaluateClaims(evidence),
    rows,
  };
}

/** Claims whose status differs from the baseline summary's. */
function claimStatusChanges(summary: Summary, baseline: Summary): number {
  const before = new Map(baseline.claims.map((c) => [c.id, c.status]));
  return summary.claims.filter((c) => before.get(c.id) !== c.status).length;
}
