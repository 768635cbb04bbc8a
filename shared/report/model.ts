// The report model: everything report.html and report.md show, computed once from the summary
// and one pass over the cell results (an async stream, so a large sweep is never held in
// memory: only the cells drawn in per-configuration plots keep their spectra and curves).
// Renderers (html.ts, markdown.ts) only lay this out.
import { posix } from "node:path";
import { blockSizeOf, type MaskFamily } from "../masks.js";
import { keys } from "../pipeline/contract.js";
import { canonicalJson } from "../spec/canonical.js";
import { compareWithBaseline, unmatchedCells, type Regression } from "./baseline.js";
import { groupConfigurations, numberAt, pickConfigurations, type ReportCell } from "./cells.js";
import { claimText } from "./claims.js";
import {
  balancePlot,
  monteCarloPlot,
  objectiveGapPlot,
  regularisersPlot,
  schemesPlot,
  spectraPlot,
  trainingCurvesPlot,
  type PlotSpec,
} from "./plots.js";
import { renderSvg } from "./svg.js";
import { claimCellCount, claimCellHashes, claimIds, type SummaryClaim, type SummaryLike, type SummaryRow } from "./summary.js";

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
  /** Called as plots render, for progress output. */
  onProgress?: (message: string) => void;
  /** Why a cell failed (its stored error.json), for the failed-cells list. */
  cellError?: (hash: string) => Promise<string | undefined>;
  /** Results that exist but could not be used (corrupt, wrong cell), with the reason. */
  unreadable?: ReadonlyMap<string, string>;
}

export interface ClaimView {
  claim: SummaryClaim;
  statement: string;
  measuredMeaning: string;
  justification: string;
  cellCount: number;
  links: { hash: string; href: string }[];
  moreCells: number;
}

export interface PlotView extends PlotSpec {
  svg: string;
  dataMarks: number;
}

export interface RowView {
  row: SummaryRow;
  configuration: string;
  seed: number | undefined;
  resultHref: string;
}

