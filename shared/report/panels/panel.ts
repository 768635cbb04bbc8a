// A plot of the report as a panel: it collects what it needs from every cell result as the
// results stream by (their facts only, ReportCellFacts: a sweep may have 10^5 cells), then builds its view.
// Each claim module names its panels (shared/claims/*.ts `plots`); the report draws them in the
// claims' order (shared/report/model.ts). Per-configuration panels draw one representative
// cell per chosen configuration, which the model keeps whole for them (`Drawn`).
import type { TopLevelSpec } from "vega-lite";
import type { Summary } from "../../results/summary.js";
import { pickConfigurations, type ReportCell, type ReportCellFacts } from "../cells.js";
import type { ReportLimits } from "../limits.js";

export interface PlotSpec {
  id: string;
  title: string;
  /** What the reader should see, one or two sentences; rendered under the plot. */
  caption: string;
  /** Caveats about the drawing itself (values dropped from a log axis, configurations capped). */
  notes: string[];
  spec: TopLevelSpec;
}

export interface PanelContext {
  summary: Summary;
  limits: ReportLimits;
  /** Short label of a cell's configuration: the parameters that vary in the sweep, but the seed. */
  labelOf(hash: string): string;
  /** How many cells share the configuration of this one (its seeds). */
  replicates(hash: string): number;
  /** Read one cell's result again after the stream (cells chosen only then, claim 7's pairs). */
  fetchCell?: (hash: string) => Promise<ReportCell | undefined>;
}

/** The cells kept whole for per-configuration panels: one representative per chosen configuration. */
export interface Drawn {
  /** In grid order. */
  cells: readonly ReportCell[];
  byHash: ReadonlyMap<string, ReportCell>;
  /** Says how many configurations of how many are drawn, when they were capped. */
  capNote: string[];
}

export interface PanelRun {
  /**
   * Every cell result as it streams by (the representatives too), as its facts: no spectra,
   * curves or block norms (Aggregate has only these of most cells). Keep small facts only.
   */
  add?(cell: ReportCellFacts): void;
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

/** A claim's first tolerance as summary.json records it, when it is a number. */
export function claimTolerance(summary: Summary, id: string): number | undefined {
  const tolerance = summary.claims.find((c) => c.id === id)?.tolerance;
  return typeof tolerance === "number" && Number.isFinite(tolerance) ? tolerance : undefined;
}

/** At most `cap` items, evenly spaced, in their order. */
export function evenly<T>(items: readonly T[], cap: number): T[] {
  const count = Math.min(cap, items.length);
  return Array.from({ length: count }, (_, j) => items[Math.floor((j * items.length) / count)]!);
}

/** Per configuration label, keep the first entry; at most `cap` labels. */
export function firstPerConfiguration<T extends { hash: string }>(
  items: readonly T[],
  labelOf: (hash: string) => string,
  cap: number,
): T[] {
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
export function pickCategories<T extends { hash: string }>(
  items: readonly T[],
  labelOf: (hash: string) => string,
  cap: number,
  badness: (item: T) => number,
): T[] {
  const worst = new Map<string, number>();
  for (const item of items) worst.set(labelOf(item.hash), Math.max(worst.get(labelOf(item.hash)) ?? 0, badness(item)));
  const labels = pickConfigurations([...worst.keys()], (label) => worst.get(label)!, cap);
  const chosen = new Set(labels);
  return items.filter((item) => chosen.has(labelOf(item.hash)));
}
