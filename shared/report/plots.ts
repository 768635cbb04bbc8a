// Vega-Lite specifications of the report's plots, one builder per plot. Builders take plain
// rows (already grouped and capped by configuration in model.ts), inline the data, and return
// undefined when there is nothing to draw, so the report never shows an empty frame.
// Log axes cannot show zero or negative values: builders drop or floor them and say so in
// the plot's notes, never silently.
import type { TopLevelSpec } from "vega-lite";
import { formatQuantity } from "./format.js";
import { counted } from "../text.js";

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

/** The layers of one facet panel, as vega-lite types them. */
type PanelLayers = Extract<Extract<TopLevelSpec, { facet: unknown }>["spec"], { layer: unknown }>["layer"];

/** Small multiples: one panel per configuration, `layer` drawn in each (the shared facet layout). */
function perConfiguration(values: object[], layer: PanelLayers) {
  return {
    data: { values },
    facet: { field: "configuration", type: "nominal" as const, title: null, sort: null },
    columns,
    spec: { width: facetWidth, height: facetHeight, layer },
  };
}

/** Smallest value drawn on a log axis; smaller ones (rounding-level gaps) are floored here. */
export const logFloor = 1e-16;
/** Learned singular values below this fraction of the largest are drawn on the floor. */
export const spectrumFloor = 1e-6;

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

// Headless vega has no canvas to measure text and estimates 0.8 em per character, so any
// label limit truncates labels that would fit: limits are off (0) for headers and legends.
const baseConfig = {
  font: "system-ui, -apple-system, 'Segoe UI', sans-serif",
  axis: { labelFontSize: 10, titleFontSize: 11, gridColor: "#eee" },
  header: { labelFontSize: 11, labelLimit: 0 },
  legend: { labelFontSize: 11, labelLimit: 0, symbolStrokeWidth: 2.5 },
  view: { stroke: "#ddd" },
};

/** Epochs on a log axis: the first epochs (where curves move) and the last (where they settle) both show. */
const epochAxis = { field: "epoch", type: "quantitative" as const, title: "epoch (log)", scale: { type: "log" as const }, axis: { tickCount: 5 } };

/**
 * Whether a point can sit on the log epoch axis: epoch 0 (the initial weights, in results that
 * record them) or a negative one has no place there, and vega fails on it. Builders skip such
 * points, count them, and say so with `epochNote`.
 */
function onEpochAxis(epoch: number, skipped: { count: number }): boolean {
  if (Number.isFinite(epoch) && epoch > 0) return true;
  skipped.count++;
  return false;
}

function epochNote(skipped: { count: number }): string[] {
  return skipped.count > 0 ? [`${counted(skipped.count, "point")} at epoch 0 (or not a positive epoch) not drawn: the epoch axis is logarithmic.`] : [];
}

// ---------------------------------------------------------------------------------------------

export interface SpectrumInput {
  configuration: string;
  target: readonly number[];
  closedForm: readonly number[];
  learned: readonly number[];
}

