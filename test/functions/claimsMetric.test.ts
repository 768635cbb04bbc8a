// Aggregate's ClaimsFailing metric, which the scheduled run's alarm watches, counts claims by
// the rule `dropsweep run --strict` exits on (shared/pipeline/verdict.ts): a fail and any other
// status but pass or skipped, never a skipped claim.
import { beforeEach, describe, expect, it, vi } from "vitest";

vi.hoisted(() => {
  process.env.POWERTOOLS_LOG_LEVEL = "SILENT";
  process.env.POWERTOOLS_METRICS_DISABLED = "true";
  process.env.DROPSWEEP_STORE = "file:///nonexistent-dropsweep-store";
});

const claims = vi.hoisted(() => ({ value: [] as { id: string; status: string }[] }));
vi.mock("../../shared/pipeline/aggregate.js", () => ({
  aggregate: async () => ({
    sweepId: "a".repeat(64),
    summaryKey: "k",
    reportKeys: [],
    cells: { total: 1, computed: 1, cached: 0, failed: 0 },
    regressions: 0,
    claims: claims.value,
  }),
}));

import { handler } from "../../functions/aggregate.js";
import { metrics } from "../../functions/runtime.js";

describe("Aggregate's ClaimsFailing metric", () => {
  // Recorded, not stored: the handler's metrics object is only read here.
  const published = vi.spyOn(metrics, "addMetric").mockImplementation(() => metrics);
  vi.spyOn(metrics, "publishStoredMetrics").mockImplementation(() => metrics);
  beforeEach(() => published.mockClear());
  const value = () => published.mock.calls.find(([name]) => name === "ClaimsFailing")?.[2];

  it("counts fail and any status but pass or skipped", async () => {
    claims.value = [
      { id: "1", status: "pass" },
      { id: "2", status: "fail" },
      { id: "3", status: "skipped" },
      { id: "4", status: "inconclusive" },
      { id: "5", status: "fail" },
    ];
    await handler({ sweepId: "a".repeat(64) });
    expect(value()).toBe(3);
  });

  it("is 0 when every claim holds or does not apply", async () => {
    claims.value = [
      { id: "1", status: "pass" },
      { id: "6", status: "skipped" },
    ];
    await handler({ sweepId: "a".repeat(64) });
    expect(value()).toBe(0);
  });
});
