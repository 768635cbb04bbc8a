// Claim 3 over the grid: the relative objective gap by block size and keep probability of
// exactly the cells claim 3 judges, against its tolerance, and beside them, each in a panel of
// its own, the cells it reads but does not judge (at the representability bound, not
// representable: its roles) and the deep cells, whose gap claim 6 reports. Which cell is which
// is read from the claims' results, never decided here again.
import type { ClaimResult } from "../../claims/result.js";
import { counted } from "../../text.js";
import { formatQuantity } from "../format.js";
import { claimTolerance, type Panel, type PlotSpec } from "./panel.js";
import { baseConfig, lines, logFloor, positive } from "./style.js";

export interface GapInput {
  blockSize: number;
  keepProbability: number;
  objectiveGap: number;
  /** The panel: what the claims make of the cell (gapGroups). */
  group: string;
}

/** The panels' titles (two lines each), in the order drawn. */
export const gapGroups = {
  claimed: "judged by claim 3:\nstrictly above the bound",
  reported: (role: string) => `reported, not judged:\n${role}`,
  deep: "reported, not judged:\ndeep networks (claim 6)",
} as const;

const blockAxis = { field: "blockSize", type: "ordinal" as const, title: "block size k", axis: { labelAngle: 0 } };

/** Claim 3 over the grid: relative objective gap by block size k and keep probability θ, a panel per group. */
export function objectiveGapPlot(inputs: readonly GapInput[], notes: string[] = [], tolerance?: number): PlotSpec | undefined {
  const finite = inputs.filter((p) => Number.isFinite(p.objectiveGap));
  if (finite.length === 0) return undefined;
  let floored = 0;
  const groups = [...new Set(finite.map((p) => p.group))];
  const values: object[] = finite.map((p) => {
    if (p.objectiveGap < logFloor) floored++;
    return { blockSize: p.blockSize, keepProbability: p.keepProbability, gap: Math.max(p.objectiveGap, logFloor), group: p.group };
  });
  const allNotes = [...notes];
  if (floored > 0) allNotes.push(`${counted(floored, "gap")} below ${logFloor} (rounding level, including ≤ 0) drawn at ${logFloor}.`);
  const ruled = tolerance !== undefined && positive(tolerance) && groups.includes(gapGroups.claimed);
  if (ruled) values.push({ group: gapGroups.claimed, tolerance });
  // Nominal, so colour and shape share one legend (θ values are few and read as categories).
  const theta = { field: "keepProbability", type: "nominal" as const, title: "keep probability θ", scale: { scheme: "category10" } };
  const y = { field: "gap", type: "quantitative" as const, title: "relative objective gap (log)", scale: { type: "log" as const } };
  return {
    id: "objective-gap",
    title: "Objective gap over block size and keep probability",
    caption: `Relative gap between the trained deterministic objective and the closed-form minimum, one dot per cell, the line through the median per keep probability. The first panel holds exactly the cells claim 3 judges (representable, strictly above the bound b > blocks needed)${ruled ? "; claim 3 passes when all of them lie below its tolerance, the dashed rule" : ""}. The other panels are reported, not judged: cells exactly at the bound (the bound is necessary, not sufficient), non-representable ones (too few blocks for rank(A*): they may stay above the minimum), and deep networks, whose gap claim 6 reports.`,
    notes: allNotes,
    spec: {
      data: { values },
      facet: { column: { field: "group", type: "nominal", title: null, sort: groups, header: { labelExpr: lines, labelFontSize: 12 } } },
      spec: {
        width: 220,
        height: 220,
        layer: [
          {
            transform: [{ filter: "datum.gap != null" }],
            mark: { type: "line", strokeWidth: 1.5, opacity: 0.8 },
            encoding: { x: blockAxis, y: { ...y, aggregate: "median" }, color: theta },
          },
          ...(ruled
            ? [
                {
                  transform: [{ filter: "datum.tolerance != null" }],
                  mark: { type: "rule" as const, strokeDash: [4, 3], color: "#333" },
                  encoding: { y: { field: "tolerance", type: "quantitative" as const } },
                },
                {
                  transform: [{ filter: "datum.tolerance != null" }],
                  mark: { type: "text" as const, align: "left" as const, dx: 4, dy: -8, fontSize: 11, color: "#333" },
                  encoding: {
                    x: { value: 0 },
                    y: { field: "tolerance", type: "quantitative" as const },
                    text: { value: `claim 3's tolerance ${formatQuantity(tolerance)}` },
                  },
                },
              ]
            : []),
          {
            transform: [{ filter: "datum.gap != null" }],
            mark: { type: "point", filled: true, opacity: 0.7, size: 40 },
            encoding: {
              x: blockAxis,
              y,
              color: theta,
              shape: { field: "keepProbability", type: "nominal", title: "keep probability θ" },
            },
          },
        ],
      },
      resolve: { scale: { x: "independent" } },
      config: baseConfig,
    },
  };
}

