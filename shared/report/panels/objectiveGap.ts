// Claim 3 over the grid: the relative objective gap of every DropBlock and Dropout cell by
// block size and keep probability, against the claim's tolerance.
import { counted } from "../../text.js";
import { claimTolerance, evenly, type Panel, type PlotSpec } from "./panel.js";
import { baseConfig, logFloor, positive } from "./style.js";

export interface GapInput {
  blockSize: number;
  keepProbability: number;
  objectiveGap: number;
  representable: boolean;
}

const blockAxis = { field: "blockSize", type: "ordinal" as const, title: "block size k", axis: { labelAngle: 0 } };

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
  if (floored > 0) allNotes.push(`${counted(floored, "gap")} below ${logFloor} (rounding level, including ≤ 0) drawn at ${logFloor}.`);
  const rule = tolerance !== undefined && positive(tolerance) ? [{ tolerance }] : [];
  // Nominal, so colour and shape share one legend (θ values are few and read as categories).
  const theta = { field: "keepProbability", type: "nominal" as const, title: "keep probability θ", scale: { scheme: "category10" } };
  return {
    id: "objective-gap",
    title: "Objective gap over block size and keep probability",
    caption: `Relative gap between the trained deterministic objective and the closed-form minimum, one point per cell, the line through the median per keep probability${rule.length ? ", the dashed rule at claim 3's tolerance" : ""}. Representable cells (enough blocks for rank(A*)) should sit at the noise floor; the others may stay above it.`,
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

/** Every DropBlock and Dropout cell with an objective gap, evenly thinned past the cap. */
export const objectiveGapPanel: Panel = {
  id: "objective-gap",
  title: "Objective gap over block size and keep probability",
  absent: "no DropBlock or Dropout cell result has an objective gap",
  start(context) {
    const gaps: GapInput[] = [];
    return {
      add(cell) {
        const family = cell.mask?.family;
        if ((family === "dropblock" || family === "dropout") && cell.objectiveGap !== undefined)
          gaps.push({
            blockSize: cell.mask!.blockSize,
            keepProbability: cell.mask!.keepProbability,
            objectiveGap: cell.objectiveGap,
            representable: cell.representable === true,
          });
      },
      finish() {
        const cap = context.limits.gapPoints;
        const notes =
          gaps.length > cap
            ? [`${cap} of ${counted(gaps.length, "cell")} drawn, evenly spaced in grid order; every cell is in the table below.`]
            : [];
        return objectiveGapPlot(evenly(gaps, cap), notes, claimTolerance(context.summary, "3"));
      },
    };
  },
};
