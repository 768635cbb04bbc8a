// Vega-Lite specifications of the report's plots, one builder per plot. Builders take plain
// rows (already grouped and capped by configuration in model.ts), inline the data, and return
// undefined when there is nothing to draw, so the report never shows an empty frame.
// Log axes cannot show zero or negative values: builders drop or floor them and say so in
// the plot's notes, never silently.
import type { TopLevelSpec } from "vega-lite";

export interface PlotSpec {
  id: string;
  title: string;
  /** What the reader should see, one or two sentences; rendered under the plot. */
  caption: string;
  /** Caveats about the drawing itself (values dropped from a log axis, configurations capped). */
  notes: string[];
  spec: TopLevelSpec;
}

const facetWidth = 230;
const facetHeight = 150;
const columns = 3;
/** Smallest value drawn on a log axis; smaller ones (rounding-level gaps) are floored here. */
export const logFloor = 1e-16;

// Fixed colours per series so "learned" is the same colour in every plot.
const seriesColours = {
  target: "#9e9e9e",
  "closed form": "#1f77b4",
  learned: "#d62728",
  "stochastic loss": "#ff9896",
  "deterministic objective": "#d62728",
  "closed-form minimum": "#1f77b4",
  dropout: "#1f77b4",
  dropconnect: "#ff7f0e",
  partitioned: "#d62728",
  contiguous: "#2ca02c",
} as const;
type Series = keyof typeof seriesColours;

function colour(domain: Series[], title: string) {
  return {
    field: "series",
    type: "nominal" as const,
    title,
    scale: { domain, range: domain.map((name) => seriesColours[name]) },
    legend: { orient: "top" as const },
  };
}

function positive(value: number): boolean {
  return Number.isFinite(value) && value > 0;
}

const baseConfig = {
  font: "system-ui, -apple-system, 'Segoe UI', sans-serif",
  axis: { labelFontSize: 10, titleFontSize: 11, gridColor: "#eee" },
  header: { labelFontSize: 11, labelLimit: facetWidth },
  legend: { labelFontSize: 11 },
  view: { stroke: "#ddd" },
};

// ---------------------------------------------------------------------------------------------

export interface SpectrumInput {
  configuration: string;
  target: readonly number[];
  closedForm: readonly number[];
  learned: readonly number[];
}

/** Claims 3, 5: learned vs closed-form singular values, with the target's (THEORY.md, Induced regulariser). */
export function spectraPlot(inputs: readonly SpectrumInput[], notes: string[] = []): PlotSpec | undefined {
  const values: { configuration: string; index: number; series: Series; value: number }[] = [];
  let dropped = 0;
  for (const input of inputs) {
    const add = (series: Series, list: readonly number[]) =>
      list.forEach((value, i) => {
        if (positive(value)) values.push({ configuration: input.configuration, index: i + 1, series, value });
        else dropped++;
      });
    add("target", input.target);
    add("closed form", input.closedForm);
    add("learned", input.learned);
  }
  if (values.length === 0) return undefined;
  const allNotes = [...notes];
  if (dropped > 0)
    allNotes.push(`${dropped} singular values equal to 0 are not drawn (log axis); a closed form's zeros are its rank cut.`);
  return {
    id: "spectra",
    title: "Singular values: learned vs closed form",
    caption:
      "Per configuration, the singular values of the learned product U Vᵀ (red) against the closed-form minimiser's (blue) and the target's (grey), log scale. Red on blue means training found the global minimum; the blue curve dropping below the grey one is the k-support shrinkage.",
    notes: allNotes,
    spec: {
      data: { values },
      facet: { field: "configuration", type: "nominal", title: null, sort: null },
      columns,
      spec: {
        width: facetWidth,
        height: facetHeight,
        mark: { type: "line", point: { size: 18 }, strokeWidth: 1.5, clip: true },
        encoding: {
          x: { field: "index", type: "quantitative", title: "index i", axis: { tickMinStep: 1 } },
          y: { field: "value", type: "quantitative", title: "σᵢ", scale: { type: "log" } },
          color: colour(["target", "closed form", "learned"], "singular values"),
          strokeDash: { field: "series", type: "nominal", title: "singular values", legend: { orient: "top" }, scale: { domain: ["target", "closed form", "learned"], range: [[2, 2], [1, 0], [1, 0]] } },
        },
      },
      resolve: { scale: { y: "independent" } },
      config: baseConfig,
    },
  };
}

