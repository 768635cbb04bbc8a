// The report model: everything report.html and report.md show, computed once from the summary
// and one pass over the cells (an async stream of results, or of their facts from Aggregate's
// partials: a large sweep is never held whole; only the representative cells drawn in
// per-configuration plots are kept or read whole).
// Renderers (html.ts, markdown.ts) only lay this out.
//
// The plots are a table of panels (shared/report/panels), the claims' own in the claims' order:
// each collects what it needs from every cell as the results stream by, then builds its view.
import { posix } from "node:path";
import { claimById, claims as claimModules } from "../claims/list.js";
import type { ClaimResult } from "../claims/result.js";
import { claimStatusInfo } from "../claims/status.js";
import { presumesTrainedOptimum } from "../claims/training.js";
import { keys } from "../store/layout.js";
import { emptyMetrics } from "../results/metrics.js";
import { countCells, rowHasResult, type Regression, type Summary, type SummaryRow } from "../results/summary.js";
import { compareWithBaseline, unmatchedCells } from "./baseline.js";
import { groupConfigurations, numberAt, pickConfigurations, type Configurations, type ReportCell, type ReportCellFacts } from "./cells.js";
import { defaultLimits, type ReportLimits } from "./limits.js";
import { capNote, type Drawn, type Panel, type PanelContext, type PanelLabels, type PlotSpec } from "./panels/panel.js";
import { describeConfigurations, oneLine, wrapParts, type LabelOptions } from "./labels.js";
import { rankVerdicts, rankView, type RankView } from "./rank.js";
import { cellRoles, type CellRole } from "./roles.js";
import { claimCellHashes } from "./summary.js";
import { renderSvg } from "./svg.js";

export interface ReportOptions {
  baseline?: Summary;
  /** Where the baseline came from, as the reader should see it (a directory or URL). */
  baselineSource?: string;
  limits?: Partial<ReportLimits>;
  /** Called as plots render, for progress output, and with a warning per corrupt result ("report: warning: ..."). */
  onProgress?: (message: string) => void;
  /** Why a cell failed (its stored error.json), for the failed-cells list. */
  cellError?: (hash: string) => Promise<string | undefined>;
  /** Results that exist but could not be used (corrupt, wrong cell), with the reason: shown as corrupt. */
  unreadable?: ReadonlyMap<string, string>;
  /** The command that regenerates this report, store included (writeReport derives it from the store's URL). */
  regenerate?: string;
  /** Read one cell's result whole after a stream of facts (`factsOnly`): the representatives and panels' `whole` cells. */
  fetchCell?: (hash: string) => Promise<ReportCell | undefined>;
  /**
   * The stream carries every cell's facts only (Aggregate's partials): the representatives drawn
   * whole are read again with `fetchCell`, so the report reads at most a few results.
   */
  factsOnly?: boolean;
}

export interface ClaimView {
  claim: ClaimResult;
  statement: string;
  measuredMeaning: string;
  /** Why the tolerances are what they are: the claim's own text from the summary (the pipeline's). */
  justification: string;
  /** What to look at and change, for a claim that does not hold (empty when it passes or is skipped). */
  remedy: string;
  cellCount: number;
  /** The first cells behind the claim, the worst first, each with its configuration and seed as a reader names it. */
  links: { hash: string; href: string; label: string }[];
  moreCells: number;
  /**
   * Cells the claim was evaluated on whose result is corrupt now: the claim is as Aggregate
   * evaluated it, when they were still valid (not recomputed without them).
   */
  corruptCells: number;
}

interface PlotView extends PlotSpec {
  svg: string;
  dataMarks: number;
}

export interface RowView {
  row: SummaryRow;
  /** The rank column as claim 5 judges the cell (rank.ts). */
  rank: RankView;
  configuration: string;
  seed: number | undefined;
  resultHref: string;
  /** The cell's part in each claim, as the claims recorded it (roles.ts). */
  roles: CellRole[];
}

