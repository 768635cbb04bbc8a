// How the report reads a summary's rows and claims (the schema is shared/results/summary.ts).
import type { ClaimResult } from "../claims/result.js";
import type { CellCounts, SummaryRow } from "../results/summary.js";

/** The cells behind a claim, the worst first (none when it is skipped). */
export function claimCellHashes(claim: ClaimResult): readonly string[] {
  return claim.hashes ?? [];
}

/** Row statuses with a usable result. */
export function rowHasResult(row: SummaryRow): boolean {
  return row.status === "computed" || row.status === "cached" || row.status === "diverged";
}

/**
 * The header's buckets counted from `rows` as the report shows them: a row's status says its
 * bucket (no usable result: failed), and a diverged row counts where Aggregate counted it.
 */
export function countCells(rows: readonly SummaryRow[]): CellCounts {
  const n = { computed: 0, cached: 0, failed: 0 };
  for (const row of rows) {
    if (row.status === "computed" || row.status === "cached") n[row.status]++;
    else if (row.status === "diverged") n[row.countedAs ?? "computed"]++;
    else n.failed++;
  }
  return { total: rows.length, ...n };
}
