// Aggregate (ARCHITECTURE.md "Data flow" 3): read the result of every cell the sweep's
// cells.jsonl names (a few reads in flight, results not kept: only their row and evidence),
// evaluate the claims, and write summary.json. A missing or corrupt result is reported (its
// row says so, the log warns, it counts as failed), never skipped silently.
import { readCellError, readResult, type CellMetrics } from "../results/result.js";
import type { ResolvedSweep } from "../spec/spec.js";
import { retryingStore } from "../store/retry.js";
import type { Store } from "../store/store.js";
import { evaluateClaims, type CellEvidence, type ClaimResult } from "./claims.js";
import { forEachLimit } from "./concurrency.js";
import { keys, type AggregateEvent, type AggregateResult, type CellReference, type ManifestItem } from "./contract.js";
import { parseJsonLines, silentLog } from "./log.js";
import type { PipelineOptions } from "./plan.js";

export type RowStatus = "computed" | "cached" | "diverged" | "failed" | "missing" | "corrupt";

/**
 * The measurements every row carries: CellMetrics' fixed fields (shared/results/result.ts), and
 * rank(A*) counted at the threshold claim 5 compares the learned rank with (linear cells only).
 */
export type RowMetrics = Pick<
  CellMetrics,
  "objectiveGap" | "spectrumError" | "balanceRatio" | "learnedRank" | "closedFormRank" | "representable"
> & { closedFormRankAtThreshold?: number };

export interface SummaryRow extends RowMetrics {
  hash: string;
  /** The cell's value of every axis of the sweep (and its section, when there are several). */
  parameters: Record<string, unknown>;
  status: RowStatus;
  /** Why there is no usable result (failed, missing, corrupt rows only). */
  error?: string;
  /** A diverged row: where `cells` counts it (so the report can recount if its result goes corrupt later). */
  countedAs?: "computed" | "cached";
}

export interface Summary {
  sweepId: string;
  cells: { total: number; computed: number; cached: number; failed: number };
  claims: ClaimResult[];
  rows: SummaryRow[];
}

export interface AggregateOptions extends PipelineOptions {
  /**
   * Renders the report from the summary (shared/report); returns the keys it wrote and how
   * many regressions it found against the baseline. Without it only summary.json is written.
   */
  report?: (store: Store, summary: Summary, baseline: unknown) => Promise<{ keys: string[]; regressions: number }>;
}

export function summaryKeyOf(sweepId: string): string {
  return keys.report(sweepId, "summary.json");
}

export async function aggregate(target: Store, event: AggregateEvent, options: AggregateOptions = {}): Promise<AggregateResult> {
  const log = options.log ?? silentLog;
  const store = retryingStore(target, { onRetry: (operation, key, attempt, error) => log.warn("store call failed; retrying", { operation, key, attempt, error: String(error) }) });
  const { sweepId } = event;
  const resolved = await readJson<ResolvedSweep>(store, keys.resolved(sweepId));
  const cells = parseJsonLines<CellReference>(await readText(store, keys.cells(sweepId)), keys.cells(sweepId));
  const pending = new Set(parseJsonLines<ManifestItem>(await readText(store, keys.manifest(sweepId)), keys.manifest(sweepId)).map((i) => i.hash));
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
      ...(typeof metrics?.closedFormRankAtThreshold === "number" ? { closedFormRankAtThreshold: metrics.closedFormRankAtThreshold } : {}),
      representable: typeof metrics?.representable === "boolean" ? metrics.representable : null,
      status,
      ...(error ? { error } : {}),
    });
    const read = await readResult(store, hash);
    if (read.state === "valid") {
      const { result } = read;
      const bucket = pending.has(hash) ? "computed" : "cached";
      rows[index] = result.status === "diverged" ? { ...row(result.metrics, "diverged"), countedAs: bucket } : row(result.metrics, bucket);
      evidence[index] = { hash, cell: result.cell, status: result.status, metrics: result.metrics, spectra: result.spectra };
    } else if (read.state === "corrupt") {
      log.warn("result is corrupt; not used", { hash, reason: read.reason });
      rows[index] = row(undefined, "corrupt", `result is corrupt: ${read.reason}`);
    } else {
      const failure = await readCellError(store, hash);
      log.warn(failure ? "cell failed" : "result is missing", { hash, ...(failure ? { error: failure.error } : {}) });
      rows[index] = failure ? row(undefined, "failed", failure.error) : row(undefined, "missing", "no result was written for this cell");
    }
  });

  const valid = rows.filter((r) => r.status === "computed" || r.status === "cached" || r.status === "diverged");
  const summary: Summary = {
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
  const summaryKey = summaryKeyOf(sweepId);
  await store.put(summaryKey, JSON.stringify(summary, null, 2) + "\n", { contentType: "application/json" });

  const baseline = event.baselineKey ? await readJson<unknown>(store, event.baselineKey) : undefined;
  let reportKeys: string[] = [];
  let regressions = 0;
  if (options.report) ({ keys: reportKeys, regressions } = await options.report(store, summary, baseline));
  else if (baseline) regressions = claimStatusChanges(summary, baseline);

  log.info("aggregated", { sweepId, ...summary.cells, regressions });
  return { sweepId, summaryKey, reportKeys, cells: summary.cells, regressions, claims: summary.claims.map(({ id, status }) => ({ id, status })) };
}

/** Claims whose status differs from the baseline summary's (a claim absent there counts). */
export function claimStatusChanges(summary: Summary, baseline: unknown): number {
  const before = new Map(((baseline as { claims?: { id: string; status: string }[] })?.claims ?? []).map((c) => [c.id, c.status]));
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