export interface ReportModel {
  sweepId: string;
  /** The command that regenerates this report without recomputing (regenerate.ts). */
  regenerate: string;
  cells: Summary["cells"];
  claims: ClaimView[];
  baseline?: { sweepId: string; source: string; regressions: Regression[]; onlyCurrent: number; onlyBaseline: number };
  plots: PlotView[];
  /** Plots that could not be drawn and why (no data of that kind in this sweep's results). */
  absentPlots: { title: string; reason: string }[];
  rows: RowView[];
  rowsOmitted: number;
  /** Cells whose training stopped at the cap or diverged (summary rows' trainingStatus): the claims do not judge them. */
  notConverged: number;
  /** Of those, the cells that stopped at their cap and that only claims 1 and 2 read (they hold at any weights): a spec may cap them on purpose. */
  notConvergedAnyWeights: number;
  /** Cells whose status is not computed or cached (failed, diverged, missing, corrupt), with the reason. */
  failures: { hash: string; configuration: string; status: string; error: string }[];
  failuresOmitted: number;
  /** Cells the summary has as computed whose result is no longer in the store. */
  missingResults: { hash: string; reason: string }[];
  /** Cells the summary has as computed whose result is now corrupt, with why (they are also in `failures`). */
  corruptResults: { hash: string; reason: string }[];
}

/** The report's plots: every claim's panels, in the claims' order, each once. */
const reportPanels: readonly Panel[] = [...new Set(claimModules.flatMap((claim) => claim.plots))];

/** Anchor of a cell's row in report.html. */
export function cellAnchor(hash: string): string {
  return `cell-${hash}`;
}

/** A cell's result file relative to the report, so links work in a directory and in a bucket. */
export function resultHref(sweepId: string, hash: string): string {
  const from = posix.dirname(keys.report(sweepId, "report.html"));
  return posix.relative(from, keys.result(hash));
}

const maxFailuresListed = 200;

