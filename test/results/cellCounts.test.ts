// The one rule for a summary's cell counts (shared/results/summary.ts), which Aggregate writes,
// the report recounts and Aggregate's Task result carries (the same schema).
import { describe, expect, it } from "vitest";
import { aggregateResultSchema } from "../../shared/pipeline/contract.js";
import { countCells, rowHasResult, type SummaryRow } from "../../shared/results/summary.js";

const row = (status: SummaryRow["status"], countedAs?: "computed" | "cached") =>
  ({ status, ...(countedAs ? { countedAs } : {}) }) as SummaryRow;

describe("cell counts", () => {
  it("a row's status is its bucket; a diverged row counts where Aggregate counted it; no usable result is failed", () => {
    const rows = [
      row("computed"),
      row("cached"),
      row("cached"),
      row("diverged", "cached"),
      row("diverged", "computed"),
      row("failed"),
      row("missing"),
      row("corrupt"),
    ];
    expect(countCells(rows)).toEqual({ total: 8, computed: 2, cached: 3, failed: 3 });
    expect(rows.map(rowHasResult)).toEqual([true, true, true, true, true, false, false, false]);
  });

  it("Aggregate's Task result carries them under the summary's schema", () => {
    const result = { sweepId: "s", summaryKey: "k", reportKeys: [], regressions: 0, claims: [] };
    expect(aggregateResultSchema.safeParse({ ...result, cells: { total: 1, computed: 1, cached: 0, failed: 0 } }).success).toBe(true);
    expect(aggregateResultSchema.safeParse({ ...result, cells: { total: 1, computed: -1, cached: 0, failed: 0 } }).success).toBe(false);
  });
});
