// The report on cells whose training did not converge (THEORY.md "Step size and stopping rule"):
// the headline names the inconclusive claims and why, the status has its own pill colour, the
// cells table marks the cells that stopped at their cap, and summary.json's rows carry how
// training ended.
import { describe, expect, it } from "vitest";
import { evaluateClaims } from "../../shared/claims/list.js";
import type { CellResult } from "../../shared/results/result.js";
import { parseSummary, type Summary } from "../../shared/results/summary.js";
import { writeReport } from "../../shared/report/write.js";
import { keys } from "../../shared/store/layout.js";
import { evidenceOf, fixtureSweep, fixtureSweepId, MemoryStore, stream } from "./fixtures.js";

/**
 * The fixture sweep with every cell but the contiguous one stopped at its cap: claims 3-5 have
 * no converged cell left, nor has claim 7 (its partitioned twin stopped); claims 1 and 2 hold at
 * any weights and still judge every cell.
 */
function stoppedSweep(): { summary: Summary; results: CellResult[]; stopped: Set<string> } {
  const { summary, results } = fixtureSweep();
  const stopped = new Set<string>();
  const edited = results.map((r): CellResult => {
    const mask = (r.cell as { mask?: { family: string } }).mask;
    if (mask?.family === "contiguous-dropblock") return r;
    stopped.add(r.hash);
    return { ...r, metrics: { ...r.metrics, trainingStatus: "max-epochs" } };
  });
  const rows = summary.rows.map((row) => (stopped.has(row.hash) ? { ...row, trainingStatus: "max-epochs" as const } : row));
  return { summary: { ...summary, rows, claims: evaluateClaims(edited.map((r) => evidenceOf(r))) }, results: edited, stopped };
}

