// A result that went corrupt after Aggregate wrote summary.json (one byte flipped): the report
// calls it corrupt (as docs/GUARANTEES.md does), its row shows status corrupt without metrics,
// the header counts it failed, every claim that read it says so, and a warning goes to the
// progress callback (which `dropsweep report` prints on stderr).
import { describe, expect, it } from "vitest";
import { aggregate } from "../../shared/pipeline/aggregate.js";
import { keys } from "../../shared/store/layout.js";
import type { Summary } from "../../shared/results/summary.js";
import { loadResults, loadSummary } from "../../shared/report/load.js";
import { writeReport } from "../../shared/report/write.js";
import { writeResult } from "../../shared/results/result.js";
import { fixtureResolved, fixtureSweep, fixtureSweepId, MemoryStore } from "./fixtures.js";

describe("a result corrupt since Aggregate", async () => {
  const { summary, results } = fixtureSweep();
  const store = new MemoryStore();
  for (const result of results) await writeResult(store, result);
  // The first DropBlock cell: claims 1, 3, 4 and 5 read it.
  const victim = summary.rows.find((r) => r.status === "cached")!;
  const key = keys.result(victim.hash);
  const bytes = (await store.get(key))!.slice();
  const at = new TextDecoder().decode(bytes).indexOf('"objectiveGap":') + '"objectiveGap":'.length;
  bytes[at] = bytes[at] === 0x31 ? 0x32 : 0x31;
  await store.put(key, bytes);
  const messages: string[] = [];
  const unreadable = new Map<string, string>();
  const written = await writeReport(store, fixtureSweepId, summary, loadResults(store, summary, unreadable), {
    unreadable,
    onProgress: (m) => messages.push(m),
  });
  const markdown = store.text(keys.report(fixtureSweepId, "report.md"))!;
  const html = store.text(keys.report(fixtureSweepId, "report.html"))!;
  const claimsReading = summary.claims.filter((c) => (c.hashes ?? []).includes(victim.hash)).map((c) => c.id);

  it("the fixture's claims 1, 3, 4 and 5 read that cell", () => {
    expect(claimsReading).toEqual(["1", "3", "4", "5"]);
  });

  it("calls it corrupt, never missing", () => {
    const line = markdown.split("\n").find((l) => l.includes(`\`${victim.hash.slice(0, 12)}\``) && l.startsWith("- "))!;
    expect(line).toMatch(/^- \*\*corrupt\*\* .*result is corrupt: SHA-256 does not match the contents/);
    expect(markdown).not.toMatch(/\*\*missing\*\*/);
    expect(html).toMatch(
      /<span class="status corrupt">corrupt<\/span> <a class="hash"[^>]*>[0-9a-f]{12}<\/a>[^<]*: <code>result is corrupt: SHA-256 does not match/,
    );
    expect(html).not.toContain('<span class="status missing">');
  });

  it("shows its row as corrupt, without metrics", () => {
    const row = written.model.rows.find((r) => r.row.hash === victim.hash)!;
    expect(row.row).toMatchObject({
      status: "corrupt",
      objectiveGap: null,
      spectrumError: null,
      balanceRatio: null,
      learnedRank: null,
      closedFormRank: null,
    });
    const tableRow = html.match(new RegExp(`<tr id="cell-${victim.hash}"[^>]*>[\\s\\S]*?</tr>`))![0];
    expect(tableRow).toContain('<span class="status corrupt">corrupt</span>');
    expect(tableRow).not.toMatch(/status (cached|computed)/);
    expect([...tableRow.matchAll(/<td class="num[^"]*"[^>]*>([^<]*)<\/td>/g)].slice(1).map((m) => m[1])).toEqual(["—", "—", "—", "— / —"]);
    expect(written.model.cells).toEqual({ ...summary.cells, cached: summary.cells.cached - 1, failed: summary.cells.failed + 1 });
  });

  it("marks each claim that read it as evaluated when it was valid", () => {
    for (const view of written.model.claims)
      expect(view.corruptCells, `claim ${view.claim.id}`).toBe(claimsReading.includes(view.claim.id) ? 1 : 0);
    for (const id of claimsReading) {
      expect(html.match(new RegExp(`<tr id="claim-row-${id}">[\\s\\S]*?</tr>`))![0]).toMatch(
        /Evaluated when its cells(?:'|&#39;) results were valid: 1 of its \d+ cells is corrupt now\./,
      );
      expect(markdown.split("\n").find((l) => l.startsWith(`| ${id} |`))).toContain("1 of its");
    }
    expect(html).toMatch(
      /<p class="verdict warn" id="corrupt-results">1 cell result is corrupt now[\s\S]*?as Aggregate evaluated them, when every result was still valid/,
    );
    expect(markdown).toContain("**1 cell result is corrupt now");
  });

  it("warns through the progress callback, and records it in summary.json", () => {
    const warnings = messages.filter((m) => m.startsWith("report: warning:"));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain(`cell ${victim.hash.slice(0, 12)} is corrupt (SHA-256 does not match the contents)`);
    const stored = JSON.parse(store.text(keys.report(fixtureSweepId, "summary.json"))!);
    expect(stored.report.corruptResults).toEqual([{ hash: victim.hash, reason: "SHA-256 does not match the contents" }]);
    // The pipeline's rows stay as Aggregate wrote them.
    expect(stored.rows).toEqual(JSON.parse(JSON.stringify(summary.rows)));
  });

  it("still calls a result that is absent missing", async () => {
    const other = new MemoryStore();
    for (const result of results) if (result.hash !== victim.hash) await writeResult(other, result);
    const model = (await writeReport(other, fixtureSweepId, summary, loadResults(other, summary))).model;
    expect(model.missingResults.map((m) => m.hash)).toEqual([victim.hash]);
    expect(model.corruptResults).toEqual([]);
    expect(other.text(keys.report(fixtureSweepId, "report.md"))).toMatch(/- \*\*missing\*\* `[0-9a-f]{12}`: result missing from the store/);
  });
});

describe("a diverged result corrupt since Aggregate", async () => {
  // Four cells, two of them diverged: one computed in this run (in the manifest), one cached.
  const { results: all } = fixtureSweep();
  const results = all.slice(0, 4).map((r, i) => (i < 2 ? { ...r, status: "diverged" as const } : r));
  const [divergedComputed, divergedCached] = results;
  const store = new MemoryStore();
  const cellList = results.map((r, i) => ({ hash: r.hash, section: 0, parameters: { seed: i } }));
  const lines = (hashes: string[]) => hashes.map((hash) => JSON.stringify({ hash })).join("\n") + "\n";
  await store.put(keys.resolved(fixtureSweepId), fixtureResolved(cellList));
  await store.put(keys.cells(fixtureSweepId), lines(results.map((r) => r.hash)));
  await store.put(keys.manifest(fixtureSweepId), lines([divergedComputed!.hash, results[2]!.hash]));
  for (const result of results) await writeResult(store, result);
  const aggregated = await aggregate(store, { sweepId: fixtureSweepId });
  const summary = JSON.parse(store.text(aggregated.summaryKey)!) as Summary;
  // Flip a byte of the computed diverged cell's result after Aggregate read it.
  const key = keys.result(divergedComputed!.hash);
  const bytes = (await store.get(key))!.slice();
  bytes[bytes.length - 3] = bytes[bytes.length - 3]! ^ 1;
  await store.put(key, bytes);

  /** The header's "N cells: a computed, b cached, c failed" as numbers. */
  const header = async (input: Summary) => {
    const unreadable = new Map<string, string>();
    const other = new MemoryStore();
    for (const k of [keys.resolved(fixtureSweepId), ...results.map((r) => keys.result(r.hash))]) await other.put(k, (await store.get(k))!);
    await writeReport(other, fixtureSweepId, input, loadResults(other, input, unreadable), { unreadable });
    const m = other.text(keys.report(fixtureSweepId, "report.md"))!.match(/· (\d+) cells?: (\d+) computed, (\d+) cached, (\d+) failed/)!;
    const [total, computed, cached, failed] = m.slice(1).map(Number) as [number, number, number, number];
    return { total, computed, cached, failed, unreadable };
  };

  it("Aggregate counted the diverged cells as computed and cached", () => {
    expect(summary.cells).toEqual({ total: 4, computed: 2, cached: 2, failed: 0 });
    expect(summary.rows.find((r) => r.hash === divergedComputed!.hash)).toMatchObject({ status: "diverged", countedAs: "computed" });
    expect(summary.rows.find((r) => r.hash === divergedCached!.hash)).toMatchObject({ status: "diverged", countedAs: "cached" });
  });

  it("takes it off computed, where Aggregate counted it, so the counts add up to the total", async () => {
    const counts = await header(summary);
    expect([...counts.unreadable.keys()]).toEqual([divergedComputed!.hash]);
    expect(counts.computed + counts.cached + counts.failed).toBe(counts.total);
    expect(counts).toMatchObject({ total: 4, computed: 1, cached: 2, failed: 1 });
  });

  it("adds up for a summary written before diverged rows said where they were counted: `dropsweep report` regenerates it first", async () => {
    const { format: _format, ...old } = { ...summary, rows: summary.rows.map(({ countedAs: _, ...row }) => row) };
    const other = new MemoryStore();
    for (const k of [
      keys.resolved(fixtureSweepId),
      keys.cells(fixtureSweepId),
      keys.manifest(fixtureSweepId),
      ...results.map((r) => keys.result(r.hash)),
    ])
      await other.put(k, (await store.get(k))!);
    await other.put(keys.report(fixtureSweepId, "summary.json"), JSON.stringify(old));
    const notes: string[] = [];
    const regenerated = await loadSummary(other, fixtureSweepId, (note) => notes.push(note));
    expect(notes).toEqual([
      `${keys.report(fixtureSweepId, "summary.json")} was written by another dropsweep (no format field); regenerated it from the stored results (claims evaluated again, no cell recomputed)`,
    ]);
    // Nothing written by reading it: the report writes the regenerated summary with itself.
    expect(JSON.parse(other.text(keys.report(fixtureSweepId, "summary.json"))!)).toEqual(old);
    expect(regenerated.rows.find((r) => r.hash === divergedCached!.hash)).toMatchObject({ status: "diverged", countedAs: "cached" });
    const counts = await header(regenerated);
    expect(counts.computed + counts.cached + counts.failed).toBe(counts.total);
    expect(counts.failed).toBe(1);
  });
});
