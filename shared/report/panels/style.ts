// What the report's plots share (shared/report/panels): the facet layout of per-configuration
// small multiples, fixed colours per series, the log epoch axis and the vega config. Builders
// inline their data and return undefined when there is nothing to draw, so the report never
// shows an empty frame. Log axes cannot show zero or negative values: builders drop or floor
// them and say so in the plot's notes, never silently.
import type { TopLevelSpec } from "vega-lite";
import { counted } from "../../text.js";

export const facetWidth = 230;
export const facetHeight = 150;
const columns = 3;

/** The layers of one facet panel, as vega-lite types them. */
type PanelLayers = Extract<Extract<TopLevelSpec, { facet: unknown }>["spec"], { layer: unknown }>["layer"];

/** Small multiples: one panel per configuration, `layer` drawn in each (the shared facet layout). */
export function perConfiguration(values: object[], layer: PanelLayers) {
  return {
    data: { values },
    facet: { field: "configuration", type: "nominal" as const, title: null, sort: null },
    columns,
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
// label limit truncates labels that would fit: limits are off (0) for headers and legends.
export const baseConfig = {
  font: "system-ui, -apple-system, 'Segoe UI', sans-serif",
  axis: { labelFontSize: 10, titleFontSize: 11, gridColor: "#eee" },
  header: { labelFontSize: 11, labelLimit: 0 },
  legend: { labelFontSize: 11, labelLimit: 0, symbolStrokeWidth: 2.5 },
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
