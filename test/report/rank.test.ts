// The cells table's rank column agrees with claim 5: it shows rank(A*) at the threshold the
// claim counts at (the exact rank beside it where they differ) and marks exactly the cells the
// claim counts as mismatches. The walkthrough's case: rank(A*) = 6 with its sixth singular
// value below the threshold, three cells that learned rank 5, one that kept a sixth direction.
import { describe, expect, it } from "vitest";
import { aggregate } from "../../shared/pipeline/aggregate.js";
import { keys } from "../../shared/store/layout.js";
import { reportForAggregate } from "../../shared/report/aggregate.js";
import { writeReport } from "../../shared/report/write.js";
import { loadResults, loadSummary } from "../../shared/report/load.js";
import type { LinearMetrics } from "../../shared/results/metrics.js";
import { writeResult, type CellResult } from "../../shared/results/result.js";
import { checkSummary, type Summary } from "../../shared/results/summary.js";
import { fixtureResolved, fixtureSweep, fixtureSweepId, MemoryStore, stream } from "./fixtures.js";

/** Naive count of the values above a fraction of sigma_1 (independent of shared/experiments/rank.ts). */
function countAbove(values: readonly number[], level: number): number {
  let n = 0;
  for (const v of values) if (v > level) n += 1;
  return n;
}

const target = [9, 6.3, 4.4, 3.1, 2.2, 1.5, 1.1, 0.75, 0.5, 0.35];
// Sixth value 0.05 = 0.56% of sigma_1: far below 2% (outside the 1% resolution band either way).
const belowThreshold = [5, 4, 3, 2, 1, 0.05, 0, 0, 0, 0];
// Sixth value 0.2 = 2.2% of sigma_1: above 2% but within the resolution band, so claim 5 accepts 5 or 6.
const nearThreshold = [5, 4, 3, 2, 1, 0.2, 0, 0, 0, 0];
const learnedFive = [5, 4, 3, 2, 1, 0.04, 1e-9, 1e-9, 1e-9, 1e-9];
const learnedSix = [5, 4, 3, 2, 1, 0.5, 1e-9, 1e-9, 1e-9, 1e-9];

function withSpectra(template: CellResult, index: number, closedForm: number[], learned: number[]): CellResult {
  const hash = (index + 0xa0).toString(16).padStart(8, "0").repeat(8);
  const level = 0.02 * target[0]!;
  return {
    ...template,
    hash,
    cell: { ...template.cell, seed: 100 + index },
    spectra: { target, closedForm, learned },
    metrics: {
      ...template.metrics,
      representable: true,
      learnedRank: countAbove(learned, level),
      closedFormRank: countAbove(closedForm, 0),
      closedFormRankAtThreshold: countAbove(closedForm, level),
    },
  };
}

async function sweepStore(results: CellResult[]): Promise<MemoryStore> {
  const store = new MemoryStore();
  const cells = results.map((r, i) => ({ hash: r.hash, section: 0, parameters: { seed: 100 + i } }));
  await store.put(keys.resolved(fixtureSweepId), fixtureResolved(cells));
  await store.put(keys.cells(fixtureSweepId), cells.map((c) => JSON.stringify({ hash: c.hash })).join("\n") + "\n");
  await store.put(keys.manifest(fixtureSweepId), cells.map((c) => JSON.stringify({ hash: c.hash })).join("\n") + "\n");
  for (const result of results) await writeResult(store, result);
  return store;
}

const rowLine = (markdown: string, hash: string) => markdown.split("\n").find((l) => l.startsWith(`| <a id="${hash.slice(0, 12)}">`))!;
/** The rank column of a Markdown row (the 7th). */
const rankCell = (markdown: string, hash: string) => rowLine(markdown, hash).split(" | ")[6]!;

