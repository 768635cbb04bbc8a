// Aggregate (ARCHITECTURE.md "Data flow" 3): read the result of every cell the sweep's
// cells.jsonl names (a few reads in flight, results not kept: only their row and evidence),
// evaluate the claims, and write summary.json. A missing or corrupt result is reported (its
// row says so, the log warns, it counts as failed), never skipped silently.
import { evaluateClaims } from "../claims/list.js";
import { parseJsonLines } from "../jsonLines.js";
import type { CellEvidence } from "../claims/evidence.js";
import { checkMetrics, type CellMetrics } from "../results/metrics.js";
import { readCellError, readResult } from "../results/result.js";
import { checkSummary, SUMMARY_FORMAT, type RowStatus, type Summary, type SummaryRow } from "../results/summary.js";
import type { ResolvedSweep } from "../spec/spec.js";
import type { Store } from "../store/store.js";
import { forEachLimit } from "./concurrency.js";
import { type AggregateEvent, type AggregateResult, type CellReference, type ManifestItem } from "./contract.js";
import { keys } from "../store/layout.js";
import { silentLog } from "./log.js";
import type { PipelineOptions } from "./plan.js";

export interface AggregateOptions extends PipelineOptions {
  /**
   * Renders the report from the summary (shared/report); returns the keys it wrote and how
   * many regressions it found against the baseline. Without it only summary.json is written.
   */
  report?: (store: Store, summary: Summary, baseline: Summary | undefined) => Promise<{ keys: string[]; regressions: number }>;
}

export function summaryKeyOf(sweepId: string): string {
  return keys.report(sweepId, "summary.json");
}

export async function aggregate(store: Store, event: AggregateEvent, options: AggregateOptions = {}): Promise<AggregateResult> {
  const log = options.log ?? silentLog;
  const { sweepId } = event;
  const summary = await summarise(store, sweepId, options);
  const summaryKey = summaryKeyOf(sweepId);
  await store.put(summaryKey, JSON.stringify(summary, null, 2) + "\n", { contentType: "application/json" });

  // A baseline that is not a summary fails the step with the field that is wrong: a scheduled
  // run must not pass for want of something to compare with.
  const baseline = event.baselineKey
    ? checkSummary(await readJson<unknown>(store, event.baselineKey), `baseline ${event.baselineKey} in ${store.url}`)
    : undefined;
  let reportKeys: string[] = [];
  let regressions = 0;
  if (options.report) ({ keys: reportKeys, regressions } = await options.report(store, summary, baseline));
  else if (baseline) regressions = claimStatusChanges(summary, baseline);

  log.info("aggregated", { sweepId, ...summary.cells, regressions });
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
 * cell of cells.jsonl, counted as computed when the last plan's manifest listed it, and the
 * claims evaluated on every valid result. `dropsweep report` uses it alone to regenerate a
 * summary an older dropsweep wrote.
 */
export async function summarise(
  store: Store,
  sweepId: string,
  options: Pick<PipelineOptions, "log" | "concurrency"> = {},
): Promise<Summary> {
  const log = options.log ?? silentLog;
  const resolved = await readJson<ResolvedSweep>(store, keys.resolved(sweepId));
  const cells = parseJsonLines<CellReference>(await readText(store, keys.cells(sweepId)), keys.cells(sweepId));
  const pending = new Set(
    parseJsonLines<ManifestItem>(await readText(store, keys.manifest(sweepId)), keys.manifest(sweepId)).map((i) => i.hash),
  );
  const parameters = new Map(resolved.cells.map((c) => [c.hash, c.parameters]));

  const rows = new Array<SummaryRow>(cells.length);
  const evidence = new Array<CellEvidence | undefined>(cells.length);
  await forEachLimit(cells, options.concurrency ?? 16, async ({ hash }, index) => {
    const row = (metrics: CellMetrics | undefined, status: RowStatus, error?: string): SummaryRow => ({
      hash,
      parameters: parameters.get(hash) ?? {},
      objectiveGap: numberOrNull(metrics?.objectiveGap),
      spectrumError: numberOrNull(metrics?.spectrumError),
      balanceRatio: numberOrNull(metrics?.balanceRatio),
      learnedRank: numberOrNull(metrics?.learnedRank),
      closedFormRank: numberOrNull(metrics?.closedFormRank),
      ...(metrics && "closedFormRankAtThreshold" in metrics && metrics.closedFormRankAtThreshold !== undefined
        ? { closedFormRankAtThreshold: metrics.closedFormRankAtThreshold }
        : {}),
      representable: typeof metrics?.representable === "boolean" ? metrics.representable : null,
      ...(metrics?.trainingStatus ? { trainingStatus: metrics.trainingStatus } : {}),
      status,
      ...(error ? { error } : {}),
    });
    const corrupt = (reason: string) => {
      log.warn("result is corrupt; not used", { hash, reason });
      rows[index] = row(undefined, "corrupt", `result is corrupt: ${reason}`);
    };
    const read = await readResult(store, hash);
    if (read.state === "valid") {
      const { result } = read;
      // Intact bytes whose metrics are not what the cell's experiment writes (a result written
      // by another build under the same kernel version): not evidence.
      const typed = checkMetrics(result.cell, result.metrics);
      if ("problems" in typed)
        return corrupt(`its metrics do not match the ${result.cell.experiment} experiment's (${typed.problems.join("; ")})`);
      const bucket = pending.has(hash) ? "computed" : "cached";
      rows[index] = result.status === "diverged" ? { ...row(typed.metrics, "diverged"), countedAs: bucket } : row(typed.metrics, bucket);
      evidence[index] = { ...typed, hash, status: result.status, spectra: result.spectra };
    } else if (read.state === "corrupt") {
      corrupt(read.reason);
    } else {
      const failure = await readCellError(store, hash);
      log.warn(failure ? "cell failed" : "result is missing", { hash, ...(failure ? { error: failure.error } : {}) });
      rows[index] = failure ? row(undefined, "failed", failure.error) : row(undefined, "missing", "no result was written for this cell");
    }
  });

  const valid = rows.filter((r) => r.status === "computed" || r.status === "cached" || r.status === "diverged");
  const summary: Summary = {
    format: SUMMARY_FORMAT,
    sweepId,
    cells: {
      total: rows.length,
      computed: valid.filter((r) => pending.has(r.hash)).length,
      cached: valid.filter((r) => !pending.has(r.hash)).length,
      failed: rows.length - valid.length,
    },
    claims: evaluateClaims(evidence.filter((e): e is CellEvidence => e !== undefined)),
    rows,
  };
  return summary;
}

/** Claims whose status differs from the baseline summary's. */
export function claimStatusChanges(summary: Summary, baseline: Summary): number {
  const before = new Map(baseline.claims.map((c) => [c.id, c.status]));
  return summary.claims.filter((c) => before.get(c.id) !== c.status).length;
}

function numberOrNull(value: unknown): number | null {
  return typeof value === "number" && Number.isFinite(value) ? value : null;
}

async function readText(store: Store, key: string): Promise<string> {
  const bytes = await store.get(key);
  if (!bytes) throw new Error(`aggregate: ${key} is missing from ${store.url} (has Plan run for this sweep?)`);
  return new TextDecoder().decode(bytes);
}

async function readJson<T>(store: Store, key: string): Promise<T> {
  const text = await readText(store, key);
  try {
    return JSON.parse(text) as T;
  } catch {
    throw new Error(`aggregate: ${key} in ${store.url} is not JSON`);
  }
}
