// writeReport end to end on the synthetic sweep, against an in-memory store: which files,
// what summary.json keeps and adds, that the HTML is self-contained and its links resolve.
import { describe, expect, it } from "vitest";
import { keys } from "../../shared/store/layout.js";
import { logSpacedEpochs } from "../../shared/experiments/experiment.js";
import { claimById, tolerances } from "../../shared/claims/list.js";
import { escapeHtml } from "../../shared/report/format.js";
import { parseSummary } from "../../shared/results/summary.js";
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
    expect(written.keys).toEqual(
      expect.arrayContaining([reportKey("report.html"), reportKey("report.md"), reportKey("plots/spectra.svg")]),
    );
    for (const key of written.keys) expect(store.objects.has(key), key).toBe(true);
  });

  it("draws every plot the fixture has data for, each with data marks", () => {
    expect(written.model.plots.map((p) => p.id)).toEqual([
      "monte-carlo",
      "regularisers",
      "spectra",
      "training-curves",
      "objective-gap",
      "balance",
      "schemes",
    ]);
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

  it("heads the report with the verdict, naming the claims that did not pass", () => {
    const failing = summary.claims.filter((c) => c.status === "fail").map((c) => c.id);
    const skipped = summary.claims.filter((c) => c.status === "skipped").map((c) => c.id);
    expect(failing).toContain("4");
    const expected = [
      `${summary.claims.filter((c) => c.status === "pass").length} of ${summary.claims.length} claims pass`,
      `${failing.length} fail (${failing.join(", ")})`,
      ...(skipped.length ? [`${skipped.length} skipped (${skipped.join(", ")})`] : []),
    ].join(" · ");
    expect(html).toMatch(new RegExp(`<p class="verdict [a-z]+" id="verdict">${expected.replace(/[()]/g, "\\$&")}`));
    expect(markdown).toContain(`**${expected}`);
  });

  const claimSection = (page: string, id: string) => page.match(new RegExp(`<div class="claim" id="claim-${id}">[\\s\\S]*?</div>`))![0];

  it("justifies every tolerance with the pipeline's text from the summary, and no other", () => {
    for (const claim of summary.claims) {
      expect(claim.justification).toBe(claimById(claim.id).justification(claim));
      expect(claimSection(html, claim.id), `claim ${claim.id}`).toContain(`Tolerance:</span> ${escapeHtml(claim.justification!)}</p>`);
      expect(markdown).toContain(`**Tolerance:** ${claim.justification}`);
    }
    // The report's own tolerance paragraphs are gone (claim 4's tolerance is measured, not
    // derived from claim 3's gap; claim 1's is a threshold that depends on the cell count).
    expect(html).not.toMatch(/follows from claim 3's gap tolerance|fails by chance in/);
  });

  it("prints a claim's justification as the summary has it", async () => {
    const sentinel = "Measured: the worst of 131 calibration cells plus half its excess <sentinel>.";
    const edited = { ...summary, claims: summary.claims.map((c) => (c.id === "4" ? { ...c, justification: sentinel } : c)) };
    const other = new MemoryStore();
    await writeReport(other, fixtureSweepId, edited, stream(results));
    const page = other.text(reportKey("report.html"))!;
    expect(claimSection(page, "4")).toContain(escapeHtml(sentinel));
    const claim4 = summary.claims.find((c) => c.id === "4")!;
    expect(claimSection(page, "4")).not.toContain(escapeHtml(claimById("4").justification(claim4)));
    // A summary without the text is not read (it was written before claims carried it).
    const old = { ...summary, claims: summary.claims.map(({ justification: _, ...c }) => c) };
    expect(() => parseSummary(JSON.stringify(old), "summary.json")).toThrow(/claims\[3\]\.justification: missing \(expected a string\)/);
  });

  it("lists every check of a claim, reported ones as reported, not gated", () => {
    const checksOf = (id: string) => [...claimSection(html, id).matchAll(/<tr><td>([^<]*)<\/td>[\s\S]*?<\/tr>/g)].map((m) => m[0]);
    for (const claim of summary.claims) expect(checksOf(claim.id), `claim ${claim.id}`).toHaveLength(claim.checks?.length ?? 0);
    expect(checksOf("1").map((row) => row.match(/<td>([^<]*)<\/td>/)![1])).toEqual(["max |z| (Bonferroni)", "Σz² / n (chi-square)"]);
    const reported = summary.claims.find((c) => c.id === "7")!.checks!.filter((c) => c.reported);
    expect(reported.length).toBeGreaterThan(0);
    const rows7 = checksOf("7");
    expect(rows7.filter((row) => row.includes("reported, not gated"))).toHaveLength(reported.length);
    expect(rows7.filter((row) => row.includes('class="status'))).toHaveLength(
      summary.claims.find((c) => c.id === "7")!.checks!.length - reported.length,
    );
    expect(checksOf("4")[0]).toMatch(/<td class="num">1\.45<\/td><td class="num">≤ 1\.25<\/td>[\s\S]*status fail/);
    expect(markdown).toMatch(
      /\| max relative difference of learned spectra \| [\d.e-]+ \| ≤ 0\.05 \| 1 \| reported, not gated \(within tolerance\) \|/,
    );
  });

  it("names in the claims table a failed check that is not the headline", async () => {
    const edited = {
      ...summary,
      claims: summary.claims.map((c) =>
        c.id === "3"
          ? { ...c, status: "fail" as const, checks: c.checks!.map((k, i) => (i === 1 ? { ...k, measured: 0.2, pass: false } : k)) }
          : c,
      ),
    };
    const other = new MemoryStore();
    await writeReport(other, fixtureSweepId, edited, stream(results));
    const row = other.text(reportKey("report.html"))!.match(/<tr id="claim-row-3">[\s\S]*?<\/tr>/)![0];
    expect(row).toContain("fails: max spectrum error = 0.2, needs ≤ 0.05");
    expect(other.text(reportKey("report.md"))).toMatch(/\| 3 \|.*\*\*fails:\*\* max spectrum error = 0\.2, needs ≤ 0\.05/);
    expect(html.match(/<tr id="claim-row-3">[\s\S]*?<\/tr>/)![0]).not.toContain("fails:");
  });

  it("links each claim's evidence to the pipeline's cells, the worst first", () => {
    const claim4 = written.model.claims.find((c) => c.claim.id === "4")!;
    const unbalanced = summary.rows.find((r) => r.balanceRatio === tolerances.balanceRatio + 0.2)!.hash;
    const row = summary.rows.find((r) => r.hash === unbalanced)!;
    expect(claim4.links[0]).toMatchObject({ hash: unbalanced, href: `#cell-${unbalanced}` });
    // Each link names its cell as a reader does (configuration and seed), in its tooltip.
    expect(claim4.links[0]!.label).toMatch(new RegExp(`θ=${row.parameters["mask.keepProbability"]}\\b.* · seed ${row.parameters.seed}$`));
    expect(html).toContain(`title="${escapeHtml(claim4.links[0]!.label)} · cell ${unbalanced}">${unbalanced.slice(0, 8)}</a>`);
    for (const view of written.model.claims) {
      const hashes = view.claim.hashes ?? [];
      expect(
        view.links.map((l) => l.hash),
        `claim ${view.claim.id}`,
      ).toEqual(hashes.slice(0, 8));
      expect(view.moreCells).toBe(Math.max(0, hashes.length - 8));
    }
    expect(html).toMatch(/<tr id="claim-row-1">[\s\S]*?\+8 more in summary\.json[\s\S]*?<\/tr>/);
  });

  it("draws block-norm balance over the epochs the results recorded", () => {
    const balance = written.model.plots.find((p) => p.id === "balance")!;
    expect(balance.title).toBe("Block-norm balance over epochs");
    const values = (balance.spec as { data: { values: { epoch?: number; configuration: string }[] } }).data.values;
    const drawnEpochs = [...new Set(values.flatMap((v) => (v.epoch === undefined ? [] : [v.epoch])))].sort((a, b) => a - b);
    expect(drawnEpochs).toEqual(logSpacedEpochs(40));
    expect(balance.notes.join(" ")).toMatch(/log-spaced epochs/);
    // One line per block and facet (the per-epoch drawing, not the final-only one).
    expect(balance.svg).toMatch(/mark-line/);
  });

  it("is self-contained: one inline script (the cells table's), no external resource", () => {
    const scripts = [...html.matchAll(/<script([^>]*)>/gi)];
    expect(scripts).toHaveLength(1);
    expect(scripts[0]![1]).toBe("");
    // The script reaches nothing outside the page.
    const script = html.slice(html.indexOf("<script>"), html.indexOf("</script>"));
    expect(script).not.toMatch(/fetch|XMLHttpRequest|import\(|https?:|\.src\s*=|WebSocket/);
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

  it("prints a skipped claim's reason, and no measurement of this sweep for it", () => {
    expect(html).toMatch(/<tr id="claim-row-6">[\s\S]*?no deep-network cells in this sweep[\s\S]*?<\/tr>/);
    expect(claimSection(html, "6")).toContain("Measured:</span>");
    expect(claimSection(html, "6")).not.toContain("This sweep:");
    expect(markdown.slice(markdown.indexOf('<a id="claim-6">'))).toMatch(/^\*\*Measured:\*\* [^\n]*[^:]\n/m);
    expect(markdown.slice(markdown.indexOf('<a id="claim-6">'), markdown.indexOf('<a id="claim-7">'))).not.toContain("This sweep:");
    // A claim with a measurement says it.
    expect(claimSection(html, "4")).toContain("This sweep: 1.45.");
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
    for (const hash of behind.slice(0, 4)) expect(page).toContain(`<tr id="cell-${hash}" data-status=`);
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
  const baseline = {
    ...summary,
    sweepId: "baseline",
    claims: summary.claims.map((c) => (c.id === "4" ? { ...c, status: "pass" as const } : c)),
  };
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
