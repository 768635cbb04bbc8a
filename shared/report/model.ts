// The report model: everything report.html and report.md show, computed once from the summary
// and one pass over the cell results (an async stream, so a large sweep is never held in
// memory: only the cells drawn in per-configuration plots keep their spectra and curves).
// Renderers (html.ts, markdown.ts) only lay this out.
import { posix } from "node:path";
import { keys } from "../store/layout.js";
import { compareWithBaseline, unmatchedCells, type Regression } from "./baseline.js";
import { groupConfigurations, numberAt, pickConfigurations, type ReportCell } from "./cells.js";
import { claimJustification, claimText } from "./claims.js";
import {
  balancePlot,
  monteCarloPlot,
  objectiveGapPlot,
  regularisersPlot,
  schemesPlot,
  spectraPlot,
  trainingCurvesPlot,
  type GapInput,
  type PlotSpec,
} from "./plots.js";
import { counted } from "../text.js";
import { rankColumn, rankVerdicts, rankView, type RankView } from "./rank.js";
import { renderSvg } from "./svg.js";
import { maxCurvePoints, thinBlockNorms, thinCurve } from "./thin.js";
import { claimCellCount, claimCellHashes, claimIds, countCells, rowHasResult, type SummaryClaim, type SummaryLike, type SummaryRow } from "./summary.js";

export interface ReportLimits {
  /** Facets per per-configuration plot (spectra, curves, balance, schemes). */
  configurations: number;
  /** Points in the objective-gap plot. */
  gapPoints: number;
  /** Configurations in the Monte Carlo and regulariser plots. */
  categories: number;
  /** Rows of the per-cell table (the full list is always in summary.json). */
  tableRows: number;
  /** Cell links per claim in the claims table. */
  claimLinks: number;
}

export const defaultLimits: ReportLimits = { configurations: 12, gapPoints: 2000, categories: 40, tableRows: 2000, claimLinks: 8 };

export interface ReportOptions {
  baseline?: SummaryLike;
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
  /** Read one cell's result again after the stream (claim 7's pairs are known only then). */
  fetchCell?: (hash: string) => Promise<ReportCell | undefined>;
}

export interface ClaimView {
  claim: SummaryClaim;
  statement: string;
  measuredMeaning: string;
  /** Why the tolerances are what they are: the claim's own text from the summary (the pipeline's). */
  justification: string;
  cellCount: number;
  links: { hash: string; href: string }[];
  moreCells: number;
  /**
   * Cells the claim was evaluated on whose result is corrupt now: the claim is as Aggregate
   * evaluated it, when they were still valid (not recomputed without them).
   */
  corruptCells: number;
}

export interface PlotView extends PlotSpec {
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
}