// ---------------------------------------------------------------------------------------------

export interface CurveInput {
  configuration: string;
  epochs: readonly { epoch: number; stochasticLoss?: number; deterministicObjective?: number }[];
  closedFormMinimum?: number;
}

/** Claim 3: training curves with the closed-form minimum as a horizontal rule. */
export function trainingCurvesPlot(inputs: readonly CurveInput[], notes: string[] = []): PlotSpec | undefined {
  const values: { configuration: string; epoch?: number; series: Series; value: number }[] = [];
  for (const input of inputs) {
    for (const point of input.epochs) {
      if (point.stochasticLoss !== undefined && positive(point.stochasticLoss))
        values.push({ configuration: input.configuration, epoch: point.epoch, series: "stochastic loss", value: point.stochasticLoss });
      if (point.deterministicObjective !== undefined && positive(point.deterministicObjective))
        values.push({ configuration: input.configuration, epoch: point.epoch, series: "deterministic objective", value: point.deterministicObjective });
    }
    if (input.closedFormMinimum !== undefined && positive(input.closedFormMinimum))
      values.push({ configuration: input.configuration, series: "closed-form minimum", value: input.closedFormMinimum });
  }
  if (!values.some((v) => v.epoch !== undefined)) return undefined;
  const y = { field: "value", type: "quantitative" as const, title: "loss", scale: { type: "log" as const } };
  const legend = colour(["stochastic loss", "deterministic objective", "closed-form minimum"], "");
  return {
    id: "training-curves",
    title: "Training curves",
    caption:
      "Mean stochastic loss L_z per epoch (light red), the deterministic objective E_z L_z (red) and the closed-form global minimum (blue rule). Converged cells end with the red curve on the blue rule.",
    notes,
    spec: {
      data: { values },
      facet: { field: "configuration", type: "nominal", title: null, sort: null },
      columns,
      spec: {
        width: facetWidth,
        height: facetHeight,
        layer: [
          {
            transform: [{ filter: "datum.epoch != null" }],
            mark: { type: "line", strokeWidth: 1.5 },
            encoding: { x: { field: "epoch", type: "quantitative", title: "epoch" }, y, color: legend },
          },
          {
            transform: [{ filter: "datum.epoch == null" }],
            mark: { type: "rule", strokeWidth: 1.5 },
            encoding: { y, color: legend },
          },
        ],
      },
      resolve: { scale: { y: "independent" } },
      config: baseConfig,
    },
  };
}

// ---------------------------------------------------------------------------------------------

export interface GapInput {
  blockSize: number;
  keepProbability: number;
  objectiveGap: number;
  representable: boolean;
}

/** Claim 3 over the grid: relative objective gap by block size k and keep probability θ. */
export function objectiveGapPlot(inputs: readonly GapInput[], notes: string[] = []): PlotSpec | undefined {
  const finite = inputs.filter((p) => Number.isFinite(p.objectiveGap));
  if (finite.length === 0) return undefined;
  let floored = 0;
  const values = finite.map((p) => {
    if (p.objectiveGap < logFloor) floored++;
    return {
      blockSize: p.blockSize,
      keepProbability: p.keepProbability,
      gap: Math.max(p.objectiveGap, logFloor),
      cells: p.representable ? "representable" : "not representable",
    };
  });
  const allNotes = [...notes];
  if (floored > 0) allNotes.push(`${floored} gaps below ${logFloor} (rounding level, including ≤ 0) are drawn at ${logFloor}.`);
  const theta = { field: "keepProbability", type: "ordinal" as const, title: "keep probability θ" };
  return {
    id: "objective-gap",
    title: "Objective gap over block size and keep probability",
    caption:
      "Relative gap between the trained deterministic objective and the closed-form minimum, one point per cell, the line through the median per keep probability. Representable cells (enough blocks for rank(A*)) should sit at the noise floor; the others may stay above it.",
    notes: allNotes,
    spec: {
      data: { values },
      facet: { column: { field: "cells", type: "nominal", title: null, sort: ["representable", "not representable"] } },
      spec: {
        width: 280,
        height: 200,
        layer: [
          {
            mark: { type: "point", filled: true, opacity: 0.55, size: 30 },
            encoding: {
              x: { field: "blockSize", type: "ordinal", title: "block size k" },
              y: { field: "gap", type: "quantitative", title: "relative objective gap", scale: { type: "log" } },
              color: theta,
              xOffset: { field: "keepProbability", type: "ordinal" },
            },
          },
          {
            mark: { type: "line", strokeWidth: 1.5 },
            encoding: {
              x: { field: "blockSize", type: "ordinal" },
              y: { aggregate: "median", field: "gap", type: "quantitative", scale: { type: "log" } },
              color: theta,
            },
          },
        ],
      },
      config: baseConfig,
    },
  };
}