describe("a report with cells that did not converge", async () => {
  const { summary, results, stopped } = stoppedSweep();
  const store = new MemoryStore();
  await writeReport(store, fixtureSweepId, summary, stream(results));
  const html = store.text(keys.report(fixtureSweepId, "report.html"))!;
  const markdown = store.text(keys.report(fixtureSweepId, "report.md"))!;
  const status = (id: string) => summary.claims.find((c) => c.id === id)!.status;

  it("has claims 3-5 and 7 inconclusive, not failed, and says so in the headline with the number of cells", () => {
    expect(["1", "2", "3", "4", "5", "7"].map(status)).toEqual([
      "pass",
      "pass",
      "inconclusive",
      "inconclusive",
      "inconclusive",
      "inconclusive",
    ]);
    const pass = summary.claims.filter((c) => c.status === "pass").length;
    const headline = /<p class="verdict (\w+)" id="verdict">([^<]*)<\/p>/.exec(html)!;
    expect(headline[1]).toBe("warn");
    expect(headline[2]).toContain(
      `${pass} of 7 claims pass · 4 inconclusive (3, 4, 5, 7): training did not converge in ${stopped.size} cells`,
    );
    expect(markdown).toContain(`4 inconclusive (3, 4, 5, 7): training did not converge in ${stopped.size} cells`);
  });

  it("gives inconclusive its own pill colour, distinct from pass, fail and skipped", () => {
    const colour = (name: string) => new RegExp(`--${name}: (#[0-9a-f]{6})`).exec(html)![1];
    const inconclusive = colour("inconclusive");
    expect(new Set([colour("pass"), colour("fail"), colour("skipped"), inconclusive]).size).toBe(4);
    expect(html).toMatch(/\.status\.inconclusive[^{]*\{ background: var\(--inconclusive\); \}/);
    expect(html).toContain('<span class="status inconclusive">inconclusive</span>');
  });

  it("marks exactly the cells that stopped at their cap in the cells table, and summary.json's rows say how training ended", () => {
    const rows = [...html.matchAll(/<tr id="cell-([0-9a-f]{64})"[^>]*>([\s\S]*?)<\/tr>/g)];
    expect(rows.length).toBeGreaterThan(stopped.size);
    for (const [, hash, body] of rows) expect(body!.includes('class="status max-epochs"'), hash).toBe(stopped.has(hash!));
    expect(markdown.match(/\(max-epochs: not converged\)/g)).toHaveLength(stopped.size);
    const written = parseSummary(store.text(keys.report(fixtureSweepId, "summary.json"))!, "summary.json");
    for (const row of written.rows)
      if (row.status !== "failed") expect(row.trainingStatus).toBe(stopped.has(row.hash) ? "max-epochs" : "converged");
  });

  it("says 'training did not converge' even when every claim could judge other cells", async () => {
    const { summary: base, results: baseResults } = fixtureSweep();
    const one = base.rows.find((r) => r.status === "computed")!.hash;
    const rows = base.rows.map((row) => (row.hash === one ? { ...row, trainingStatus: "max-epochs" as const } : row));
    const other = new MemoryStore();
    await writeReport(other, fixtureSweepId, { ...base, rows }, stream(baseResults));
    const text = other.text(keys.report(fixtureSweepId, "report.html"))!;
    expect(/id="verdict">([^<]*)</.exec(text)![1]).toMatch(/ · training did not converge in 1 cell( ·|$)/);
    expect(text).not.toMatch(/id="verdict">[^<]*inconclusive/);
  });

  it("says how many of those cells only claims 1-2 judge (a spec may cap them on purpose)", async () => {
    const { summary: base, results: baseResults } = fixtureSweep();
    const trained = new Set(base.claims.filter((c) => ["3", "4", "5", "6", "7"].includes(c.id)).flatMap((c) => c.hashes ?? []));
    const computed = base.rows.filter((r) => r.status === "computed");
    // One cell claims 3-7 judge and one they do not (below the representability bound).
    const capped = new Set([computed.find((r) => trained.has(r.hash))!.hash, computed.find((r) => !trained.has(r.hash))!.hash]);
    const results = baseResults.map((r): CellResult =>
      capped.has(r.hash) ? { ...r, metrics: { ...r.metrics, trainingStatus: "max-epochs" } } : r,
    );
    const rows = base.rows.map((row) => (capped.has(row.hash) ? { ...row, trainingStatus: "max-epochs" as const } : row));
    const other = new MemoryStore();
    const edited = { ...base, rows, claims: evaluateClaims(results.map((r) => evidenceOf(r))) };
    await writeReport(other, fixtureSweepId, edited, stream(results));
    const text = other.text(keys.report(fixtureSweepId, "report.html"))!;
    expect(/id="verdict">([^<]*)</.exec(text)![1]).toContain(
      "training did not converge in 2 cells (1 of them judged only by claims 1-2, which hold at any weights)",
    );
    // Only such cells: the parenthesis says all.
    const onlyAside = base.rows.map((row) => (row.hash === [...capped][1] ? { ...row, trainingStatus: "max-epochs" as const } : row));
    const third = new MemoryStore();
    await writeReport(third, fixtureSweepId, { ...base, rows: onlyAside }, stream(baseResults));
    expect(/id="verdict">([^<]*)</.exec(third.text(keys.report(fixtureSweepId, "report.html"))!)![1]).toContain(
      "training did not converge in 1 cell (judged only by claims 1-2, which hold at any weights)",
    );
    expect(base.claims.find((c) => c.id === "1")!.hashes).toContain([...capped][1]);
    // The same cell diverged: a divergence is never excused as a cap set on purpose.
    const diverged = base.rows.map((row) => (row.hash === [...capped][1] ? { ...row, trainingStatus: "diverged" as const } : row));
    const fourth = new MemoryStore();
    await writeReport(fourth, fixtureSweepId, { ...base, rows: diverged }, stream(baseResults));
    const line = /id="verdict">([^<]*)</.exec(fourth.text(keys.report(fixtureSweepId, "report.html"))!)![1]!;
    expect(line).toContain("training did not converge in 1 cell");
    expect(line).not.toContain("judged only by claims 1-2");
  });
});
