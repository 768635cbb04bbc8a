// The exact call Aggregate makes: aggregate(store, event, { report: reportForAggregate }) on a
// store holding a planned sweep's files and the fixture's results, with and without a baseline.
import { describe, expect, it } from "vitest";
import { aggregate } from "../../shared/pipeline/aggregate.js";
import { keys } from "../../shared/store/layout.js";
import { reportForAggregate } from "../../shared/report/aggregate.js";
import { writeCellError, writeResult } from "../../shared/results/result.js";
import { fixtureResolved, fixtureSweep, fixtureSweepId, MemoryStore } from "./fixtures.js";

async function plannedStore(): Promise<MemoryStore> {
  const store = new MemoryStore();
  const { summary, results, errors } = fixtureSweep();
  // What Plan writes that Aggregate reads: the resolved cells (hash and axis values), every
  // cell of the sweep, and the cells that were still to compute.
  const cells = summary.rows.map((r) => ({ hash: r.hash, section: 0, parameters: r.parameters }));
  await store.put(keys.resolved(fixtureSweepId), fixtureResolved(cells));
  await store.put(keys.cells(fixtureSweepId), cells.map((c) => JSON.stringify({ hash: c.hash })).join("\n") + "\n");
  await store.put(
    keys.manifest(fixtureSweepId),
    summary.rows
      .filter((r) => r.status !== "cached")
      .map((r) => JSON.stringify({ hash: r.hash }))
      .join("\n") + "\n",
  );
  for (const result of results) await writeResult(store, result);
  for (const error of errors) await writeCellError(store, error);
  return store;
}

describe("reportForAggregate", () => {
  it("writes the report beside the summary Aggregate wrote, keeping its fields", async () => {
    const store = await plannedStore();
    const result = await aggregate(store, { sweepId: fixtureSweepId }, { report: reportForAggregate });
    expect(result.reportKeys).toContain(keys.report(fixtureSweepId, "report.html"));
    expect(result.reportKeys.at(-1)).toBe(result.summaryKey);
    expect(result.regressions).toBe(0);
    const stored = JSON.parse(store.text(result.summaryKey)!);
    expect(stored.claims.map((c: { id: string }) => c.id)).toEqual(["1", "2", "3", "4", "5", "6", "7"]);
    expect(stored.rows).toHaveLength(fixtureSweep().summary.rows.length);
    expect(stored.report.plots.length).toBeGreaterThanOrEqual(5);
    const html = store.text(keys.report(fixtureSweepId, "report.html"))!;
    expect(html).toContain("RuntimeError: unreachable");
  });

  it("counts regressions against the baseline summary the event names", async () => {
    const store = await plannedStore();
    const first = await aggregate(store, { sweepId: fixtureSweepId }, { report: reportForAggregate });
    const baseline = JSON.parse(store.text(first.summaryKey)!);
    baseline.sweepId = "baseline";
    baseline.claims.find((c: { id: string }) => c.id === "4").status = "pass";
    await store.put("baselines/summary.json", JSON.stringify(baseline));
    const second = await aggregate(
      store,
      { sweepId: fixtureSweepId, baselineKey: "baselines/summary.json" },
      { report: reportForAggregate },
    );
    expect(second.regressions).toBe(1);
    expect(JSON.parse(store.text(second.summaryKey)!).regressions[0]).toMatchObject({ claim: "4", direction: "worse" });
  });

  it("fails the step on a baseline that is not a summary", async () => {
    const store = await plannedStore();
    await store.put("baselines/bad.json", JSON.stringify({ format: "dropsweep.summary/1", claims: "none" }));
    await expect(
      aggregate(store, { sweepId: fixtureSweepId, baselineKey: "baselines/bad.json" }, { report: reportForAggregate }),
    ).rejects.toThrow(
      /baseline baselines\/bad\.json in memory:\/\/test: sweepId: missing \(expected a string\); .*claims: expected a list, got "none"/,
    );
    // Without a format: a summary an older dropsweep wrote, refused with what to run.
    await store.put("baselines/old.json", JSON.stringify({ sweepId: "old", claims: [] }));
    await expect(
      aggregate(store, { sweepId: fixtureSweepId, baselineKey: "baselines/old.json" }, { report: reportForAggregate }),
    ).rejects.toThrow(/no format field: written by an older dropsweep; .*`dropsweep report old`/);
  });
});