export interface ReportModel {
  sweepId: string;
  /** What the rank column shows (rank.ts rankColumn). */
  rankNote: string;
  /** The command that regenerates this report without recomputing (regenerate.ts). */
  regenerate: string;
  cells: SummaryLike["cells"];
  claims: ClaimView[];
  baseline?: { sweepId: string; source: string; regressions: Regression[]; onlyCurrent: number; onlyBaseline: number };
  plots: PlotView[];
  /** Plots that could not be drawn and why (no data of that kind in this sweep's results). */
  absentPlots: { title: string; reason: string }[];
  rows: RowView[];
  rowsOmitted: number;
  /** Cells whose status is not "ok" (failed, diverged, missing, ...), with the reason. */
  failures: { hash: string; configuration: string; status: string; error: string }[];
  failuresOmitted: number;
  /** Cells the summary has as computed whose result is no longer in the store. */
  missingResults: { hash: string; reason: string }[];
  /** Cells the summary has as computed whose result is now corrupt, with why (they are also in `failures`). */
  corruptResults: { hash: string; reason: string }[];
}

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
  summary: SummaryLike,
  results: AsyncIterable<ReportCell>,
  options: ReportOptions = {},
): Promise<ReportModel> {
  const limits = { ...defaultLimits, ...options.limits };
  const progress = options.onProgress ?? (() => {});
  const configurations = groupConfigurations(summary.rows);
  const rowByHash = new Map(summary.rows.map((row) => [row.hash, row]));
  const labelOfCell = (hash: string) => configurations.labelOf.get(configurations.keyOf.get(hash) ?? "") ?? hash.slice(0, 12);

  // Per-configuration plots draw one representative cell each (the first with a result),
  // chosen from the rows before the results stream by, so only those keep their curves.
  const worstGap = (key: string) =>
    Math.max(...(configurations.members.get(key) ?? []).map((h) => rowByHash.get(h)?.objectiveGap ?? Number.NEGATIVE_INFINITY));
  const drawable = [...configurations.members.keys()].filter((key) =>
    (configurations.members.get(key) ?? []).some((h) => rowHasResult(rowByHash.get(h)!)),
  );
  const chosenConfigurations = pickConfigurations(drawable, worstGap, limits.configurations);
  const representative = new Set<string>();
  for (const key of chosenConfigurations) {
    const hash = configurations.members.get(key)!.find((h) => rowHasResult(rowByHash.get(h)!));
    if (hash) representative.add(hash);
  }

  // One pass over the results: small facts of every cell, full curves of the representatives.
  const kept = new Map<string, ReportCell>();
  const monteCarlo: { hash: string; zScore: number }[] = [];
  const regularisers: { hash: string; dropout: number; dropconnect: number }[] = [];
  const gaps: (GapInput & { hash: string })[] = [];
  const partitionedByKey = new Map<string, string>();
  const contiguous: { hash: string; key: string }[] = [];
  const delivered = new Set<string>();
  for await (const cell of results) {
    delivered.add(cell.hash);
    if (representative.has(cell.hash)) kept.set(cell.hash, cell);
    const mc = cell.monteCarlo;
    if (mc && mc.standardError > 0) monteCarlo.push({ hash: cell.hash, zScore: (mc.mean - mc.deterministic) / mc.standardError });
    if (cell.regularisers) regularisers.push({ hash: cell.hash, ...cell.regularisers });
    const family = cell.mask?.family;
    if ((family === "dropblock" || family === "dropout") && cell.objectiveGap !== undefined)
      gaps.push({
        hash: cell.hash,
        blockSize: cell.mask!.blockSize,
        keepProbability: cell.mask!.keepProbability,
        objectiveGap: cell.objectiveGap,
        representable: cell.representable === true,
      });
    if (cell.schemeKey && family === "dropblock" && !partitionedByKey.has(cell.schemeKey)) partitionedByKey.set(cell.schemeKey, cell.hash);
    if (cell.schemeKey && family === "contiguous-dropblock") contiguous.push({ hash: cell.hash, key: cell.schemeKey });
  }
  // Claim 7 pairs: a contiguous DropBlock cell and the partitioned cell identical but for the family.
  const schemePairs = contiguous
    .flatMap(({ hash, key }) => (partitionedByKey.has(key) ? [{ partitioned: partitionedByKey.get(key)!, contiguous: hash }] : []))
    .slice(0, limits.configurations);
  for (const pair of schemePairs)
    for (const hash of [pair.partitioned, pair.contiguous])
      if (!kept.has(hash)) {
        const cell = await options.fetchCell?.(hash);
        if (cell) kept.set(hash, cell);
      }

  // Thousands of epochs per facet make megabytes of noise: thin every drawn curve (thin.ts).
  let thinnedAny = false;
  let thinnedNorms = false;
  for (const [hash, cell] of kept) {
    const thin = { ...cell };
    if (cell.curve) {
      const { curve, thinned } = thinCurve(cell.curve);
      thinnedAny ||= thinned;
      thin.curve = curve;
    }
    if (cell.blockNorms) {
      const { points, thinned } = thinBlockNorms(cell.blockNorms);
      thinnedNorms ||= thinned;
      thin.blockNorms = points;
    }
    kept.set(hash, thin);
  }
  const thinNote = thinnedAny
    ? [`Long runs are drawn as at most ${maxCurvePoints} points on a log epoch axis: the stochastic loss averaged over each span of epochs, the objective taken at the span's last epoch.`]
    : [];

  // A result that became corrupt after Aggregate (or was read corrupt now): its row shows
  // status corrupt without metrics, it counts as failed (as Aggregate counts a corrupt result),
  // and the claims it bore on are marked below. The claims themselves are Aggregate's.
  const corruptResults = summary.rows
    .filter((r) => rowHasResult(r) && !delivered.has(r.hash) && options.unreadable?.has(r.hash))
    .map((r) => ({ hash: r.hash, reason: options.unreadable!.get(r.hash)! }));
  const corruptReason = new Map(corruptResults.map((c) => [c.hash, c.reason]));
  for (const c of corruptResults)
    progress(`report: warning: the result of cell ${c.hash.slice(0, 12)} is corrupt (${c.reason}); shown as corrupt, the claims as Aggregate evaluated them when it was valid. Rerun the sweep to recompute it.`);
  const missingResults = summary.rows
    .filter((r) => rowHasResult(r) && !delivered.has(r.hash) && !corruptReason.has(r.hash))
    .map((r) => ({ hash: r.hash, reason: "result missing from the store" }));
  const rowsNow = summary.rows.map((row): SummaryRow => {
    const reason = corruptReason.get(row.hash);
    if (reason === undefined) return row;
    return {
      hash: row.hash,
      parameters: row.parameters,
      objectiveGap: null,
      spectrumError: null,
      balanceRatio: null,
      learnedRank: null,
      closedFormRank: null,
      representable: null,
      status: "corrupt",
      error: `result is corrupt: ${reason}`,
    };
  });
  // Recounted from the rows as shown, so computed + cached + failed stays the total.
  const current: SummaryLike = corruptResults.length > 0 ? { ...summary, cells: countCells(rowsNow, summary.cells, summary.rows), rows: rowsNow } : summary;
  const incomplete = rowsNow.filter((r) => r.status !== "computed" && r.status !== "cached" && r.status !== "ok");
  const failures: ReportModel["failures"] = [];
  for (const row of incomplete.slice(0, maxFailuresListed)) {
    const diverged = row.status === "diverged";
    const error =
      row.error ??
      (diverged ? undefined : await options.cellError?.(row.hash)) ??
      options.unreadable?.get(row.hash) ??
      (diverged ? "training diverged; its metrics say how far it got" : "no error message stored");
    failures.push({ hash: row.hash, configuration: labelOfCell(row.hash), status: row.status, error });
  }

  // ------------------------------------------------------------------ plots
  const capNote = (shown: number, total: number, what: string) =>
    shown < total
      ? [`${shown} of ${total} ${what} shown: the worst by objective gap and an even spread over the grid; every cell is in the table below.`]
      : [];
  const replicateNote = (cells: readonly ReportCell[]) => {
    const hashes = cells.map((c) => c.hash);
    const replicated = hashes.filter((h) => (configurations.members.get(configurations.keyOf.get(h)!)?.length ?? 1) > 1);
    return replicated.length > 0 ? ["Configurations with several seeds show their first completed seed."] : [];
  };
  const drawn = [...representative].map((h) => kept.get(h)).filter((c): c is ReportCell => c !== undefined);
  // Notes for the per-configuration plots, from the cells each one actually draws.
  const configurationsCap = capNote(chosenConfigurations.length, drawable.length, "configurations");
  const facetNotes = (cells: readonly ReportCell[]) => [...configurationsCap, ...replicateNote(cells)];
  const withSpectra = drawn.filter((c) => c.spectra);
  const withCurves = drawn.filter((c) => c.curve);
  const withBlockNorms = drawn.filter((c) => c.blockNorms?.some((p) => p.blockNorms.length > 0));
  // Results record block norms at log-spaced epochs (shared/experiments/experiment.ts), fewer than the loss curves.
  const sparseNorms = withBlockNorms.some((c) => (c.blockNorms?.length ?? 0) > 1 && (c.blockNorms?.length ?? 0) < (c.curve?.length ?? 0));
  const normNotes = [
    ...(sparseNorms ? ["Block norms are recorded at log-spaced epochs (every epoch at first, then four per doubling) and the last, not at every epoch."] : []),
    ...(thinnedNorms ? [`Long records of block norms are drawn as at most ${maxCurvePoints} points, each the norms at its span's last epoch.`] : []),
  ];

  const specs: (PlotSpec | { absent: string; reason: string })[] = [];
  const orAbsent = (plot: PlotSpec | undefined, title: string, reason: string) => specs.push(plot ?? { absent: title, reason });

  orAbsent(
    monteCarloPlot(
      pickCategories(monteCarlo, labelOfCell, limits.categories, (p) => Math.abs(p.zScore)).map((p) => ({
        configuration: labelOfCell(p.hash),
        zScore: p.zScore,
        bound: claimBound(summary, "1", 3),
      })),
      capNote(Math.min(new Set(monteCarlo.map((p) => labelOfCell(p.hash))).size, limits.categories), new Set(monteCarlo.map((p) => labelOfCell(p.hash))).size, "configurations"),
    ),
    "Deterministic objective vs Monte Carlo mean",
    "no cell result carries a Monte Carlo check",
  );
  orAbsent(
    regularisersPlot(
      firstPerConfiguration(regularisers, labelOfCell, limits.categories).map((p) => ({
        configuration: labelOfCell(p.hash),
        dropout: p.dropout,
        dropconnect: p.dropconnect,
      })),
    ),
    "DropConnect vs Dropout regulariser",
    "no cell result carries both regularisers (DropConnect cells)",
  );
  orAbsent(
    spectraPlot(
      withSpectra.map((c) => ({ configuration: labelOfCell(c.hash), ...c.spectra! })),
      facetNotes(withSpectra),
    ),
    "Singular values: learned vs closed form",
    "no drawn cell result carries spectra",
  );
  orAbsent(
    trainingCurvesPlot(
      withCurves.map((c) => ({
        configuration: labelOfCell(c.hash),
        epochs: c.curve!,
        ...(c.closedFormMinimum !== undefined ? { closedFormMinimum: c.closedFormMinimum } : {}),
      })),
      [...facetNotes(withCurves), ...thinNote],
    ),
    "Training curves",
    "no drawn cell result carries a training curve",
  );
  orAbsent(
    objectiveGapPlot(
      evenly(gaps, limits.gapPoints),
      gaps.length > limits.gapPoints ? [`${limits.gapPoints} of ${counted(gaps.length, "cell")} drawn, evenly spaced in grid order; every cell is in the table below.`] : [],
      claimTolerance(summary, "3"),
    ),
    "Objective gap over block size and keep probability",
    "no DropBlock or Dropout cell result has an objective gap",
  );
  orAbsent(
    balancePlot(
      withBlockNorms.map((c) => ({
        configuration: labelOfCell(c.hash),
        epochs: c.blockNorms!,
        ...(c.balancedNorm !== undefined ? { balancedNorm: c.balancedNorm } : {}),
      })),
      [...facetNotes(withBlockNorms), ...normNotes],
    ),
    "Block-norm balance over epochs",
    "the cell results record no per-epoch block norms",
  );
  orAbsent(
    schemesPlot(
      schemePairs.flatMap((pair) => {
        const label = labelOfCell(pair.partitioned).replace(/^dropblock ?|mask\.family=dropblock ?|dropblock ?/g, "").trim() || "same settings";
        return (["partitioned", "contiguous"] as const).flatMap((scheme) => {
          const cell = kept.get(pair[scheme]);
          if (!cell) return [];
          const epochs = (cell.curve ?? [])
            .filter((p) => p.deterministicObjective !== undefined)
            .map((p) => ({ epoch: p.epoch, deterministicObjective: p.deterministicObjective! }));
          return [{ configuration: label, scheme, epochs, ...(cell.spectra ? { spectrum: cell.spectra.learned } : {}) }];
        });
      }),
      thinNote,
    ),
    "Partitioned vs contiguous DropBlock",
    "the sweep has no contiguous DropBlock cell paired with a partitioned one (same parameters otherwise)",
  );

  const plots: PlotView[] = [];
  const absentPlots: ReportModel["absentPlots"] = [];
  let index = 0;
  for (const item of specs) {
    if ("absent" in item) {
      absentPlots.push({ title: item.absent, reason: item.reason });
      continue;
    }
    index++;
    progress(`report: rendering plot ${index} (${item.title})`);
    const rendered = await renderSvg(item.spec, item.id);
    if (rendered.dataMarks === 0) absentPlots.push({ title: item.title, reason: "its data drew no marks" });
    else plots.push({ ...item, ...rendered });
  }

  // ------------------------------------------------------------------ claims and rows
  const shownRows = rowsNow.slice(0, limits.tableRows);
  const inTable = new Set(shownRows.map((r) => r.hash));
  const claims = orderedClaims(summary.claims).map((claim): ClaimView => {
    const text = claimText(claim.id);
    const hashes = claimCellHashes(claim);
    const cellCount = claimCellCount(claim);
    return {
      claim,
      statement: text?.statement ?? claim.title,
      measuredMeaning: text?.measured ?? "",
      justification: claimJustification(claim),
      cellCount,
      links: hashes.slice(0, limits.claimLinks).map((hash) => ({
        hash,
        href: inTable.has(hash) ? `#${cellAnchor(hash)}` : resultHref(summary.sweepId, hash),
      })),
      moreCells: Math.max(0, hashes.length - limits.claimLinks),
      corruptCells: hashes.filter((h) => corruptReason.has(h)).length,
    };
  });
  const verdicts = rankVerdicts(summary);
  const rows = shownRows.map((row): RowView => ({
    row,
    // A corrupt row has no metrics to judge; the claims list it as evaluated before.
    rank: row.status === "corrupt" ? { learned: null, closedForm: null } : rankView(row, verdicts),
    configuration: labelOfCell(row.hash),
    seed: numberAt(row.parameters, "seed"),
    resultHref: resultHref(summary.sweepId, row.hash),
  }));

  const model: ReportModel = {
    sweepId: summary.sweepId,
    rankNote: summary.rows.some((r) => typeof r.closedFormRankAtThreshold === "number") ? rankColumn.note : rankColumn.noteExact,
    regenerate: options.regenerate ?? `npx dropsweep report ${summary.sweepId}`,
    cells: current.cells,
    claims,
    plots,
    absentPlots,
    rows,
    rowsOmitted: summary.rows.length - shownRows.length,
    failures,
    failuresOmitted: incomplete.length - failures.length,
    missingResults,
    corruptResults,
  };
  if (options.baseline) {
    model.baseline = {
      sweepId: options.baseline.sweepId,
      source: options.baselineSource ?? options.baseline.sweepId,
      regressions: compareWithBaseline(current, options.baseline),
      ...unmatchedCells(current, options.baseline),
    };
  }
  return model;
}

