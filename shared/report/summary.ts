// How the report reads a summary's claims (the schema, and the rules of its rows and cell
// counts, are shared/results/summary.ts).
import type { ClaimResult } from "../claims/result.js";

/** The cells behind a claim, the worst first (none when it is skipped). */
export function claimCellHashes(claim: ClaimResult): readonly string[] {
  return claim.hashes ?? [];
}
