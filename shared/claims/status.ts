// A claim's status: the one list of them. What shows, counts or compares statuses (summary.json's
// schema, the report's verdict and headline, the baseline comparison) reads it from here: a new
// status is a name in `claimStatuses` and an entry in `claimStatusInfo` (the Record type will
// not compile without it), plus its pill colour in shared/report/html.ts's style.
import * as z from "zod";

export interface StatusInfo {
  /** Worse statuses first: a baseline comparison calls a move to a lower rank "worse". */
  rank: number;
  /** The report's overall verdict when at least one claim has this status ("pass" adds nothing). */
  verdict: "pass" | "warn" | "fail";
  /** Whether it fails `--strict` (exit 4) and counts in the scheduled run's ClaimsFailing metric. */
  failsStrict: boolean;
}

/** In the order a headline lists them: pass first, then the others worst first. */
export const claimStatuses = ["pass", "fail", "inconclusive", "skipped"] as const;

export const claimStatusSchema = z.enum(claimStatuses);

export type ClaimStatus = z.infer<typeof claimStatusSchema>;

export const claimStatusInfo: Record<ClaimStatus, StatusInfo> = {
  /** Every gated check is within its tolerance. */
  pass: { rank: 3, verdict: "pass", failsStrict: false },
  /** The theory and a converged computation disagree beyond the claim's tolerance. */
  fail: { rank: 0, verdict: "fail", failsStrict: true },
  /**
   * Cells bear on the claim, but none of them converged (shared/claims/training.ts): the claim
   * presumes a trained optimum, so nothing can be said for or against it. Its reason says how
   * many cells stopped and what to change. It fails `--strict` and counts in the scheduled run's
   * alarm: a reproduction that checked nothing needs a person as much as one that failed.
   */
  inconclusive: { rank: 1, verdict: "warn", failsStrict: true },
  /** No cell of this sweep bears on the claim (its reason says which cells would). */
  skipped: { rank: 2, verdict: "warn", failsStrict: false },
};
