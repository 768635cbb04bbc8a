// Pieces both renderers (html.ts, markdown.ts) share: anchors and the one-line verdict.
import { claimStatuses, claimStatusInfo, type ClaimStatus } from "../claims/status.js";
import { counted } from "../text.js";
import type { ReportModel } from "./model.js";

export function claimAnchor(id: string): string {
  return `claim-${id}`;
}

/**
 * "fail": a claim's status says so (claims/status.ts: a failed claim) or something regressed;
 * "warn": a claim's status says so (skipped) or cells are incomplete; else "pass".
 */
export function verdict(model: ReportModel): "pass" | "warn" | "fail" {
  const verdicts = new Set(model.claims.map((c) => claimStatusInfo[c.claim.status].verdict));
  if (verdicts.has("fail") || (model.baseline?.regressions.length ?? 0) > 0) return "fail";
  if (verdicts.has("warn") || model.cells.failed > 0 || model.missingResults.length > 0) return "warn";
  return "pass";
}

/**
 * What the reader must know when results went corrupt after Aggregate evaluated the claims
 * (the claims are not recomputed from the remaining cells); empty otherwise.
 */
export function corruptNote(model: ReportModel): string {
  const n = model.corruptResults.length;
  if (n === 0) return "";
  return (
    `${counted(n, "cell result")} ${n === 1 ? "is" : "are"} corrupt now (listed under "Cells that did not complete"; ${n === 1 ? "its row shows" : "their rows show"} no metrics). ` +
    "The claims are shown as Aggregate evaluated them, when every result was still valid; a claim that read a corrupt cell says how many. " +
    "Rerun the sweep (`dropsweep run`) to recompute the corrupt cells and the claims."
  );
}

/** A claim's note when some of its cells' results are corrupt now. */
export function claimCorruptNote(corruptCells: number, cellCount: number): string {
  return corruptCells === 0
    ? ""
    : `Evaluated when its cells' results were valid: ${corruptCells} of its ${counted(cellCount, "cell")} ${corruptCells === 1 ? "is" : "are"} corrupt now.`;
}

/**
 * How many claims have each status, and the headline: "5 of 7 claims pass · 1 fail (3) · 1
 * skipped (6) · ...". Inconclusive claims say why: "3 inconclusive (3, 4, 5): training did not
 * converge in 6 cells"; cells that did not converge are counted even when every claim could judge others,
 * saying how many of them only claims that hold at any weights judge ("(8 of them judged only by
 * claims 1-2, which hold at any weights)"), as a spec may cap those on purpose.
 */
export function statusCounts(model: ReportModel): Record<ClaimStatus, number> & { sentence: string } {
  const counts = Object.fromEntries(
    claimStatuses.map((status) => [status, model.claims.filter((c) => c.claim.status === status).length]),
  ) as Record<ClaimStatus, number>;
  const parts = [`${counts.pass} of ${counted(model.claims.length, "claim")} pass${model.claims.length === 1 ? "es" : ""}`];
  const aside = model.notConvergedAnyWeights;
  const stopped =
    `training did not converge in ${counted(model.notConverged, "cell")}` +
    (aside
      ? ` (${aside === model.notConverged ? (aside === 1 ? "" : "all ") : `${aside} of them `}judged only by claims 1-2, which hold at any weights)`
      : "");
  // The claims that did not pass by number, so the headline says where to look.
  for (const status of claimStatuses)
    if (status !== "pass" && counts[status])
      parts.push(
        `${counts[status]} ${status} (${model.claims
          .filter((c) => c.claim.status === status)
          .map((c) => c.claim.id)
          .join(", ")})` + (status === "inconclusive" && model.notConverged ? `: ${stopped}` : ""),
      );
  if (!counts.inconclusive && model.notConverged) parts.push(stopped);
  if (model.cells.failed) parts.push(`${counted(model.cells.failed, "cell")} failed`);
  const regressions = model.baseline?.regressions.length ?? 0;
  if (model.baseline)
    parts.push(regressions ? `${counted(regressions, "regression")} against the baseline` : "no regression against the baseline");
  return { ...counts, sentence: parts.join(" · ") };
}
