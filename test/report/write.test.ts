// writeReport end to end on the synthetic sweep, against an in-memory store: which files,
// what summary.json keeps and adds, that the HTML is self-contained and its links resolve.
import { describe, expect, it } from "vitest";
import { keys } from "../../shared/pipeline/contract.js";
import { writeReport } from "../../shared/report/write.js";
import { writeCellError } from "../../shared/results/result.js";
import { fixtureSweep, fixtureSweepId, MemoryStore, stream } from "./fixtures.js";

const reportKey = (file: string) => keys.report(fixtureSweepId, file);

describe("writeReport", async () => {
  const { summary, results, errors } = fixtureSweep();
  const store = new MemoryStore();
  for (const error of errors) await writeCellError(store, error);
  const written = await writeReport(store, fixtureSweepId, summary, stream(results));
  const html = store.text(reportKey("report.html"))!;
  const markdown = store.text(reportKey("report.md"))!;

  it("writes the plots, report.md, report.html, then summary.json", () => {
    expect(written.keys.at(-1)).toBe(reportKey("summary.json"));
    expect(written.keys).toEqual(expect.arrayContaining([reportKey("report.html"), reportKey("report.md"), reportKey("plots/spectra.svg")]));
    for (const key of written.keys) expect(store.objects.has(key), key).toBe(true);
  });

  it("draws every plot the fixture has data for, each with data marks", () => {
    expect(written.model.plots.map((p) => p.id)).toEqual(["monte-carlo", "regularisers", "spectra", "training-curves", "objective-gap", "balance", "schemes"]);
    for (const plot of written.model.plots) expect(plot.dataMarks, plot.id).toBeGreaterThan(0);
    expect(written.model.absentPlots).toEqual([]);
  });

  it("keeps every pipeline field of summary.json and adds the report's", () => {
    const stored = JSON.parse(store.text(reportKey("summary.json"))!);
    expect(stored.sweepId).toBe(summary.sweepId);
    expect(stored.cells).toEqual(summary.cells);
    expect(stored.claims).toEqual(JSON.parse(JSON.stringify(summary.claims)));
    expect(stored.rows).toEqual(JSON.parse(JSON.stringify(summary.rows)));
    expect(stored.report.files).toContain("report.html");
    expect(stored.report.plots.length).toBe(written.model.plots.length);
    expect(stored.regressions).toBeUndefined();
  });

  it("puts the claims table first, the seven claims in order", () => {
    const sections = [...html.matchAll(/<section id="([a-z-]+)"/g)].map((m) => m[1]);
    expect(sections[0]).toBe("claims");
    const claimRows = [...html.matchAll(/<tr id="claim-row-(\d)">/g)].map((m) => m[1]);
    expect(claimRows).toEqual(["1", "2", "3", "4", "5", "6", "7"]);
    expect(html).toMatch(/<tr id="claim-row-4">[\s\S]*?<span class="status fail">fail<\/span>/);
  });

  it("justifies every tolerance in the text", () => {
    for (const id of ["1", "2", "3", "4", "5", "6", "7"])
      expect(html, `claim ${id}`).toMatch(new RegExp(`<div class="claim" id="claim-${id}">[\\s\\S]*?Tolerance:</span> \\S`));
    // Claim 1's family-wise chance over this sweep's cells is computed, not a fixed sentence.
    expect(html).toMatch(/Over the 16 cells of this sweep/);
  });

  it("is self-contained: no script, no external resource", () => {
    expect(html).not.toMatch(/<script/i);
    const urls = [...html.matchAll(/(?:href|src)="([^"]+)"/g)].map((m) => m[1]!);
    for (const url of urls) expect(url, url).toMatch(/^(#|data:|\.\.\/\.\.\/\.\.\/cells\/[0-9a-f]+\/result\.json$)/);
    expect(html).toContain("<svg");
  });

  it("every in-page link has its target, and ids are unique across the inlined plots", () => {
    const all = [...html.matchAll(/\sid="([^"]+)"/g)].map((m) => m[1]);
    const ids = new Set(all);
    expect(all.length).toBe(ids.size);
    for (const [, target] of html.matchAll(/url\(#([^)]+)\)/g)) expect(ids.has(target), target).toBe(true);
    for (const [, target] of html.matchAll(/href="#([^"]+)"/g)) expect(ids.has(target), target).toBe(true);
  });

  it("links cells to result files that exist at that relative path in the store", () => {
    const href = html.match(/href="(\.\.\/[^"]+result\.json)"/)![1]!;
    const resolved = new URL(href, `file:///${reportKey("report.html")}`).pathname.slice(1);
    expect(resolved).toMatch(/^cells\/[0-9a-f]+\/result\.json$/);
    expect(summary.rows.some((r) => keys.result(r.hash) === resolved)).toBe(true);
  });

  it("prints a skipped claim's reason", () => {
    expect(html).toMatch(/<tr id="claim-row-6">[\s\S]*?no deep-network cells in this sweep[\s\S]*?<\/tr>/);
  });

  it("links a claim to the cells behind it when the summary lists their hashes", async () => {
    const behind = summary.rows.slice(0, 10).map((r) => r.hash);
    const withHashes = { ...summary, claims: summary.claims.map((c) => (c.id === "3" ? { ...c, hashes: behind } : c)) };
    const other = new MemoryStore();
    const model = (await writeReport(other, fixtureSweepId, withHashes, stream(results), { limits: { claimLinks: 4 } })).model;
    const claim3 = model.claims.find((c) => c.claim.id === "3")!;
    expect(claim3.links.map((l) => l.href)).toEqual(behind.slice(0, 4).map((h) => `#cell-${h}`));
    expect(claim3.moreCells).toBe(6);
    const page = other.text(reportKey("report.html"))!;
    for (const hash of behind.slice(0, 4)) expect(page).toContain(`<tr id="cell-${hash}">`);
  });

  it("lists the failed cell with its error", () => {
    expect(html).toContain("RuntimeError: unreachable (wasm trap in maskedTrain)");
    expect(markdown).toContain("RuntimeError: unreachable");
  });

  it("writes Markdown with the same claims and the plots as files", () => {
    expect(markdown.indexOf("## Claims")).toBeLessThan(markdown.indexOf("## Plots"));
    for (const plot of written.model.plots) {
      expect(markdown).toContain(`](plots/${plot.id}.svg)`);
      expect(store.text(reportKey(`plots/${plot.id}.svg`))).toBe(plot.svg);
    }
  });

  it("is deterministic: the same inputs give the same bytes", async () => {
    const again = new MemoryStore();
    for (const error of errors) await writeCellError(again, error);
    await writeReport(again, fixtureSweepId, summary, stream(results));
    for (const key of written.keys) expect(again.text(key), key).toBe(store.text(key));
  });

  it("refuses a summary of another sweep", async () => {
    await expect(writeReport(new MemoryStore(), "other", summary, stream(results))).rejects.toThrow(/not other/);
  });
});

describe("writeReport with a baseline", async () => {
  const { summary, results } = fixtureSweep();
  const baseline = { ...summary, sweepId: "baseline", claims: summary.claims.map((c) => (c.id === "4" ? { ...c, status: "pass" as const } : c)) };
  const store = new MemoryStore();
  const written = await writeReport(store, fixtureSweepId, summary, stream(results), { baseline, baselineSource: "runs/baseline/report" });

  it("lists the changed claim in a Regressions section and in summary.json", () => {
    expect(written.regressions).toMatchObject([{ kind: "claim-status", claim: "4", direction: "worse" }]);
    const html = store.text(reportKey("report.html"))!;
    expect(html).toMatch(/<section id="regressions">[\s\S]*claim 4 \(Balanced blocks\): pass → fail/);
    const stored = JSON.parse(store.text(reportKey("summary.json"))!);
    expect(stored.regressions).toHaveLength(1);
    expect(stored.baseline).toMatchObject({ sweepId: "baseline", source: "runs/baseline/report" });
  });

  it("drops the comparison when regenerated without a baseline", async () => {
    const stored = JSON.parse(store.text(reportKey("summary.json"))!);
    const again = await writeReport(store, fixtureSweepId, stored, stream(results));
    expect("regressions" in again.summary).toBe(false);
    expect("baseline" in again.summary).toBe(false);
  });
});
