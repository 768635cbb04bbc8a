// A sweep's verdict in one line, and the one rule for which claim statuses fail a strict run
// (`dropsweep run|report --strict` exit 4, the scheduled cloud run's ClaimsFailing metric).
// Statuses are read as strings (a summary may come from elsewhere); which ones fail a strict run
// is each status's `failsStrict` in shared/claims/status.ts, and a status this dropsweep does not
// know fails it.
import type { ClaimId } from "../claims/result.js";
import { claimStatusInfo, claimStatusSchema } from "../claims/status.js";

/** A claim as the verdict reads it: its number and status (ClaimResult, summary.json `claims`). */
export interface ClaimVerdict {
  id: ClaimId;
  status: string;
}

/** Whether a claim with this status fails a strict run: a person should look at the claim. */
export function failsStrict(status: string): boolean {
  const known = claimStatusSchema.safeParse(status);
  return known.success ? claimStatusInfo[known.data].failsStrict : true;
}

/** The claims that fail a strict run, in the order given. */
export function strictFailures<T extends ClaimVerdict>(claims: readonly T[]): T[] {
  return claims.filter((claim) => failsStrict(claim.status));
}

/**
 * "claims: 7 pass", or "claims: 1 pass, 3 fail (3, 4, 5), 3 skipped -> report.html": the count
 * of each status (pass first, skipped last, the others between in the order they first occur),
 * the claim numbers of every status that fails a strict run, and, when there is one, where to
 * look (`report`).
 */
export function verdictLine(claims: readonly ClaimVerdict[], report?: string): string {
  if (claims.length === 0) return "claims: none evaluated";
  const byStatus = new Map<string, ClaimId[]>();
  for (const claim of claims) byStatus.set(claim.status, [...(byStatus.get(claim.status) ?? []), claim.id]);
  const rank = (status: string) => (status === "pass" ? 0 : status === "skipped" ? 2 : 1);
  const statuses = [...byStatus.keys()].sort((a, b) => rank(a) - rank(b));
  const parts = statuses.map((status) => {
    const ids = byStatus.get(status)!;
    return `${ids.length} ${status}${failsStrict(status) ? ` (${ids.join(", ")})` : ""}`;
  });
  const look = report !== undefined && strictFailures(claims).length > 0 ? ` -> ${report}` : "";
  return `claims: ${parts.join(", ")}${look}`;
}