// ---------------------------------------------------------------------------------------------

export interface BalanceInput {
  configuration: string;
  /** Per recorded epoch, ||U_g V_gᵀ||_F for every block g. */
  epochs: readonly { epoch: number; blockNorms: readonly number[] }[];
  /** ||A*||_(k) / b, the common value at a representable optimum. */
  balancedNorm?: number;
}

/** Claim 4: block-product norms over epochs, converging to ||A*||_(k)/b. */
export function balancePlot(inputs: readonly BalanceInput[], notes: string[] = []): PlotSpec | undefined {
  const values: { configuration: string; epoch?: number; block: string; value: number }[] = [];
  for (const input of inputs) {
    for (const point of input.epochs)
      point.blockNorms.forEach((value, g) => {
        if (positive(value)) values.push({ configuration: input.configuration, epoch: point.epoch, block: `block ${g + 1}`, value });
      });
    if (input.balancedNorm !== undefined && positive(input.balancedNorm))
      values.push({ configuration: input.configuration, block: "‖A*‖₍ₖ₎ / b", value: input.balancedNorm });
  }
  if (!values.some((v) => v.epoch !== undefined)) return undefined;
  const y = { field: "value", type: "quantitative" as const, title: "‖U_g V_gᵀ‖_F", scale: { type: "log" as const } };
  return {
    id: "balance",
    title: "Block-norm balance over epochs",
    caption:
      "Frobenius norm of every block product U_g V_gᵀ during training (one line per block) and the balanced value ‖A*‖₍ₖ₎/b (dashed rule). At a representable optimum all lines meet on the rule.",
    notes,
    spec: {
      data: { values },
      facet: { field: "configuration", type: "nominal", title: null, sort: null },
      columns,
      spec: {
        width: facetWidth,
        height: facetHeight,
        layer: [
          {
            transform: [{ filter: "datum.epoch != null" }],
            // Points too: a cell that records only its final block norms has one epoch.
            mark: { type: "line", strokeWidth: 1.2, point: { size: 10 } },
            encoding: {
              x: { field: "epoch", type: "quantitative", title: "epoch" },
              y,
              color: { field: "block", type: "nominal", title: "block", legend: null, scale: { scheme: "tableau10" } },
            },
          },
          {
            transform: [{ filter: "datum.epoch == null" }],
            mark: { type: "rule", strokeDash: [4, 3], color: "#333" },
            encoding: { y },
          },
        ],
      },
      resolve: { scale: { y: "independent", color: "independent" } },
      config: baseConfig,
    },
  };
}

// ---------------------------------------------------------------------------------------------

export interface RegulariserInput {
  configuration: string;
  /** DropConnect's expected penalty E[L_z] - ||Y - U Vᵀ X||² at the trained weights. */
  dropconnect: number;
  /** Dropout's penalty λ Σ_i ||u_i||² ||w_i||² at the same weights. */
  dropout: number;
}

/** Claim 2: the DropConnect and Dropout regularisers side by side at the same weights. */
export function regularisersPlot(inputs: readonly RegulariserInput[], notes: string[] = []): PlotSpec | undefined {
  const values = inputs.flatMap((input) => [
    { configuration: input.configuration, series: "dropconnect" as Series, value: input.dropconnect },
    { configuration: input.configuration, series: "dropout" as Series, value: input.dropout },
  ]).filter((v) => Number.isFinite(v.value));
  if (values.length === 0) return undefined;
  return {
    id: "regularisers",
    title: "DropConnect vs Dropout regulariser",
    caption:
      "The two penalties evaluated at the same weights. Bars of equal height are claim 2: always on the last layer; on the first layer only when X Xᵀ is diagonal.",
    notes,
    spec: {
      data: { values },
      width: { step: 16 },
      height: 200,
      mark: { type: "bar" },
      encoding: {
        y: { field: "value", type: "quantitative", title: "regulariser value" },
        x: { field: "configuration", type: "nominal", title: null, sort: null, axis: { labelAngle: -30, labelLimit: 260 } },
        xOffset: { field: "series", type: "nominal", sort: ["dropout", "dropconnect"] },
        color: colour(["dropout", "dropconnect"], "regulariser"),
        tooltip: [{ field: "configuration" }, { field: "series" }, { field: "value", format: ".6g" }],
      },
      config: baseConfig,
    },
  };
}