/** Claims in the order 1..7, then any others; a missing one of the seven shows as skipped. */
function orderedClaims(claims: readonly SummaryClaim[]): SummaryClaim[] {
  const byId = new Map(claims.map((c) => [c.id, c]));
  const seven = claimIds.map(
    (id): SummaryClaim =>
      byId.get(id) ?? { id, title: claimText(id)?.statement ?? `claim ${id}`, status: "skipped", measured: null, tolerance: null, cells: 0 },
  );
  return [...seven, ...claims.filter((c) => !(claimIds as readonly string[]).includes(c.id))];
}

function claimTolerance(summary: SummaryLike, id: string): number | undefined {
  const tolerance = summary.claims.find((c) => c.id === id)?.tolerance;
  return typeof tolerance === "number" && Number.isFinite(tolerance) ? tolerance : undefined;
}

function claimBound(summary: SummaryLike, id: string, fallback: number): number {
  return claimTolerance(summary, id) ?? fallback;
}

/** At most `cap` items, evenly spaced, in their order. */
function evenly<T>(items: readonly T[], cap: number): T[] {
  const count = Math.min(cap, items.length);
  return Array.from({ length: count }, (_, j) => items[Math.floor((j * items.length) / count)]!);
}

/** Per configuration label, keep the first entry; at most `cap` labels. */
function firstPerConfiguration<T extends { hash: string }>(items: readonly T[], labelOf: (hash: string) => string, cap: number): T[] {
  const seen = new Set<string>();
  const out: T[] = [];
  for (const item of items) {
    const label = labelOf(item.hash);
    if (seen.has(label) || seen.size >= cap) continue;
    seen.add(label);
    out.push(item);
  }
  return out;
}

/** Every entry of at most `cap` configuration labels, preferring those with the largest badness. */
function pickCategories<T extends { hash: string }>(items: readonly T[], labelOf: (hash: string) => string, cap: number, badness: (item: T) => number): T[] {
  const worst = new Map<string, number>();
  for (const item of items) worst.set(labelOf(item.hash), Math.max(worst.get(labelOf(item.hash)) ?? 0, badness(item)));
  const labels = pickConfigurations([...worst.keys()], (label) => worst.get(label)!, cap);
  const chosen = new Set(labels);
  return items.filter((item) => chosen.has(labelOf(item.hash)));
}
