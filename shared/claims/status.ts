// A claim's status: the one table of them. Everything that shows, counts or compares statuses
// (summary.json's schema, the report's verdict and headline, the baseline comparison, the
// CLI's verdict line) reads this table, so a new status is one entry here (the Record types
// make every consumer that must say something about it fail to compile until it does).
import * as z from "zod";

export interface StatusInfo {
  /** Worse statuses first: a baseline comparison calls a move to a lower rank "worse". */
  rank: number;
  /** The report's overall verdict when at least one claim has this status ("pass" adds nothing). */
  verdict: "pass" | "warn" | "fail";
  /** Meaning, for readers of summary.json and the report. */
  meaning: string;
}

/** In the order a headline lists them: pass first, then the others worst first. */
export const claimStatuses = ["pass", "fail", "skipped"] as const;

export const claimStatusSchema = z.enum(claimStatuses);

export type ClaimStatus = z.infer<typeof claimStatusSchema>;

export const claimStatusInfo: Record<ClaimStatus, StatusInfo> = {
  pass: { rank: 2, verdict: "pass", meaning: "every gated check is within its tolerance" },
  fail: { rank: 0, verdict: "fail", meaning: "the theory and a converged computation disagree beyond the claim's tolerance" },
  skipped: { rank: 1, verdict: "warn", meaning: "no cell of this sweep bears on the claim (its reason says which cells would)" },
};