export async function buildReportModel(
  summary: Summary,
  results: AsyncIterable<ReportCell | ReportCellFacts> | Iterable<ReportCell | ReportCellFacts>,
  options: ReportOptions = {},
): Promise<ReportModel> {
  const limits = { ...defaultLimits, ...options.limits };
  const progress = options.onProgress ?? (() => {});
  const configurations = groupConfigurations(summary.rows);
  const labelOf = (hash: string) => configurations.labelOf.get(configurations.keyOf.get(hash) ?? "") ?? hash.slice(0, 12);
  const context: PanelContext = {
    summary,
    limits,
    labelOf,
    labels: (hashes, options) => panelLabels(configurations, hashes, options),
    replicates: (hash) => configurations.members.get(configurations.keyOf.get(hash) ?? "")?.length ?? 1,
  };
  const representatives = chooseRepresentatives(summary, configurations, limits.configurations);

  // One pass over the results: every panel sees every cell; the representatives (and the few
  // cells a panel asks for whole, `PanelRun.whole`) are kept whole, or, from a stream of facts,
  // read again after it: at most `limits.configurations` results and the panels' few.
  const runs = reportPanels.map((panel) => ({ panel, run: panel.start(context) }));
  const kept = new Map<string, ReportCell>();
  const delivered = new Set<string>();
  for await (const cell of results) {
    delivered.add(cell.hash);
    if (!options.factsOnly && representatives.hashes.has(cell.hash)) kept.set(cell.hash, cell);
    for (const { run } of runs) {
      run.add?.(cell);
      if (!options.factsOnly && run.whole?.hashes.has(cell.hash)) run.whole.add(cell);
    }
  }
  if (options.factsOnly) {
    const drawnWhole = new Set(
      [...representatives.hashes, ...runs.flatMap(({ run }) => [...(run.whole?.hashes ?? [])])].filter((hash) => delivered.has(hash)),
    );
    const read = new Map(await Promise.all([...drawnWhole].map(async (hash) => [hash, await options.fetchCell?.(hash)] as const)));
    for (const hash of representatives.hashes) {
      const cell = read.get(hash);
      if (cell) kept.set(hash, cell);
    }
    for (const { run } of runs)
      for (const hash of run.whole?.hashes ?? []) {
        const cell = read.get(hash);
        if (cell) run.whole!.add(cell);
      }
  }

  const health = resultHealth(summary, delivered, options.unreadable);
  for (const c of health.corruptResults)
    progress(
      `report: warning: the result of cell ${c.hash.slice(0, 12)} is corrupt (${c.reason}); shown as corrupt, the claims as Aggregate evaluated them when it was valid. Rerun the sweep to recompute it.`,
    );
  const incomplete = health.rows.filter((r) => r.status !== "computed" && r.status !== "cached");
  const failures = await describeFailures(incomplete.slice(0, maxFailuresListed), labelOf, options);

  const drawn: Drawn = {
    cells: [...representatives.hashes].flatMap((hash) => kept.get(hash) ?? []),
    byHash: kept,
    capNote: capNote(representatives.chosen, representatives.drawable, "configurations"),
  };
  const plots: PlotView[] = [];
  const absentPlots: ReportModel["absentPlots"] = [];
  let index = 0;
  for (const { panel, run } of runs) {
    const plot = await run.finish(drawn);
    if (!plot) {
      absentPlots.push({ title: panel.title, reason: panel.absent });
      continue;
    }
    progress(`report: rendering plot ${++index} (${plot.title})`);
    const rendered = await renderSvg(plot.spec, plot.id);
    if (rendered.dataMarks === 0) absentPlots.push({ title: plot.title, reason: "its data drew no marks" });
    else plots.push({ ...plot, ...rendered });
  }

  const shownRows = health.rows.slice(0, limits.tableRows);
  const inTable = new Set(shownRows.map((r) => r.hash));
  const corrupt = new Set(health.corruptResults.map((c) => c.hash));
  const verdicts = rankVerdicts(summary);
  const rowByHash = new Map(summary.rows.map((row) => [row.hash, row]));
  const cellLabel = (hash: string) => {
    const seed = numberAt(rowByHash.get(hash)?.parameters ?? {}, "seed");
    return `${labelOf(hash)}${seed !== undefined ? ` · seed ${seed}` : ""}`;
  };
  const roles = cellRoles(summary.claims);
  // Cells that stopped at their cap and that only claims holding at any weights (1, 2) judge:
  // neither a divergence nor a cell no claim reads is excused as a cap set on purpose. A claim's
  // hashes are the cells it judges or would judge had they converged (not those it only reports).
  const readBy = (trained: boolean) =>
    new Set(summary.claims.filter((c) => presumesTrainedOptimum(c.id) === trained).flatMap((c) => c.hashes ?? []));
  const [readByTrained, readByAnyWeights] = [readBy(true), readBy(false)];
  const cappedAnyWeights = (row: SummaryRow) =>
    row.trainingStatus === "max-epochs" && readByAnyWeights.has(row.hash) && !readByTrained.has(row.hash);
  const model: ReportModel = {
    sweepId: summary.sweepId,
    regenerate: options.regenerate ?? `npx dropsweep report ${summary.sweepId}`,
    cells: health.current.cells,
    claims: summary.claims.map((claim) => claimView(claim, summary.sweepId, limits, inTable, corrupt, (hash) => cellLabel(hash))),
    plots,
    absentPlots,
    rows: shownRows.map((row) => ({
      row,
      // A corrupt row has no metrics to judge; the claims list it as evaluated before.
      rank: row.status === "corrupt" ? { learned: null, closedForm: null } : rankView(row, verdicts),
      configuration: labelOf(row.hash),
      seed: numberAt(row.parameters, "seed"),
      resultHref: resultHref(summary.sweepId, row.hash),
      roles: roles.get(row.hash) ?? [],
    })),
    rowsOmitted: summary.rows.length - shownRows.length,
    notConverged: health.rows.filter(notConverged).length,
    notConvergedAnyWeights: health.rows.filter(cappedAnyWeights).length,
    failures,
    failuresOmitted: incomplete.length - failures.length,
    missingResults: health.missingResults,
    corruptResults: health.corruptResults,
  };
  if (options.baseline) {
    model.baseline = {
      sweepId: options.baseline.sweepId,
      source: options.baselineSource ?? options.baseline.sweepId,
      regressions: compareWithBaseline(health.current, options.baseline),
      ...unmatchedCells(health.current, options.baseline),
    };
  }
  return model;
}

/** Labels of the configurations of `hashes` among themselves (labels.ts), in reading order. */
function panelLabels(
  configurations: Configurations,
  hashes: readonly string[],
  options: LabelOptions & { wrap?: number } = {},
): PanelLabels {
  const keyOf = (hash: string) => configurations.keyOf.get(hash) ?? hash;
  const wanted = new Set(hashes.map(keyOf));
  // Grid order: the order configurations first appear in the rows.
  const keys = [...configurations.members.keys()].filter((key) => wanted.delete(key));
  const { parts, order } = describeConfigurations(configurations.fieldsOf, [...keys, ...wanted], options);
  const text = (key: string) => {
    const p = parts.get(key) ?? [key.slice(0, 12)];
    return options.wrap ? wrapParts(p, options.wrap) : oneLine(p);
  };
  return { of: (hash) => text(keyOf(hash)), order: order.map(text) };
}

/** A cell that trains and did not converge (claims presuming a trained optimum skip it). */
function notConverged(row: SummaryRow): boolean {
  return row.trainingStatus === "max-epochs" || row.trainingStatus === "diverged" || row.status === "diverged";
}