describe("rank column", async () => {
  const template = fixtureSweep().results.find((r) => (r.cell as { mask: { family: string } }).mask.family === "dropblock")!;
  const converged = [0, 1, 2].map((i) => withSpectra(template, i, belowThreshold, learnedFive));
  const unconverged = withSpectra(template, 3, belowThreshold, learnedSix);
  const nearBand = withSpectra(template, 4, nearThreshold, learnedFive);
  const results = [...converged, unconverged, nearBand];
  const store = await sweepStore(results);
  const aggregated = await aggregate(store, { sweepId: fixtureSweepId }, { report: reportForAggregate });
  const summary = JSON.parse(store.text(aggregated.summaryKey)!) as Summary;
  const markdown = store.text(keys.report(fixtureSweepId, "report.md"))!;
  const html = store.text(keys.report(fixtureSweepId, "report.html"))!;
  const claim5 = summary.claims.find((c) => c.id === "5")!;

  it("claim 5 counts the one cell that kept a sixth direction", () => {
    expect(claim5.measured).toBe(1);
  });

  it("Aggregate's rows carry rank(A*) at the threshold beside the exact one", () => {
    for (const row of summary.rows) {
      const result = results.find((r) => r.hash === row.hash)!;
      expect(row.closedFormRankAtThreshold).toBe((result.metrics as LinearMetrics).closedFormRankAtThreshold);
      expect(row.closedFormRank).toBe(6);
    }
  });

  it("shows the learned rank against rank(A*) at the threshold, the exact one in parentheses", () => {
    for (const cell of converged) expect(rankCell(markdown, cell.hash)).toBe("5 / 5 (6)");
    expect(rankCell(markdown, unconverged.hash)).toBe("6 / 5 (6) ✗");
    // Claim 5 accepts 5 for a value inside the resolution band; the row says so (≈), not ✗.
    expect(rankCell(markdown, nearBand.hash)).toBe("5 / 6 ≈");
    expect(markdown).toContain("Rank learned / A*: both counted above claim 5's threshold (2% of σ₁(Y))");
  });

  it("marks exactly as many rows as claim 5 counts, and the same cells", () => {
    const marked = summary.rows.filter((r) => rankCell(markdown, r.hash).endsWith("✗")).map((r) => r.hash);
    expect(marked).toHaveLength(claim5.measured as number);
    expect(marked).toEqual([unconverged.hash]);
    const htmlMarked = [...html.matchAll(/<tr id="cell-([0-9a-f]+)"[^>]*>[\s\S]*?<\/tr>/g)]
      .filter((m) => m[0].includes('class="num mismatch"'))
      .map((m) => m[1]);
    expect(htmlMarked).toEqual([unconverged.hash]);
    expect(html).toMatch(
      /title="exact rank\(A\*\) = 6; 5 of its singular values lie above 2% of σ₁\(Y\); claim 5 counts this cell as a mismatch"/,
    );
  });

  it("claim 5 records its verdicts: the one mismatch, the one cell it accepts either way", () => {
    expect(claim5.mismatched).toEqual([unconverged.hash]);
    expect(claim5.unresolved).toEqual([nearBand.hash]);
  });

  it("marks the cells claim 5 records, whatever the order of its hashes", async () => {
    const marks = (page: string, mark: string) => summary.rows.filter((r) => rankCell(page, r.hash).endsWith(mark)).map((r) => r.hash);
    // Matches first and the mismatch last: the first `measured` hashes are no longer the mismatches.
    const order = [...converged, nearBand, unconverged].map((r) => r.hash);
    expect(claim5.hashes).not.toEqual(order);
    const shuffled = { ...summary, claims: summary.claims.map((c) => (c.id === "5" ? { ...c, hashes: order } : c)) };
    const other = new MemoryStore();
    await writeReport(other, fixtureSweepId, shuffled, stream(results));
    const page = other.text(keys.report(fixtureSweepId, "report.md"))!;
    expect(marks(page, "✗")).toEqual(claim5.mismatched);
    expect(marks(page, "≈")).toEqual(claim5.unresolved);
    // The marks follow the recorded lists, not the ranks shown: swap them and the marks move.
    const swapped = {
      ...summary,
      claims: summary.claims.map((c) => (c.id === "5" ? { ...c, hashes: order, mismatched: [converged[0]!.hash], unresolved: [] } : c)),
    };
    const third = new MemoryStore();
    await writeReport(third, fixtureSweepId, swapped, stream(results));
    const swappedPage = third.text(keys.report(fixtureSweepId, "report.md"))!;
    expect(marks(swappedPage, "✗")).toEqual([converged[0]!.hash]);
    expect(marks(swappedPage, "≈")).toEqual([]);
  });

  it("the summary reader names a verdict list that is not a list of hashes", () => {
    const bad = { ...summary, claims: summary.claims.map((c) => (c.id === "5" ? { ...c, mismatched: [3] } : c)) };
    expect(() => checkSummary(bad, "summary.json")).toThrow(/claims\[4\]\.mismatched\[0\]: expected a string, got 3/);
  });

  /** The report `dropsweep report` writes from `stored` (loadSummary regenerates an older summary first). */
  async function reportFrom(stored: unknown): Promise<{ page: string; notes: string[] }> {
    const other = await sweepStore(results);
    await other.put(keys.report(fixtureSweepId, "summary.json"), JSON.stringify(stored));
    const notes: string[] = [];
    const loaded = await loadSummary(other, fixtureSweepId, (note) => notes.push(note));
    await writeReport(other, fixtureSweepId, loaded, loadResults(other, loaded));
    return { page: other.text(keys.report(fixtureSweepId, "report.md"))!, notes };
  }

  it("regenerates a summary written before claim 5 recorded its verdicts, and marks the cells it records", async () => {
    const { format: _, ...old } = { ...summary, claims: summary.claims.map(({ mismatched: _m, unresolved: _u, ...c }) => c) };
    const { page, notes } = await reportFrom(old);
    expect(notes).toHaveLength(1);
    for (const cell of converged) expect(rankCell(page, cell.hash)).toBe("5 / 5 (6)");
    expect(rankCell(page, unconverged.hash)).toBe("6 / 5 (6) ✗");
    expect(rankCell(page, nearBand.hash)).toBe("5 / 6 ≈");
  });

  it("regenerates a summary written before rows carried the rank at the threshold, and shows both ranks", async () => {
    const { format: _, ...old } = { ...summary, rows: summary.rows.map(({ closedFormRankAtThreshold: _t, ...row }) => row) };
    const { page, notes } = await reportFrom(old);
    expect(notes).toHaveLength(1);
    // The rows now carry rank(A*) at the threshold; the marks still come from claim 5.
    for (const cell of converged) expect(rankCell(page, cell.hash)).toBe("5 / 5 (6)");
    expect(rankCell(page, unconverged.hash)).toBe("6 / 5 (6) ✗");
    expect(page).not.toContain("this summary's rows do not carry it at the threshold");
    expect(page).toContain("both counted above claim 5's threshold");
  });
});
