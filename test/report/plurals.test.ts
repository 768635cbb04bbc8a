// Counts are written with the noun in the right number, in the pipeline's claim notes and in
// the report's own sentences ("1 cell exactly at the bound", "1 twin pair", "2 cells").
import { describe, expect, it } from "vitest";
import { evaluateClaims } from "../../shared/claims/list.js";
import type { LinearMetrics } from "../../shared/results/metrics.js";
import { counted } from "../../shared/text.js";
import { writeReport } from "../../shared/report/write.js";
import { keys } from "../../shared/store/layout.js";
import { evidenceOf, fixtureSweep, fixtureSweepId, MemoryStore, stream } from "./fixtures.js";

/** The fixture's results are linear cells. */
const linear = (metrics: unknown) => metrics as LinearMetrics;

/** "1 cells", "1 twin pairs", "1 more cells": a count of one followed by a plural noun. */
const oneWithPlural = /(?<![\d.])1 (?:[a-z-]+ ){0,2}(?:cells|pairs|configurations|claims|changes|values|points|gaps|regressions)\b/;

describe("counts and their nouns", () => {
  it("counted picks the singular for one only", () => {
    expect([0, 1, 2].map((n) => counted(n, "twin pair"))).toEqual(["0 twin pairs", "1 twin pair", "2 twin pairs"]);
    expect(counted(1, "more cell")).toBe("1 more cell");
  });

  it("the claims' notes say 1 cell and 1 twin pair", () => {
    const { results } = fixtureSweep();
    // One representable cell exactly at the bound (blocks = blocksNeeded): claim 3 reports it, not claims it.
    const atBound = results.find(
      (r) => r.metrics.representable === true && (r.cell as { mask: { family: string } }).mask.family === "dropblock",
    )!;
    const edited = results.map((r) => (r === atBound ? { ...r, metrics: { ...r.metrics, blocks: 2, blocksNeeded: 2 } } : r));
    const claims = evaluateClaims(edited.map((r) => evidenceOf(r)));
    const reason = (id: string) => claims.find((c) => c.id === id)!.reason ?? "";
    expect(reason("3")).toContain("not claimed: 1 cell exactly at the bound");
    // The fixture has one contiguous cell paired with its partitioned twin.
    expect(reason("7")).toMatch(/^1 twin pair \(/);
    for (const claim of claims) expect(claim.reason ?? "", `claim ${claim.id}`).not.toMatch(oneWithPlural);
  });

  it("a count carries its verb in the same number (claim 1's cells without Monte Carlo spread)", () => {
    const { results } = fixtureSweep();
    const sampled = results.filter((r) => linear(r.metrics).monteCarlo !== undefined);
    expect(sampled.length).toBeGreaterThanOrEqual(3);
    const reasonWith = (degenerate: number) => {
      // The first `degenerate` cells: no spread, and a mean off the deterministic objective.
      const edited = sampled.map((r, i) => {
        const mc = linear(r.metrics).monteCarlo!;
        return i < degenerate
          ? { ...r, metrics: { ...r.metrics, monteCarlo: { ...mc, standardError: 0, mean: mc.deterministic + 1 } } }
          : r;
      });
      const claims = evaluateClaims(edited.map((r) => evidenceOf(r)));
      return claims.find((c) => c.id === "1")!.reason ?? "";
    };
    expect(reasonWith(1)).toMatch(/^1 cell with zero Monte Carlo spread differs from the deterministic objective/);
    expect(reasonWith(2)).toMatch(/^2 cells with zero Monte Carlo spread differ from the deterministic objective/);
  });

  it("the report writes no '1 cells' anywhere", async () => {
    const { summary, results } = fixtureSweep();
    // One failed cell, one cell only in the baseline, one table row cut: the report's own counts of one.
    const baseline = { ...summary, sweepId: "baseline", rows: [...summary.rows, { ...summary.rows[0]!, hash: "f".repeat(64) }] };
    const store = new MemoryStore();
    await writeReport(store, fixtureSweepId, summary, stream(results), { baseline, limits: { tableRows: summary.rows.length - 1 } });
    const markdown = store.text(keys.report(fixtureSweepId, "report.md"))!;
    const html = store.text(keys.report(fixtureSweepId, "report.html"))!;
    expect(markdown).toContain("1 more cell is listed in summary.json");
    expect(markdown).toContain("0 cells only in this sweep and 1 only in the baseline");
    for (const page of [markdown, html.replace(/<svg[\s\S]*?<\/svg>/g, "")]) expect(page).not.toMatch(oneWithPlural);
  });
});