/**
 * Per-configuration plots draw one representative cell each (the first with a result), of at
 * most `cap` configurations (the worst by objective gap and an even spread), chosen from the
 * rows before the results stream by, so only those are kept whole.
 */
function chooseRepresentatives(
  summary: Summary,
  configurations: Configurations,
  cap: number,
): { hashes: Set<string>; chosen: number; drawable: number } {
  const rowByHash = new Map(summary.rows.map((row) => [row.hash, row]));
  const members = (key: string) => configurations.members.get(key) ?? [];
  const worstGap = (key: string) => Math.max(...members(key).map((h) => rowByHash.get(h)?.objectiveGap ?? Number.NEGATIVE_INFINITY));
  const drawable = [...configurations.members.keys()].filter((key) => members(key).some((h) => rowHasResult(rowByHash.get(h)!)));
  const chosen = pickConfigurations(drawable, worstGap, cap);
  const hashes = new Set<string>();
  for (const key of chosen) {
    const hash = members(key).find((h) => rowHasResult(rowByHash.get(h)!));
    if (hash) hashes.add(hash);
  }
  return { hashes, chosen: chosen.length, drawable: drawable.length };
}

/**
 * The rows as the report shows them now. A result that became corrupt after Aggregate (or was
 * read corrupt now) shows status corrupt without metrics and counts as failed (as Aggregate
 * counts a corrupt result); the claims it bore on say so (ClaimView.corruptCells). The claims
 * themselves are Aggregate's.
 */
function resultHealth(summary: Summary, delivered: ReadonlySet<string>, unreadable: ReadonlyMap<string, string> | undefined) {
  const lost = summary.rows.filter((r) => rowHasResult(r) && !delivered.has(r.hash));
  const corruptResults = lost.flatMap((r) => (unreadable?.has(r.hash) ? [{ hash: r.hash, reason: unreadable.get(r.hash)! }] : []));
  const corruptReason = new Map(corruptResults.map((c) => [c.hash, c.reason]));
  const missingResults = lost
    .filter((r) => !corruptReason.has(r.hash))
    .map((r) => ({ hash: r.hash, reason: "result missing from the store" }));
  const rows = summary.rows.map((row): SummaryRow => {
    const reason = corruptReason.get(row.hash);
    if (reason === undefined) return row;
    const { hash, parameters } = row;
    return { hash, parameters, ...emptyMetrics(), status: "corrupt", error: `result is corrupt: ${reason}` };
  });
  // Recounted from the rows as shown, so computed + cached + failed stays the total.
  const current: Summary = corruptResults.length > 0 ? { ...summary, cells: countCells(rows), rows } : summary;
  return { rows, current, corruptResults, missingResults };
}

async function describeFailures(
  rows: readonly SummaryRow[],
  labelOf: (hash: string) => string,
  options: ReportOptions,
): Promise<ReportModel["failures"]> {
  const failures: ReportModel["failures"] = [];
  for (const row of rows) {
    const diverged = row.status === "diverged";
    const error =
      row.error ??
      (diverged ? undefined : await options.cellError?.(row.hash)) ??
      options.unreadable?.get(row.hash) ??
      (diverged ? "training diverged; its metrics say how far it got" : "no error message stored");
    failures.push({ hash: row.hash, configuration: labelOf(row.hash), status: row.status, error });
  }
  return failures;
}

function claimView(
  claim: ClaimResult,
  sweepId: string,
  limits: ReportLimits,
  inTable: ReadonlySet<string>,
  corrupt: ReadonlySet<string>,
  labelOf: (hash: string) => string,
): ClaimView {
  const module = claimById(claim.id);
  const hashes = claimCellHashes(claim);
  return {
    claim,
    statement: module.statement(claim),
    measuredMeaning: module.measured(claim),
    justification: claim.justification,
    remedy: claimStatusInfo[claim.status].verdict === "pass" || claim.status === "skipped" ? "" : module.remedy(claim),
    cellCount: claim.cells,
    links: hashes
      .slice(0, limits.claimLinks)
      .map((hash) => ({ hash, href: inTable.has(hash) ? `#${cellAnchor(hash)}` : resultHref(sweepId, hash), label: labelOf(hash) })),
    moreCells: Math.max(0, hashes.length - limits.claimLinks),
    corruptCells: hashes.filter((h) => corrupt.has(h)).length,
  };
}