/** Claims 3, 5: learned vs closed-form singular values, with the target's (THEORY.md "Induced regulariser and closed-form global minimum"). */
export function spectraPlot(inputs: readonly SpectrumInput[], notes: string[] = []): PlotSpec | undefined {
  const values: { configuration: string; index: number; series: Series; value: number; floored?: boolean }[] = [];
  let dropped = 0;
  let floored = 0;
  for (const input of inputs) {
    // Learned values that should be 0 only decay toward it (1e-8, 1e-16, ...); drawn at their
    // size they would squash the spectrum into the top of the axis. Below 1e-6 of the largest
    // target value they sit on that floor as triangles.
    const floor = spectrumFloor * Math.max(...input.target.filter(positive), ...input.closedForm.filter(positive), Number.MIN_VALUE);
    const add = (series: Series, list: readonly number[]) =>
      list.forEach((value, i) => {
        if (!positive(value)) dropped++;
        else if (series === "learned" && value < floor) {
          floored++;
          values.push({ configuration: input.configuration, index: i + 1, series, value: floor, floored: true });
        } else values.push({ configuration: input.configuration, index: i + 1, series, value });
      });
    add("target", input.target);
    add("closed form", input.closedForm);
    add("learned", input.learned);
  }
  if (values.length === 0) return undefined;
  const allNotes = [...notes];
  if (dropped > 0)
    allNotes.push(`${dropped} singular values equal to 0 are not drawn (log axis); a closed form's zeros are its rank cut.`);
  if (floored > 0)
    allNotes.push(`${floored} learned singular values below ${spectrumFloor} × the largest are drawn on that floor as triangles (▼).`);
  const legend = colour(["target", "closed form", "learned"], "singular values");
  return {
    id: "spectra",
    title: "Singular values: learned vs closed form",
    caption:
      "Per configuration, the singular values of the learned product U Vᵀ (red dots) against the closed-form minimiser's (wide blue band) and the target's (dashed grey), log scale. Red dots inside the blue band mean training found the global minimum; the band below the grey line is the k-support shrinkage, and where the band ends the closed form's rank does.",
    notes: allNotes,
    // Closed form drawn wide and pale underneath, learned as small dots on top: where
    // training reached the minimum the dots sit inside the blue band.
    spec: {
      ...perConfiguration(values, [
        {
          transform: [{ filter: "datum.series === 'target'" }],
          mark: { type: "line", strokeDash: [3, 3], strokeWidth: 1.5, clip: true },
          encoding: { ...spectrumAxes, color: legend },
        },
        {
          transform: [{ filter: "datum.series === 'closed form'" }],
          mark: { type: "line", strokeWidth: 6, opacity: 0.45, strokeCap: "round", clip: true },
          encoding: { ...spectrumAxes, color: legend },
        },
        {
          transform: [{ filter: "datum.series === 'learned'" }],
          mark: { type: "line", strokeWidth: 1, clip: true },
          encoding: { ...spectrumAxes, color: legend },
        },
        {
          transform: [{ filter: "datum.series === 'learned'" }],
          mark: { type: "point", filled: true, size: 22 },
          encoding: {
            ...spectrumAxes,
            color: legend,
            shape: {
              condition: { test: "datum.floored === true", value: "triangle-down" },
              value: "circle",
            },
          },
        },
      ]),
      resolve: { scale: { y: "independent" } },
      config: baseConfig,
    },
  };
}

const spectrumAxes = {
  x: { field: "index", type: "quantitative" as const, title: "index i", axis: { tickMinStep: 1 } },
  // Padding keeps points on the floor (or at the top) inside the frame instead of half clipped.
  y: { field: "value", type: "quantitative" as const, title: "σᵢ", scale: { type: "log" as const, padding: 6 } },
};

// ---------------------------------------------------------------------------------------------

export interface CurveInput {
  configuration: string;
  epochs: readonly { epoch: number; stochasticLoss?: number; deterministicObjective?: number }[];
  closedFormMinimum?: number;
}

