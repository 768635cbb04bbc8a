// Claim 2's plot: how far DropConnect's regulariser is from Dropout's at the same trained
// weights, one dot per DropConnect cell, in a row per layer and data (what the theory's
// prediction depends on), coloured by what claim 2 expects of the cell (its roles).
import { tolerances } from "../../claims/dropconnectEqualsDropout.js";
import { formatQuantity } from "../format.js";
import type { Panel, PlotSpec } from "./panel.js";
import { baseConfig, headerChars, jitter, lines, stripRows } from "./style.js";

export interface RegulariserInput {
  /** The row: layer first, then what tells the data apart (labels.ts), lines split by "\n". */
  configuration: string;
  /** DropConnect's expected penalty E[L_z] - ||Y - U Vᵀ X||² at the trained weights. */
  dropconnect: number;
  /** Dropout's penalty λ Σ_i ||u_i||² ||w_i||² at the same weights. */
  dropout: number;
  /** Claim 2's role of the cell: "equal where predicted" or "different where predicted". */
  expected?: string;
}

/** Relative differences below this (exact agreement, 0) are drawn on it. */
const differenceFloor = 1e-17;

const expectations = ["equal where predicted", "different where predicted"];

/** Claim 2: |DropConnect − Dropout| / Dropout per cell, on a log axis, against both tolerances. */
export function regularisersPlot(inputs: readonly RegulariserInput[], notes: string[] = []): PlotSpec | undefined {
  let floored = 0;
  const usable = inputs.filter((p) => Number.isFinite(p.dropconnect) && Number.isFinite(p.dropout) && p.dropout !== 0);
  if (usable.length === 0) return undefined;
  const rows = [...new Set(usable.map((p) => p.configuration))];
  const values: object[] = usable.map((p, i) => {
    const relative = Math.abs(p.dropconnect - p.dropout) / Math.abs(p.dropout);
    if (relative < differenceFloor) floored++;
    return {
      configuration: p.configuration,
      relative: Math.max(relative, differenceFloor),
      jitter: jitter(i),
      expected: p.expected ?? "not judged",
    };
  });
  const rules = [
    { relative: tolerances.dropconnectRelative, rule: "equal: at most" },
    { relative: tolerances.dropconnectDifference, rule: "different: at least" },
  ];
  const allNotes = [...notes];
  if (floored > 0) allNotes.push(`${floored} relative differences below ${differenceFloor} (exact agreement) drawn at ${differenceFloor}.`);
  return {
    id: "regularisers",
    title: "DropConnect vs Dropout regulariser",
    caption: `|DropConnect − Dropout| / Dropout: the relative difference of the two penalties at the same trained weights, one dot per DropConnect cell, log scale. Claim 2 holds when every blue dot (where the theory predicts equality: the last layer always, the first layer when X Xᵀ is diagonal) lies left of the dashed rule at ${formatQuantity(tolerances.dropconnectRelative)} and every orange dot (first layer, X Xᵀ not diagonal) right of the dotted rule at ${formatQuantity(tolerances.dropconnectDifference)}.`,
    notes: allNotes,
    spec: {
      data: { values: [...values, ...rules] },
      width: 720,
      height: stripRows(rows.length),
      layer: [
        {
          transform: [{ filter: "datum.rule == null" }],
          mark: { type: "point", filled: true, size: 40, opacity: 0.75 },
          encoding: {
            y: { field: "configuration", type: "nominal", title: null, sort: rows, axis: { labelExpr: lines } },
            yOffset: { field: "jitter", type: "quantitative", scale: { domain: [-0.5, 1.5] } },
            x: {
              field: "relative",
              type: "quantitative",
              title: "|DropConnect − Dropout| / Dropout (log)",
              scale: { type: "log" },
              axis: { format: ".0e" },
            },
            color: {
              field: "expected",
              type: "nominal",
              title: "claim 2 expects",
              scale: {
                domain: [...expectations, ...(usable.some((p) => p.expected === undefined) ? ["not judged"] : [])],
                range: ["#1f77b4", "#ff7f0e", "#9e9e9e"],
              },
              legend: { orient: "top" },
            },
          },
        },
        {
          transform: [{ filter: "datum.rule != null" }],
          mark: { type: "rule", color: "#333" },
          encoding: {
            x: { field: "relative", type: "quantitative" },
            strokeDash: {
              field: "rule",
              type: "nominal",
              title: "tolerance",
              scale: {
                domain: rules.map((r) => r.rule),
                range: [
                  [4, 3],
                  [1, 2],
                ],
              },
              legend: { orient: "top" },
            },
          },
        },
      ],
      config: baseConfig,
    },
  };
}

/** Every DropConnect cell carrying both regularisers, in a row per layer and data. */
export const regularisersPanel: Panel = {
  id: "regularisers",
  title: "DropConnect vs Dropout regulariser",
  absent: "no cell result carries both regularisers (DropConnect cells)",
  start(context) {
    const cells: { hash: string; dropout: number; dropconnect: number }[] = [];
    // What claim 2 expects of each cell, from its result (never its rule again).
    const expected = new Map<string, string>();
    for (const role of context.summary.claims.find((c) => c.id === "2")?.roles ?? [])
      for (const hash of role.hashes) expected.set(hash, role.role);
    return {
      add(cell) {
        if (cell.regularisers) cells.push({ hash: cell.hash, ...cell.regularisers });
      },
      finish() {
        // Rows by what the prediction depends on: the layer, then the data (section, generator).
        const labels = context.labels(
          cells.map((c) => c.hash),
          { first: ["mask.layer"], only: ["mask.layer", "section", "experiment", "data.generator"], wrap: headerChars + 8 },
        );
        // Several configurations share a row (keep probabilities, seeds): its first place counts.
        const rank = new Map<string, number>();
        for (const label of labels.order) if (!rank.has(label)) rank.set(label, rank.size);
        const inputs = cells
          .map((c) => ({
            configuration: labels.of(c.hash),
            dropout: c.dropout,
            dropconnect: c.dropconnect,
            ...(expected.has(c.hash) ? { expected: expected.get(c.hash)! } : {}),
          }))
          .sort((a, b) => (rank.get(a.configuration) ?? 0) - (rank.get(b.configuration) ?? 0));
        return regularisersPlot(inputs);
      },
    };
  },
};
