// The cells table's rank column, as claim 5 (THEORY.md "Claims the pipeline checks", shared/claims/lowRank.ts)
// judges it: the learned rank next to rank(A*) counted at the same threshold (2% of σ₁), the
// exact rank(A*) beside it where the two differ, and the claim's own verdict on the cell.
// The verdict is read from claim 5's result, not recomputed: it lists the cells it counts as
// mismatches and those it accepts either way (`mismatched`, `unresolved`).
import { tolerances } from "../claims/lowRank.js";
import type { Summary, SummaryRow } from "../results/summary.js";
import { claimCellHashes } from "./summary.js";

const threshold = `${Number((tolerances.rankThreshold * 100).toPrecision(3))}% of σ₁(Y)`;

type RankVerdict = "match" | "accepted" | "mismatch";

export interface RankView {
  /** rank(A*) as claim 5 compares it: at the threshold when the row has it, else the exact rank. */
  closedForm: number | null;
  /** The exact rank(A*), when it differs from `closedForm`. */
  exact?: number;
  learned: number | null;
  /**
   * Claim 5 on this cell: "accepted" when it accepts either count because a closed-form
   * singular value lies within the resolution of the threshold; absent for cells claim 5 does
   * not read.
   */
  verdict?: RankVerdict;
}

export interface RankVerdicts {
  mismatched: ReadonlySet<string>;
  /** Claim 5's accepted-either-way cells. */
  unresolved: ReadonlySet<string>;
  /** Every cell claim 5 read. */
  judged: ReadonlySet<string>;
}

/** Claim 5's verdict per cell it read, as recorded in its result. */
export function rankVerdicts(summary: Summary): RankVerdicts {
  const claim = summary.claims.find((c) => c.id === "5");
  if (!claim || claim.status === "skipped") return { mismatched: new Set(), unresolved: new Set(), judged: new Set() };
  const mismatched = claim.mismatched ?? [];
  const unresolved = claim.unresolved ?? [];
  return {
    mismatched: new Set(mismatched),
    unresolved: new Set(unresolved),
    judged: new Set([...claimCellHashes(claim), ...mismatched, ...unresolved]),
  };
}

export function rankView(row: SummaryRow, verdicts: RankVerdicts): RankView {
  const learned = typeof row.learnedRank === "number" ? row.learnedRank : null;
  const exact = typeof row.closedFormRank === "number" ? row.closedFormRank : null;
  const atThreshold = typeof row.closedFormRankAtThreshold === "number" ? row.closedFormRankAtThreshold : null;
  const closedForm = atThreshold ?? exact;
  const view: RankView = { learned, closedForm };
  if (atThreshold !== null && exact !== null && exact !== atThreshold) view.exact = exact;
  if (verdicts.judged.has(row.hash))
    view.verdict = verdicts.mismatched.has(row.hash) ? "mismatch" : verdicts.unresolved.has(row.hash) ? "accepted" : "match";
  return view;
}

const marks =
  "A cell claim 5 counts as a mismatch is marked ✗; ≈ marks one whose rank it accepts either way because a closed-form singular value lies within the resolution of the threshold.";

/** The column's heading and what its marks mean, for both renderers. */
export const rankColumn = {
  heading: "Rank learned / A*",
  note: `Rank learned / A*: both counted above claim 5's threshold (${threshold}), as the claim compares them; the exact rank(A*) follows in parentheses where it differs. Deep cells' rows carry only the exact rank(A*), and show it. ${marks}`,
} as const;

export function rankTooltip(view: RankView): string {
  const parts: string[] = [];
  if (view.exact !== undefined)
    parts.push(`exact rank(A*) = ${view.exact}; ${view.closedForm} of its singular values lie above ${threshold}`);
  if (view.verdict === "mismatch") parts.push("claim 5 counts this cell as a mismatch");
  if (view.verdict === "accepted")
    parts.push("claim 5 accepts either rank for this cell: a closed-form singular value lies within the resolution of the threshold");
  if (view.verdict === "match") parts.push("claim 5: ranks match");
  return parts.join("; ");
}

/** "5 / 5 (6) ✗" as text: learned / at threshold (exact) and claim 5's mark. */
export function rankText(view: RankView, format: (value: number | null) => string): string {
  const mark = view.verdict === "mismatch" ? " ✗" : view.verdict === "accepted" ? " ≈" : "";
  return `${format(view.learned)} / ${format(view.closedForm)}${view.exact !== undefined ? ` (${view.exact})` : ""}${mark}`;
}