/** The groups of cells the plot draws, from the claims' results: hash -> panel title. */
function groupsOf(claims: readonly ClaimResult[]): Map<string, string> {
  const group = new Map<string, string>();
  const convergence = claims.find((c) => c.id === "3");
  for (const role of convergence?.roles ?? [])
    for (const hash of role.hashes) group.set(hash, role.reported ? gapGroups.reported(role.role) : gapGroups.claimed);
  for (const hash of convergence?.hashes ?? []) if (!group.has(hash)) group.set(hash, gapGroups.claimed);
  for (const hash of claims.find((c) => c.id === "6")?.hashes ?? []) if (!group.has(hash)) group.set(hash, gapGroups.deep);
  return group;
}

/** The cells claim 3 judges and those it (or claim 6) reports, evenly thinned past the cap. */
export const objectiveGapPanel: Panel = {
  id: "objective-gap",
  title: "Objective gap over block size and keep probability",
  absent: "no cell claim 3 or claim 6 read has an objective gap",
  start(context) {
    const groupOf = groupsOf(context.summary.claims);
    const gaps: GapInput[] = [];
    return {
      add(cell) {
        const group = groupOf.get(cell.hash);
        if (group && cell.mask && cell.objectiveGap !== undefined)
          gaps.push({ blockSize: cell.mask.blockSize, keepProbability: cell.mask.keepProbability, objectiveGap: cell.objectiveGap, group });
      },
      finish() {
        const cap = context.limits.gapPoints;
        const order = [
          gapGroups.claimed,
          ...new Set([...groupOf.values()].filter((g) => g !== gapGroups.claimed && g !== gapGroups.deep)),
          gapGroups.deep,
        ];
        const sorted = [...gaps].sort((a, b) => order.indexOf(a.group) - order.indexOf(b.group));
        const step = Math.max(1, Math.ceil(sorted.length / cap));
        const notes =
          step > 1
            ? [
                `${Math.ceil(sorted.length / step)} of ${counted(sorted.length, "cell")} drawn, evenly spaced in grid order; every cell is in the table below.`,
              ]
            : [];
        const judged = groupOf.size - [...groupOf.values()].filter((g) => g !== gapGroups.claimed).length;
        const drawnJudged = gaps.filter((g) => g.group === gapGroups.claimed).length;
        if (drawnJudged < judged)
          notes.push(
            `${counted(judged - drawnJudged, "cell")} claim 3 judges ${judged - drawnJudged === 1 ? "has" : "have"} no finite objective gap in ${judged - drawnJudged === 1 ? "its result" : "their results"} (diverged, or unreadable now): not drawn, listed in the table below.`,
          );
        return objectiveGapPlot(
          sorted.filter((_, i) => i % step === 0),
          notes,
          claimTolerance(context.summary, "3"),
        );
      },
    };
  },
};
