// What the report's plots share (shared/report/panels): the facet layout of per-configuration
// small multiples, fixed colours per series, the log epoch axis and the vega config. Builders
// inline their data and return undefined when there is nothing to draw, so the report never
// shows an empty frame. Log axes cannot show zero or negative values: builders drop or floor
// them and say so in the plot's notes, never silently.
import type { TopLevelSpec } from "vega-lite";
import { counted } from "../../text.js";

// Sized for a 1400 px window (report.html's plots are up to 1272 px wide): three panels of
// 280 x 200 px and their axes side by side, drawn at full size, so 11 px text stays 11 px.
export const facetWidth = 280;
export const facetHeight = 200;
const columns = 3;

/**
 * Characters per line of a panel's header at 12 px. Headless vega estimates text at 0.8 em a
 * character (no canvas to measure it), and a header wider than its panel widens its column:
 * labels are wrapped to this width (labels.ts wrapParts) instead of cut.
 */
export const headerChars = 28;

/** A header or axis label holding several lines ("a\nb"), drawn as lines. */
export const lines = "split(datum.label, '\\n')";

/** The layers of one facet panel, as vega-lite types them. */
type PanelLayers = Extract<Extract<TopLevelSpec, { facet: unknown }>["spec"], { layer: unknown }>["layer"];

/**
 * Small multiples: one panel per configuration, `layer` drawn in each (the shared facet layout),
 * the panels in the order their configurations first appear in `values` (builders are handed
 * their inputs in reading order, labels.ts).
 */
export function perConfiguration(values: { configuration: string }[], layer: PanelLayers) {
  const order = [...new Set(values.map((v) => v.configuration))];
  return {
    data: { values },
    facet: { field: "configuration", type: "nominal" as const, title: null, sort: order, header: { labelExpr: lines } },
    columns,
    // Panels on one grid whatever their axes' widths: the layout places the plot areas
    // ("flush"), and the spacing leaves room for axes and headers. Builders give each panel its
    // own x axis (resolve.axis.x), so no axis hangs under an empty place of the last row.
    bounds: "flush" as const,
    spacing: { column: 90, row: 100 },
    spec: { width: facetWidth, height: facetHeight, layer },
  };
}

/** Smallest value drawn on a log axis; smaller ones (rounding-level gaps) are floored here. */
export const logFloor = 1e-16;

// Fixed colours per series so "learned" is the same colour in every plot.
const seriesColours = {
  target: "#9e9e9e",
  "closed form": "#1f77b4",
  learned: "#d62728",
  "stochastic loss": "#f4a259",
  "deterministic objective": "#d62728",
  "closed-form minimum": "#1f77b4",
  dropout: "#1f77b4",
  dropconnect: "#ff7f0e",
  partitioned: "#d62728",
  contiguous: "#2ca02c",
} as const;
export type Series = keyof typeof seriesColours;

export function colour(domain: Series[], title: string) {
  return {
    field: "series",
    type: "nominal" as const,
    title,
    scale: { domain, range: domain.map((name) => seriesColours[name]) },
    legend: { orient: "top" as const },
  };
}

export function positive(value: number): boolean {
  return Number.isFinite(value) && value > 0;
}

// Headless vega has no canvas to measure text and estimates 0.8 em per character, so any
// label limit truncates labels that would fit: limits are off (0), and long labels are wrapped
// (headerChars). No text is smaller than 11 px.
export const baseConfig = {
  font: "system-ui, -apple-system, 'Segoe UI', sans-serif",
  axis: { labelFontSize: 11, titleFontSize: 12, labelLimit: 0, gridColor: "#eee" },
  header: { labelFontSize: 12, labelLimit: 0, titleFontSize: 12 },
  legend: { labelFontSize: 12, titleFontSize: 12, labelLimit: 0, symbolStrokeWidth: 2.5 },
  title: { fontSize: 13 },
  view: { stroke: "#ddd" },
};

/** Epochs on a log axis: the first epochs (where curves move) and the last (where they settle) both show. */
export const epochAxis = {
  field: "epoch",
  type: "quantitative" as const,
  title: "epoch (log)",
  scale: { type: "log" as const },
  axis: { tickCount: 5 },
};

/**
 * A log value axis of a panel whose independent scale can span less than a decade (a deep
 * network's singular values, 7.5 to 7.9): vega's default there is a tick every 0.05, whose
 * labels overlap and are dropped from the first kept one on, leaving most of the axis bare.
 * Six ticks keep labels over the whole axis.
 */
export const logValueAxis = { tickCount: 6 };

/**
 * Whether a point can sit on the log epoch axis: epoch 0 (the initial weights, in results that
 * record them) or a negative one has no place there, and vega fails on it. Builders skip such
 * points, count them, and say so with `epochNote`.
 */
export function onEpochAxis(epoch: number, skipped: { count: number }): boolean {
  if (Number.isFinite(epoch) && epoch > 0) return true;
  skipped.count++;
  return false;
}

export function epochNote(skipped: { count: number }): string[] {
  return skipped.count > 0
    ? [`${counted(skipped.count, "point")} at epoch 0 (or not a positive epoch) not drawn: the epoch axis is logarithmic.`]
    : [];
}

/**
 * A spread in [0, 1) for the i-th dot of a strip plot (the golden-ratio sequence): dots of one
 * row do not hide each other, and the SVG is the same every time (no random jitter).
 */
export function jitter(i: number): number {
  return (i * 0.6180339887498949) % 1;
}

/** Height of a strip plot (one row per group): 40 px a row, never under a panel's height. */
export function stripRows(rows: number): number {
  return Math.max(facetHeight, 40 * rows);
}
