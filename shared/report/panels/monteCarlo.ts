// Claim 1's plot: each cell's Monte Carlo mean of L_z against its deterministic objective, in
// standard errors, one dot per cell in a row per mask family (DropConnect by layer), with the
// claim's Bonferroni threshold for this sweep.
import { formatQuantity } from "../format.js";
import { claimTolerance, type Panel, type PlotSpec } from "./panel.js";
import { baseConfig, jitter, stripRows } from "./style.js";

export interface MonteCarloInput {
  /** The row: mask family, and DropConnect's layer (labels.ts style, e.g. "dropconnect · layer=first"). */
  configuration: string;
  /** (Monte Carlo mean of L_z - deterministic objective) / standard error of that mean. */
  zScore: number;
  /** Claim 1's Bonferroni threshold on |z| for this sweep's number of cells; undefined when summary.json records none. */
  bound: number | undefined;
}

/** Mask families in the order of THEORY.md (and shared/masks.ts). */
const familyOrder = ["dropout", "dropblock", "contiguous-dropblock", "dropconnect", "custom"];

/** Claim 1: Monte Carlo mean of L_z against the deterministic objective, in standard errors. */
export function monteCarloPlot(inputs: readonly MonteCarloInput[], notes: string[] = []): PlotSpec | undefined {
  const points = inputs.filter((p) => Number.isFinite(p.zScore));
  if (points.length === 0) return undefined;
  const bounds = points.flatMap((p) => (p.bound === undefined ? [] : [p.bound]));
  // No threshold recorded (claim 1 skipped, or its value not a number): no rules and no verdict
  // per dot, and the caption says so, rather than a made-up threshold.
  const bound = bounds.length ? Math.max(...bounds) : undefined;
  const kinds = bound === undefined ? ["no threshold recorded"] : ["within the threshold", "beyond the threshold"];
  const rows = [...new Set(points.map((p) => p.configuration))];
  const values = [
    ...points.map((p, i) => ({
      configuration: p.configuration,
      z: p.zScore,
      jitter: jitter(i),
      kind: bound === undefined ? kinds[0]! : Math.abs(p.zScore) <= bound ? kinds[0]! : kinds[1]!,
    })),
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
      : `Claim 1's test on the largest |z| passes when every dot lies between the dashed rules at ±${formatQuantity(bound)} (its threshold for this sweep's ${points.length} cells); its second test, on Σz², catches a bias shared by every cell that stays inside them.`;
  return {
    id: "monte-carlo",
    title: "Deterministic objective vs Monte Carlo mean",
    caption: `(Monte Carlo mean of L_z − deterministic objective) / standard error, one dot per cell, a row per mask family. ${test}`,
    notes,
    spec: {
      data: { values },
      height: stripRows(rows.length),
      width: 900,
      layer: [
        {
          transform: [{ filter: "datum.kind !== 'bound'" }],
          mark: { type: "point", filled: true, size: 40, opacity: 0.7 },
          encoding: {
            y: { field: "configuration", type: "nominal", title: null, sort: rows },
            yOffset: { field: "jitter", type: "quantitative", scale: { domain: [-0.5, 1.5] } },
            x: { field: "z", type: "quantitative", title: "z = (Monte Carlo mean − objective) / standard error" },
            color: {
              field: "kind",
              type: "nominal",
              title: null,
              scale: { domain: kinds, range: ["#1f77b4", "#d62728"].slice(0, kinds.length) },
              legend: { orient: "top" },
            },
          },
        },
        {
          transform: [{ filter: "datum.kind === 'bound'" }],
          mark: { type: "rule", strokeDash: [4, 3], color: "#333" },
          encoding: { x: { field: "z", type: "quantitative" } },
        },
      ],
      config: baseConfig,
    },
  };
}

/** A Monte Carlo row: the mask family, and DropConnect's layer first among what tells rows apart. */
function rowOf(mask: { family: string; layer?: string } | undefined): string {
  if (!mask) return "unknown mask";
  return mask.layer ? `${mask.family} · layer=${mask.layer}` : mask.family;
}

function rowRank(row: string): number {
  const i = familyOrder.indexOf(row.split(" · ")[0]!);
  return i < 0 ? familyOrder.length : i;
}

/** Every cell with a Monte Carlo estimate with spread, evenly thinned past the cap. */
export const monteCarloPanel: Panel = {
  id: "monte-carlo",
  title: "Deterministic objective vs Monte Carlo mean",
  absent: "no cell result carries a Monte Carlo check",
  start(context) {
    const points: { row: string; zScore: number }[] = [];
    return {
      add(cell) {
        const mc = cell.monteCarlo;
        if (mc && mc.standardError > 0) points.push({ row: rowOf(cell.mask), zScore: (mc.mean - mc.deterministic) / mc.standardError });
      },
      finish() {
        const bound = claimTolerance(context.summary, "1");
        const cap = context.limits.gapPoints;
        // Past the cap: every cell beyond the threshold, then an even spread of the others.
        const beyond = bound === undefined ? [] : points.filter((p) => Math.abs(p.zScore) > bound);
        const within = bound === undefined ? points : points.filter((p) => Math.abs(p.zScore) <= bound);
        const step = Math.max(1, Math.ceil(within.length / Math.max(1, cap - beyond.length)));
        const shown = [...beyond, ...within.filter((_, i) => i % step === 0)];
        const notes =
          shown.length < points.length
            ? [`${shown.length} of ${points.length} cells drawn: every one beyond the threshold and an even spread of the others.`]
            : [];
        const rows = [...new Set(shown.map((p) => p.row))].sort((a, b) => rowRank(a) - rowRank(b) || (a < b ? -1 : 1));
        const byRow = rows.flatMap((row) => shown.filter((p) => p.row === row));
        return monteCarloPlot(
          byRow.map((p) => ({ configuration: p.row, zScore: p.zScore, bound })),
          notes,
        );
      },
    };
  },
};