export interface ReportModel {
  sweepId: string;
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
  /** Cells the summary has as computed whose result the stream did not deliver, with why. */
  missingResults: { hash: string; reason: string }[];
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

/** Rows with a result to draw: "ok", and "diverged" (its metrics say how far it got). */
function hasResult(row: SummaryRow): boolean {
  return row.status === "ok" || row.status === "diverged";
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

  // Per-configuration plots draw one representative cell (the first that completed) each.
  const worstGap = (key: string) =>
    Math.max(...(configurations.members.get(key) ?? []).map((h) => rowByHash.get(h)?.objectiveGap ?? Number.NEGATIVE_INFINITY));
  const drawable = [...configurations.members.keys()].filter((key) =>
    (configurations.members.get(key) ?? []).some((h) => hasResult(rowByHash.get(h)!) && maskOf(rowByHash.get(h)!) !== undefined),
  );
  const chosenConfigurations = pickConfigurations(drawable, worstGap, limits.configurations);
  const representative = new Map<string, string>();
  for (const key of chosenConfigurations) {
    const hash = configurations.members.get(key)!.find((h) => hasResult(rowByHash.get(h)!));
    if (hash) representative.set(hash, key);
  }
  // Claim 7 pairs: a contiguous DropBlock cell and the partitioned cell with the same everything else.
  const schemePairs = pairSchemes(summary.rows).slice(0, limits.configurations);
  const keep = new Set([...representative.keys(), ...schemePairs.flatMap((p) => [p.partitioned, p.contiguous])]);

  const kept = new Map<string, ReportCell>();
  const monteCarlo: { hash: string; zScore: number }[] = [];
  const regularisers: { hash: string; dropout: number; dropconnect: number }[] = [];
  const delivered = new Set<string>();
  for await (const cell of results) {
    delivered.add(cell.hash);
    if (keep.has(cell.hash)) kept.set(cell.hash, cell);
    const mc = cell.monteCarlo;
    if (mc && mc.standardError > 0) monteCarlo.push({ hash: cell.hash, zScore: (mc.mean - mc.deterministic) / mc.standardError });
    if (cell.regularisers) regularisers.push({ hash: cell.hash, ...cell.regularisers });
  }
  const missingResults = summary.rows
    .filter((r) => hasResult(r) && !delivered.has(r.hash))
    .map((r) => ({ hash: r.hash, reason: options.unreadable?.get(r.hash) ?? "result missing from the store" }));
  const notOk = summary.rows.filter((r) => r.status !== "ok");
  const failures: ReportModel["failures"] = [];
  for (const row of notOk.slice(0, maxFailuresListed)) {
    const stored = row.status === "diverged" ? undefined : await options.cellError?.(row.hash);
    const error = stored ?? options.unreadable?.get(row.hash) ?? (row.status === "diverged" ? "training diverged; its metrics say how far it got" : "no error message stored");
    failures.push({ hash: row.hash, configuration: labelOfCell(row.hash), status: row.status, error });
  }

  // ------------------------------------------------------------------ plots
  const capNote = (shown: number, total: number, what: string) =>
    shown < total
      ? [`${shown} of ${total} ${what} shown: the worst by objective gap and an even spread over the grid; every cell is in the table below.`]
      : [];
  const replicateNote = (hashes: readonly string[]) => {
    const replicated = hashes.filter((h) => (configurations.members.get(configurations.keyOf.get(h)!)?.length ?? 1) > 1);
    return replicated.length > 0 ? ["Configurations with several seeds show their first completed seed."] : [];
  };
  const drawn = [...representative.keys()].map((h) => kept.get(h)).filter((c): c is ReportCell => c !== undefined);
  const facetNotes = [...capNote(chosenConfigurations.length, drawable.length, "configurations"), ...replicateNote(drawn.map((c) => c.hash))];

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
      drawn.filter((c) => c.spectra).map((c) => ({ configuration: labelOfCell(c.hash), ...c.spectra! })),
      facetNotes,
    ),
    "Singular values: learned vs closed form",
    "no drawn cell result carries spectra",
  );
  orAbsent(
    trainingCurvesPlot(
      drawn.filter((c) => c.curve).map((c) => ({
        configuration: labelOfCell(c.hash),
        epochs: c.curve!,
        ...(c.closedFormMinimum !== undefined ? { closedFormMinimum: c.closedFormMinimum } : {}),
      })),
      facetNotes,
    ),
    "Training curves",
    "no drawn cell result carries a training curve",
  );
  orAbsent(objectiveGapPlot(gapPoints(summary.rows, limits.gapPoints), gapNotes(summary.rows, limits.gapPoints), claimTolerance(summary, "3")), "Objective gap over block size and keep probability", "no row has an objective gap with a DropBlock or Dropout mask");
  orAbsent(
    balancePlot(
      drawn
        .filter((c) => c.curve?.some((p) => p.blockNorms && p.blockNorms.length > 0))
        .map((c) => ({
          configuration: labelOfCell(c.hash),
          epochs: c.curve!.filter((p) => p.blockNorms).map((p) => ({ epoch: p.epoch, blockNorms: p.blockNorms! })),
          ...(c.balancedNorm !== undefined ? { balancedNorm: c.balancedNorm } : {}),
        })),
      facetNotes,
    ),
    "Block-norm balance over epochs",
    "the cell results record no per-epoch block norms",
  );
  orAbsent(
    schemesPlot(
      schemePairs.flatMap((pair) => {
        const label = labelOfCell(pair.partitioned).replace(/^dropblock ?/, "") || "same settings";
        return (["partitioned", "contiguous"] as const).flatMap((scheme) => {
          const cell = kept.get(pair[scheme]);
          if (!cell) return [];
          const epochs = (cell.curve ?? [])
            .filter((p) => p.deterministicObjective !== undefined)
            .map((p) => ({ epoch: p.epoch, deterministicObjective: p.deterministicObjective! }));
          return [{ configuration: label, scheme, epochs, ...(cell.spectra ? { spectrum: cell.spectra.learned } : {}) }];
        });
      }),
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
  const shownRows = summary.rows.slice(0, limits.tableRows);
  const inTable = new Set(shownRows.map((r) => r.hash));
  const claims = orderedClaims(summary.claims).map((claim): ClaimView => {
    const text = claimText(claim.id);
    const hashes = claimCellHashes(claim);
    const cellCount = claimCellCount(claim);
    return {
      claim,
      statement: text?.statement ?? claim.title,
      measuredMeaning: text?.measured ?? "",
      justification: text?.tolerance(claim, cellCount) ?? "",
      cellCount,
      links: hashes.slice(0, limits.claimLinks).map((hash) => ({
        hash,
        href: inTable.has(hash) ? `#${cellAnchor(hash)}` : resultHref(summary.sweepId, hash),
      })),
      moreCells: Math.max(0, hashes.length - limits.claimLinks),
    };
  });
  const rows = shownRows.map((row) => ({
    row,
    configuration: labelOfCell(row.hash),
    seed: numberAt(row.parameters, "seed"),
    resultHref: resultHref(summary.sweepId, row.hash),
  }));

  const model: ReportModel = {
    sweepId: summary.sweepId,
    cells: summary.cells,
    claims,
    plots,
    absentPlots,
    rows,
    rowsOmitted: summary.rows.length - shownRows.length,
    failures,
    failuresOmitted: notOk.length - failures.length,
    missingResults,
  };
  if (options.baseline) {
    model.baseline = {
      sweepId: options.baseline.sweepId,
      source: options.baselineSource ?? options.baseline.sweepId,
      regressions: compareWithBaseline(summary, options.baseline),
      ...unmatchedCells(summary, options.baseline),
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

function maskOf(row: SummaryRow): MaskFamily | undefined {
  const mask = row.parameters["mask"];
  return mask && typeof mask === "object" && typeof (mask as { family?: unknown }).family === "string" ? (mask as MaskFamily) : undefined;
}

function gapRows(rows: readonly SummaryRow[]) {
  return rows.filter((row) => {
    const family = maskOf(row)?.family;
    return (family === "dropblock" || family === "dropout") && typeof row.objectiveGap === "number" && Number.isFinite(row.objectiveGap);
  });
}

function gapPoints(rows: readonly SummaryRow[], cap: number) {
  const usable = gapRows(rows);
  const count = Math.min(cap, usable.length);
  const points = [];
  for (let j = 0; j < count; j++) {
    const row = usable[Math.floor((j * usable.length) / count)]!;
    const mask = maskOf(row)!;
    points.push({
      blockSize: blockSizeOf(mask),
      keepProbability: mask.keepProbability,
      objectiveGap: row.objectiveGap!,
      representable: row.representable === true,
    });
  }
  return points;
}

function gapNotes(rows: readonly SummaryRow[], cap: number): string[] {
  const usable = gapRows(rows).length;
  return usable > cap ? [`${cap} of ${usable} cells drawn, evenly spaced in grid order; every cell is in the table below.`] : [];
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

/** Contiguous DropBlock cells and the partitioned cell that matches them in everything else. */
function pairSchemes(rows: readonly SummaryRow[]): { partitioned: string; contiguous: string }[] {
  const keyWith = (row: SummaryRow, family: string) => {
    const mask = maskOf(row)!;
    try {
      return canonicalJson({ ...row.parameters, mask: { ...mask, family } });
    } catch {
      return undefined;
    }
  };
  const partitioned = new Map<string, string>();
  for (const row of rows) if (hasResult(row) && maskOf(row)?.family === "dropblock") partitioned.set(keyWith(row, "dropblock") ?? "", row.hash);
  const pairs: { partitioned: string; contiguous: string }[] = [];
  for (const row of rows) {
    if (!hasResult(row) || maskOf(row)?.family !== "contiguous-dropblock") continue;
    const match = partitioned.get(keyWith(row, "dropblock") ?? "-");
    if (match) pairs.push({ partitioned: match, contiguous: row.hash });
  }
  return pairs;
}
