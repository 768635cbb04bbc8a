// Claim 1's plot: each cell's Monte Carlo mean of L_z against its deterministic objective, in
// standard errors, with the claim's Bonferroni threshold for this sweep.
import { formatQuantity } from "../format.js";
import { capNote, claimTolerance, pickCategories, type Panel, type PlotSpec } from "./panel.js";
import { baseConfig } from "./style.js";

export interface MonteCarloInput {
  /** Mask family (and anything else that tells the cells apart). */
  configuration: string;
  /** (Monte Carlo mean of L_z - deterministic objective) / standard error of that mean. */
  zScore: number;
  /** Claim 1's Bonferroni threshold on |z| for this sweep's number of cells; undefined when summary.json records none. */
  bound: number | undefined;
}

/** Claim 1: Monte Carlo mean of L_z against the deterministic objective, in standard errors. */
export function monteCarloPlot(inputs: readonly MonteCarloInput[], notes: string[] = []): PlotSpec | undefined {
  const points = inputs.filter((p) => Number.isFinite(p.zScore));
  if (points.length === 0) return undefined;
  const bounds = points.flatMap((p) => (p.bound === undefined ? [] : [p.bound]));
  // No threshold recorded (claim 1 skipped or the summary's value not a number): no rules, and the caption says so.
  const bound = bounds.length ? Math.max(...bounds) : undefined;
  const values = [
    ...points.map((p) => ({ configuration: p.configuration, z: p.zScore, kind: "cell" })),
    ...(bound === undefined
      ? []
      : [
          { z: bound, kind: "bound" },
          { z: -bound, kind: "bound" },
        ]),
  ];
  const test =
    bound === undefined
      ? "summary.json records no threshold for claim 1, so no rules are drawn."
      : `Claim 1's test on the largest |z| passes when every point lies between the dashed rules at ±${formatQuantity(bound)} (its threshold for this sweep's number of cells); its second test, on Σz², catches a bias shared by every cell that stays inside them.`;
  return {
    id: "monte-carlo",
    title: "Deterministic objective vs Monte Carlo mean",
    caption: `(Monte Carlo mean of L_z − deterministic objective) / standard error, one point per cell. ${test}`,
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

/** Every cell with a Monte Carlo estimate with spread; the configurations with the largest |z| first when capped. */
export const monteCarloPanel: Panel = {
  id: "monte-carlo",
  title: "Deterministic objective vs Monte Carlo mean",
  absent: "no cell result carries a Monte Carlo check",
  start(context) {
    const points: { hash: string; zScore: number }[] = [];
    return {
      add(cell) {
        const mc = cell.monteCarlo;
        if (mc && mc.standardError > 0) points.push({ hash: cell.hash, zScore: (mc.mean - mc.deterministic) / mc.standardError });
      },
      finish() {
        const { labelOf, limits, summary } = context;
        const bound = claimTolerance(summary, "1");
        const configurations = new Set(points.map((p) => labelOf(p.hash))).size;
        return monteCarloPlot(
          pickCategories(points, labelOf, limits.categories, (p) => Math.abs(p.zScore)).map((p) => ({
            configuration: labelOf(p.hash),
            zScore: p.zScore,
            bound,
          })),
          capNote(Math.min(configurations, limits.categories), configurations, "configurations", "|z|"),
        );
      },
    };
  },
};