/** Claim 3: training curves with the closed-form minimum as a horizontal rule. */
export function trainingCurvesPlot(inputs: readonly CurveInput[], notes: string[] = []): PlotSpec | undefined {
  const values: { configuration: string; epoch?: number; series: Series; value: number }[] = [];
  const skipped = { count: 0 };
  for (const input of inputs) {
    for (const point of input.epochs) {
      if (!onEpochAxis(point.epoch, skipped)) continue;
      if (point.stochasticLoss !== undefined && positive(point.stochasticLoss))
        values.push({ configuration: input.configuration, epoch: point.epoch, series: "stochastic loss", value: point.stochasticLoss });
      if (point.deterministicObjective !== undefined && positive(point.deterministicObjective))
        values.push({ configuration: input.configuration, epoch: point.epoch, series: "deterministic objective", value: point.deterministicObjective });
    }
    if (input.closedFormMinimum !== undefined && positive(input.closedFormMinimum))
      values.push({ configuration: input.configuration, series: "closed-form minimum", value: input.closedFormMinimum });
  }
  if (!values.some((v) => v.epoch !== undefined)) return undefined;
  const y = { field: "value", type: "quantitative" as const, title: "loss", scale: { type: "log" as const, nice: false } };
  const legend = colour(["stochastic loss", "deterministic objective", "closed-form minimum"], "");
  return {
    id: "training-curves",
    title: "Training curves",
    caption:
      "The stochastic loss L_z over each epoch's masks (orange), the deterministic objective E_z L_z at the end of each epoch (red) and the closed-form global minimum (blue rule), log scale. Converged cells end with the red curve on the blue rule; the objective-gap plot below gives the remaining distance in numbers.",
    notes: [...notes, ...epochNote(skipped)],
    spec: {
      ...perConfiguration(values, [
        // Stochastic loss first, so the deterministic objective is drawn over it.
        {
          transform: [{ filter: "datum.series === 'stochastic loss'" }],
          mark: { type: "line", strokeWidth: 1.2 },
          encoding: { x: epochAxis, y, color: legend },
        },
        {
          transform: [{ filter: "datum.series === 'deterministic objective'" }],
          mark: { type: "line", strokeWidth: 1.8 },
          encoding: { x: epochAxis, y, color: legend },
        },
        {
          transform: [{ filter: "datum.epoch == null" }],
          mark: { type: "rule", strokeWidth: 1.5 },
          encoding: { y, color: legend },
        },
      ]),
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
export function objectiveGapPlot(inputs: readonly GapInput[], notes: string[] = [], tolerance?: number): PlotSpec | undefined {
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
  if (floored > 0)
    allNotes.push(`${counted(floored, "gap")} below ${logFloor} (rounding level, including ≤ 0) drawn at ${logFloor}.`);
  const rule = tolerance !== undefined && positive(tolerance) ? [{ tolerance }] : [];
  // Nominal, so colour and shape share one legend (θ values are few and read as categories).
  const theta = { field: "keepProbability", type: "nominal" as const, title: "keep probability θ", scale: { scheme: "category10" } };
  return {
    id: "objective-gap",
    title: "Objective gap over block size and keep probability",
    caption:
      `Relative gap between the trained deterministic objective and the closed-form minimum, one point per cell, the line through the median per keep probability${rule.length ? ", the dashed rule at claim 3's tolerance" : ""}. Representable cells (enough blocks for rank(A*)) should sit at the noise floor; the others may stay above it.`,
    notes: allNotes,
    spec: {
      data: { values },
      facet: { column: { field: "cells", type: "nominal", title: null, sort: ["representable", "not representable"] } },
      spec: {
        width: 280,
        height: 200,
        layer: [
          {
            mark: { type: "line", strokeWidth: 1.5, opacity: 0.8 },
            encoding: {
              x: blockAxis,
              y: { aggregate: "median", field: "gap", type: "quantitative", title: "relative objective gap", scale: { type: "log" } },
              color: theta,
            },
          },
          ...(rule.length
            ? [
                {
                  data: { values: rule },
                  mark: { type: "rule" as const, strokeDash: [4, 3], color: "#333" },
                  encoding: { y: { field: "tolerance", type: "quantitative" as const } },
                },
              ]
            : []),
          {
            mark: { type: "point", filled: true, opacity: 0.7, size: 36 },
            encoding: {
              x: blockAxis,
              y: { field: "gap", type: "quantitative", title: "relative objective gap", scale: { type: "log" } },
              color: theta,
              shape: { field: "keepProbability", type: "nominal", title: "keep probability θ" },
            },
          },
        ],
      },
      config: baseConfig,
    },
  };
}

const blockAxis = { field: "blockSize", type: "ordinal" as const, title: "block size k", axis: { labelAngle: 0 } };

// ---------------------------------------------------------------------------------------------

export interface BalanceInput {
  configuration: string;
  /** Per recorded epoch, ||U_g V_gᵀ||_F for every block g. */
  epochs: readonly { epoch: number; blockNorms: readonly number[] }[];
  /** ||A*||_(k) / b, the common value at a representable optimum. */
  balancedNorm?: number;
}

const blockColour = { field: "block", type: "nominal" as const, title: "block", legend: null, scale: { scheme: "tableau10" as const } };

/** Claim 4: block-product norms over epochs, converging to ||A*||_(k)/b. */
export function balancePlot(inputs: readonly BalanceInput[], notes: string[] = []): PlotSpec | undefined {
  const usable = inputs.filter((input) => input.epochs.some((p) => p.blockNorms.some(positive)));
  if (usable.length === 0) return undefined;
  // Results that record only the final block norms get a plot of those, per block.
  if (usable.every((input) => input.epochs.length === 1)) return finalBalancePlot(usable, notes);
  const values: { configuration: string; epoch?: number; block: string; value: number; final?: boolean }[] = [];
  const skipped = { count: 0 };
  for (const input of usable) {
    const last = input.epochs.at(-1)?.epoch;
    for (const point of input.epochs) {
      if (!onEpochAxis(point.epoch, skipped)) continue;
      point.blockNorms.forEach((value, g) => {
        if (positive(value))
          values.push({ configuration: input.configuration, epoch: point.epoch, block: `block ${g + 1}`, value, ...(point.epoch === last ? { final: true } : {}) });
      });
    }
    if (input.balancedNorm !== undefined && positive(input.balancedNorm))
      values.push({ configuration: input.configuration, block: "‖A*‖₍ₖ₎ / b", value: input.balancedNorm });
  }
  const y = { field: "value", type: "quantitative" as const, title: "‖U_g V_gᵀ‖_F", scale: { type: "log" as const } };
  return {
    id: "balance",
    title: "Block-norm balance over epochs",
    caption:
      "Frobenius norm of every block product U_g V_gᵀ X during training (one line per block, a dot at its final value) and the balanced value ‖A*‖₍ₖ₎/b (dashed rule), log scales. At a representable optimum all lines meet on the rule; claim 4 bounds the ratio of the highest final dot to the lowest.",
    notes: [...notes, ...epochNote(skipped)],
    spec: {
      ...perConfiguration(values, [
        {
          transform: [{ filter: "datum.epoch != null" }],
          mark: { type: "line", strokeWidth: 1.2 },
          encoding: { x: epochAxis, y, color: blockColour },
        },
        {
          transform: [{ filter: "datum.final === true" }],
          mark: { type: "point", filled: true, size: 22 },
          encoding: { x: epochAxis, y, color: blockColour },
        },
        {
          transform: [{ filter: "datum.epoch == null" }],
          mark: { type: "rule", strokeDash: [4, 3], color: "#333" },
          encoding: { y },
        },
      ]),
      resolve: { scale: { y: "independent", color: "independent" } },
      config: baseConfig,
    },
  };
}

/**
 * Claim 4 when only the end of training is recorded: each block's final norm divided by the
 * balanced value ||A*||_(k)/b, on one shared linear axis that always spans 0.9..1.1, so a
 * reader sees the size of an imbalance (not a zoomed-in 1%) and compares configurations.
 */
function finalBalancePlot(inputs: readonly BalanceInput[], notes: string[]): PlotSpec | undefined {
  const values: { configuration: string; block: number; ratio: number }[] = [];
  let withoutTarget = 0;
  for (const input of inputs) {
    if (input.balancedNorm === undefined || !positive(input.balancedNorm)) {
      withoutTarget++;
      continue;
    }
    input.epochs[0]!.blockNorms.forEach((value, g) => {
      if (Number.isFinite(value)) values.push({ configuration: input.configuration, block: g + 1, ratio: value / input.balancedNorm! });
    });
  }
  if (values.length === 0) return undefined;
  const ratios = values.map((v) => v.ratio);
  const domain = [Math.min(0.9, ...ratios), Math.max(1.1, ...ratios)];
  const allNotes = [...notes, "The results record only the final block norms, so the approach to balance over epochs is not drawn."];
  if (withoutTarget > 0) allNotes.push(`${counted(withoutTarget, "configuration")} without a balanced value (no closed form) ${withoutTarget === 1 ? "is" : "are"} not drawn.`);
  const y = { field: "ratio", type: "quantitative" as const, title: "‖U_g V_gᵀ‖_F ÷ (‖A*‖₍ₖ₎/b)", scale: { domain, zero: false } };
  return {
    id: "balance",
    title: "Block-norm balance at the end of training",
    caption:
      "Frobenius norm of every block product U_g V_gᵀ of the trained weights divided by the balanced value ‖A*‖₍ₖ₎/b (one dot per block). At a representable optimum all dots sit on the rule at 1; claim 4 bounds the ratio of the largest to the smallest.",
    notes: allNotes,
    spec: {
      ...perConfiguration(values, [
        // One rule per facet: drawn from the facet's first block only.
        {
          transform: [{ filter: "datum.block === 1" }],
          mark: { type: "rule", strokeDash: [4, 3], color: "#333" },
          encoding: { y: { datum: 1, type: "quantitative" } },
        },
        {
          mark: { type: "point", filled: true, size: 40, color: "#d62728" },
          encoding: { x: { field: "block", type: "ordinal", title: "block g", axis: { labelAngle: 0 } }, y },
        },
      ]),
      resolve: { scale: { x: "independent" } },
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
  /** Claim 1's Bonferroni threshold on |z| for this sweep's number of cells. */
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
    caption: `(Monte Carlo mean of L_z − deterministic objective) / standard error, one point per cell. Claim 1's test on the largest |z| passes when every point lies between the dashed rules at ±${formatQuantity(bound)} (its threshold for this sweep's number of cells); its second test, on Σz², catches a bias shared by every cell that stays inside them.`,
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
  /** Final singular values of the learned product. */
  spectrum?: readonly number[];
}

const schemePanels = { curve: "objective E_z L_z by epoch", spectrum: "final singular values by index i" } as const;

/**
 * Claim 7: the analysed (partitioned) DropBlock against the original (contiguous) one: one row
 * per setting, its training curves beside its final spectra, both on log scales.
 */
export function schemesPlot(inputs: readonly SchemeInput[], notes: string[] = []): PlotSpec | undefined {
  const values: { configuration: string; panel: string; x: number; series: Series; value: number }[] = [];
  const skipped = { count: 0 };
  for (const input of inputs) {
    const series = input.scheme as Series;
    for (const p of input.epochs)
      if (onEpochAxis(p.epoch, skipped) && positive(p.deterministicObjective))
        values.push({ configuration: input.configuration, panel: schemePanels.curve, x: p.epoch, series, value: p.deterministicObjective });
    input.spectrum?.forEach((value, i) => {
      if (positive(value)) values.push({ configuration: input.configuration, panel: schemePanels.spectrum, x: i + 1, series, value });
    });
  }
  if (values.length === 0) return undefined;
  const legend = colour(["partitioned", "contiguous"], "scheme");
  return {
    id: "schemes",
    title: "Partitioned vs contiguous DropBlock",
    caption:
      "Per setting (same data, block size and keep probability): left, the deterministic objective during training with the analysed partitioned DropBlock (red) and the original contiguous one (green); right, the final singular values of both learned products. The distance between red and green is how far the theory's scheme is from the original.",
    notes: [...notes, ...epochNote(skipped)],
    spec: {
      data: { values },
      hconcat: [
        {
          title: { text: schemePanels.curve, fontSize: 12, fontWeight: "normal" },
          transform: [{ filter: `datum.panel === '${schemePanels.curve}'` }],
          facet: { row: { field: "configuration", type: "nominal", title: null, sort: null } },
          spec: {
            width: facetWidth + 40,
            height: facetHeight,
            mark: { type: "line", strokeWidth: 1.5 },
            encoding: {
              x: { ...epochAxis, field: "x" },
              y: { field: "value", type: "quantitative", title: "E_z L_z", scale: { type: "log", nice: false } },
              color: legend,
            },
          },
          resolve: { scale: { y: "independent" } },
        },
        {
          title: { text: schemePanels.spectrum, fontSize: 12, fontWeight: "normal" },
          transform: [{ filter: `datum.panel === '${schemePanels.spectrum}'` }],
          facet: { row: { field: "configuration", type: "nominal", title: null, sort: null, header: { labels: false } } },
          spec: {
            width: facetWidth + 40,
            height: facetHeight,
            mark: { type: "line", strokeWidth: 1.2, point: { filled: true, size: 18 } },
            encoding: {
              x: { field: "x", type: "quantitative", title: "index i", axis: { tickMinStep: 1 } },
              y: { field: "value", type: "quantitative", title: "σᵢ", scale: { type: "log", nice: false } },
              color: legend,
            },
          },
          resolve: { scale: { y: "independent" } },
        },
      ],
      config: baseConfig,
    },
  };
}