// ---------------------------------------------------------------------------------------------

export interface MonteCarloInput {
  /** Mask family (and anything else that tells the cells apart). */
  configuration: string;
  /** (Monte Carlo mean of L_z - deterministic objective) / standard error of that mean. */
  zScore: number;
  /** Claim 1's bound in standard errors (3). */
  bound: number;
}

/** Claim 1: Monte Carlo mean of L_z against the deterministic objective, in standard errors. */
export function monteCarloPlot(inputs: readonly MonteCarloInput[], notes: string[] = []): PlotSpec | undefined {
  const points = inputs.filter((p) => Number.isFinite(p.zScore));
  if (points.length === 0) return undefined;
  const bound = Math.max(...points.map((p) => p.bound));
  const values = [
    ...points.map((p) => ({ configuration: p.configuration, z: p.zScore, kind: "cell" })),
    { z: bound, kind: "bound" },
    { z: -bound, kind: "bound" },
  ];
  return {
    id: "monte-carlo",
    title: "Deterministic objective vs Monte Carlo mean",
    caption: `(Monte Carlo mean of L_z − deterministic objective) / standard error, one point per cell. Claim 1 holds when every point lies between the dashed rules at ±${bound}.`,
    notes,
    spec: {
      data: { values },
      height: 180,
      width: { step: 28 },
      layer: [
        {
          transform: [{ filter: "datum.kind === 'cell'" }],
          mark: { type: "point", filled: true, size: 50, color: "#d62728" },
          encoding: {
            x: { field: "configuration", type: "nominal", title: null, axis: { labelAngle: -30, labelLimit: 260 } },
            y: { field: "z", type: "quantitative", title: "standard errors" },
          },
        },
        {
          transform: [{ filter: "datum.kind === 'bound'" }],
          mark: { type: "rule", strokeDash: [4, 3], color: "#333" },
          encoding: { y: { field: "z", type: "quantitative" } },
        },
      ],
      config: baseConfig,
    },
  };
}

// ---------------------------------------------------------------------------------------------

export interface SchemeInput {
  configuration: string;
  scheme: "partitioned" | "contiguous";
  epochs: readonly { epoch: number; deterministicObjective: number }[];
}

/** Claim 7: the analysed (partitioned) DropBlock against the original (contiguous) one. */
export function schemesPlot(inputs: readonly SchemeInput[], notes: string[] = []): PlotSpec | undefined {
  const values = inputs.flatMap((input) =>
    input.epochs
      .filter((p) => positive(p.deterministicObjective))
      .map((p) => ({ configuration: input.configuration, epoch: p.epoch, series: input.scheme as Series, value: p.deterministicObjective })),
  );
  if (values.length === 0) return undefined;
  return {
    id: "schemes",
    title: "Partitioned vs contiguous DropBlock",
    caption:
      "Deterministic objective during training with the analysed partitioned DropBlock (red) and the original contiguous one (green), same data, block size and keep probability. The distance between the curves is how far the theory's scheme is from the original.",
    notes,
    spec: {
      data: { values },
      facet: { field: "configuration", type: "nominal", title: null, sort: null },
      columns,
      spec: {
        width: facetWidth,
        height: facetHeight,
        mark: { type: "line", strokeWidth: 1.5 },
        encoding: {
          x: { field: "epoch", type: "quantitative", title: "epoch" },
          y: { field: "value", type: "quantitative", title: "E_z L_z", scale: { type: "log" } },
          color: colour(["partitioned", "contiguous"], "scheme"),
        },
      },
      resolve: { scale: { y: "independent" } },
      config: baseConfig,
    },
  };
}
