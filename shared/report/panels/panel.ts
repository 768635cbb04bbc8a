// A plot of the report as a panel: it collects what it needs from every cell result as the
// results stream by (their facts only, ReportCellFacts: a sweep may have 10^5 cells), then builds its view.
// Each claim module names its panels (shared/claims/*.ts `plots`); the report draws them in the
// claims' order (shared/report/model.ts). Per-configuration panels draw one representative
// cell per chosen configuration, which the model keeps whole for them (`Drawn`).
import type { TopLevelSpec } from "vega-lite";
import type { ClaimId } from "../../claims/result.js";
import type { Summary } from "../../results/summary.js";
import type { ReportCell, ReportCellFacts } from "../cells.js";
import type { ReportLimits } from "../limits.js";
import type { LabelOptions } from "../labels.js";
import { headerChars } from "./style.js";

export interface PlotSpec {
  id: string;
  title: string;
  /** What the reader should see, one or two sentences; rendered under the plot. */
  caption: string;
  /** Caveats about the drawing itself (values dropped from a log axis, configurations capped). */
  notes: string[];
  spec: TopLevelSpec;
}

/** Configuration labels for one plot: each cell's, and all of them in reading order (labels.ts). */
export interface PanelLabels {
  of(hash: string): string;
  order: string[];
}

export interface PanelContext {
  summary: Summary;
  limits: ReportLimits;
  /** Short label of a cell's configuration: the parameters that vary in the sweep, but the seed. */
  labelOf(hash: string): string;
  /**
   * Labels naming what tells the configurations of `hashes` apart (nothing they share), wrapped
   * to `wrap` characters a line when given, and those labels in reading order (numbers numerically).
   */
  labels(hashes: readonly string[], options?: LabelOptions & { wrap?: number }): PanelLabels;
  /** How many cells share the configuration of this one (its seeds). */
  replicates(hash: string): number;
}

/** The cells kept whole for per-configuration panels: one representative per chosen configuration. */
export interface Drawn {
  /** In grid order. */
  cells: readonly ReportCell[];
  byHash: ReadonlyMap<string, ReportCell>;
  /** Says how many configurations of how many are drawn, when they were capped. */
  capNote: string[];
}

interface PanelRun {
  /**
   * Every cell result as it streams by (the representatives too), as its facts: no spectra,
   * curves or block norms (Aggregate has only these of most cells). Keep small facts only.
   */
  add?(cell: ReportCellFacts): void;
  /**
   * Cells the panel draws whole besides the representatives (claim 7's twins), a few that a
   * limit bounds: each is handed to `add` whole, as it streams by or, when the stream carries
   * facts only (Aggregate), read from the store after it.
   */
  whole?: { hashes: ReadonlySet<string>; add(cell: ReportCell): void };
  /** After the stream: the plot, or undefined when the sweep has nothing of its kind to draw. */
  finish(drawn: Drawn): PlotSpec | undefined | Promise<PlotSpec | undefined>;
}

export interface Panel {
  /** The plot's id (its file plots/ID.svg) and title. */
  id: string;
  title: string;
  /** Why it is not drawn, when it has nothing to draw. */
  absent: string;
  start(context: PanelContext): PanelRun;
}

/** "12 of 40 configurations shown: ..." when a cap cut them. */
export function capNote(shown: number, total: number, what: string, worstBy = "objective gap"): string[] {
  return shown < total
    ? [`${shown} of ${total} ${what} shown: the worst by ${worstBy} and an even spread over the grid; every cell is in the table below.`]
    : [];
}

/** Notes for a per-configuration panel, from the cells it actually draws. */
export function facetNotes(drawn: Drawn, cells: readonly ReportCell[], context: PanelContext): string[] {
  const replicated = cells.some((c) => context.replicates(c.hash) > 1);
  return [...drawn.capNote, ...(replicated ? ["Configurations with several seeds show their first completed seed."] : [])];
}

/**
 * Cells with the labels of their configurations among themselves, wrapped for a panel header,
 * in reading order (labels.ts): what a per-configuration plot draws, panel by panel.
 */
export function inReadingOrder<T extends { hash: string }>(
  cells: readonly T[],
  context: PanelContext,
  options: LabelOptions = {},
): { cell: T; configuration: string }[] {
  const labels = context.labels(
    cells.map((c) => c.hash),
    { ...options, wrap: headerChars },
  );
  const rank = new Map(labels.order.map((label, i) => [label, i]));
  return cells
    .map((cell) => ({ cell, configuration: labels.of(cell.hash) }))
    .sort((a, b) => (rank.get(a.configuration) ?? 0) - (rank.get(b.configuration) ?? 0));
}

/** A claim's first tolerance as summary.json records it, when it is a number. */
export function claimTolerance(summary: Summary, id: ClaimId): number | undefined {
  const tolerance = summary.claims.find((c) => c.id === id)?.tolerance;
  return typeof tolerance === "number" && Number.isFinite(tolerance) ? tolerance : undefined;
}
