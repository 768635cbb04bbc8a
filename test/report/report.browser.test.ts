// End to end: write a synthetic sweep's report (every plot kind, a table past the fold, cells
// computed, cached and failed, an axis whose labels sort differently as text and as numbers)
// to a directory, open report.html from disk in headless Chromium at 1400 px with the network
// cut off, and check what a reader sees (test/report/measure.ts, the measurements the paper
// sweep's report passes too in test/artifacts/paper.test.ts): every plot drew data marks, no
// text under 9 px, no panel under 200 px, panels on aligned grids in numeric order, no label
// cut; the cells table folded, filtered by status and sorted by any column; the console
// stayed free of errors, no request left the file. Screenshots go to test-artifacts/.
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { claims as claimModules } from "../../shared/claims/list.js";
import { keys } from "../../shared/store/layout.js";
import { writeReport } from "../../shared/report/write.js";
import { writeCellError, writeResult } from "../../shared/results/result.js";
import { FileStore } from "../../shared/store/fs.js";
import { chromiumAvailable, chromiumPath, launchChromium } from "./browser.js";
import { fixtureSweep, fixtureSweepId, stream } from "./fixtures.js";
import { describeMeasure, exerciseCellsTable, measureReport, readabilityProblems, readable, readingWidth } from "./measure.js";

const artifacts = resolve("test-artifacts");

if (!chromiumAvailable())
  console.warn(`report browser test skipped: no Chromium at ${chromiumPath} (apt-get install chromium, or set DROPSWEEP_CHROMIUM)`);

describe.skipIf(!chromiumAvailable())("report.html in headless Chromium at 1400 px", () => {
  let root: string;
  let file: string;
  let browser: Awaited<ReturnType<typeof launchChromium>>;
  let plotCount = 0;
  let rowCount = 0;

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), "dropsweep-report-browser-"));
    const store = new FileStore(root);
    // Nine seeds: 63 rows, past the fold.
    const { summary, results, errors } = fixtureSweep({ seeds: [1, 2, 3, 4, 5, 6, 7, 8, 9], epochsAxis: true });
    for (const result of results) await writeResult(store, result);
    for (const error of errors) await writeCellError(store, error);
    const written = await writeReport(store, fixtureSweepId, summary, stream(results));
    plotCount = written.model.plots.length;
    rowCount = summary.rows.length;
    file = join(root, ...keys.report(fixtureSweepId, "report.html").split("/"));
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    rmSync(root, { recursive: true, force: true });
  });

  /** The report as a reader opens it: 1400 px wide, offline, console watched. */
  async function open(): Promise<{ page: Page; problems: string[]; requests: string[] }> {
    const page = await browser.context.newPage();
    await page.setViewportSize({ width: readingWidth, height: 900 });
    const problems: string[] = [];
    const requests: string[] = [];
    page.on("console", (message) => {
      if (message.type() === "error" || message.type() === "warning") problems.push(`${message.type()}: ${message.text()}`);
    });
    page.on("pageerror", (error) => problems.push(`pageerror: ${error.message}`));
    page.on("request", (request) => requests.push(request.url()));
    // Any attempt to leave the file fails the test below instead of hanging on a network.
    await page.route(/^(?!file:)/, (route) => route.abort());
    await page.goto(pathToFileURL(file).href, { waitUntil: "load" });
    return { page, problems, requests };
  }

  it("renders every plot kind with data marks, no console error, no network", async () => {
    const { page, problems, requests } = await open();
    const figures = await page.$$eval("figure.plot", (nodes) =>
      nodes.map((figure) => {
        // Data marks are the items of vega's role-mark groups that the browser actually laid
        // out with a size (axes, legends and titles carry other roles).
        const marks = Array.from(figure.querySelectorAll("g.role-mark > *")).filter((item) => {
          const r = item.getBoundingClientRect();
          return r.width > 0 || r.height > 0;
        });
        // Every item of those groups, laid out or not: what the report counted in the SVG text.
        const items = figure.querySelectorAll("g.role-mark > *").length;
        return { id: figure.id, marks: marks.length, items, counted: Number(figure.getAttribute("data-marks")) };
      }),
    );
    // Every plot any claim shows, each drawn.
    const kinds = new Set(claimModules.flatMap((claim) => claim.plots.map((p) => `plot-${p.id}`)));
    expect(new Set(figures.map((f) => f.id))).toEqual(kinds);
    expect(figures.length).toBe(plotCount);
    for (const figure of figures) {
      expect(figure.marks, figure.id).toBeGreaterThan(0);
      // The count the report recorded (svg.ts countDataMarks, in summary.json) is the browser's.
      expect(figure.counted, figure.id).toBe(figure.items);
    }
    // The claims table is the first thing after the header, with all seven claims.
    const firstSection = await page.$eval("main, body", (body) => body.querySelector("section")?.id);
    expect(firstSection).toBe("claims");
    expect(await page.$$eval("table.claims tbody tr", (rows) => rows.length)).toBe(7);

    mkdirSync(artifacts, { recursive: true });
    await page.screenshot({ path: join(artifacts, "report.png"), fullPage: true });
    await page.screenshot({ path: join(artifacts, "report-top.png") });
    for (const figure of figures) await page.locator(`#${figure.id}`).screenshot({ path: join(artifacts, `report-${figure.id}.png`) });

    expect(problems).toEqual([]);
    expect(requests.filter((url) => !url.startsWith("file:"))).toEqual([]);
    await page.close();
  });

  it("is readable at 1400 px: no text under 9 px, no panel under 200 px, aligned grids in numeric order, no label cut", async () => {
    const { page } = await open();
    const measured = await measureReport(page);
    process.stderr.write(`report browser test: ${describeMeasure(measured)}\n`);
    expect(readabilityProblems(measured)).toEqual([]);
    expect(measured.plots).toHaveLength(plotCount);
    // The measurement sees what it measures: every plot has panels, the facets have headers.
    for (const plot of measured.plots) expect(plot.panels, plot.id).toBeGreaterThan(0);
    expect(measured.plots.find((p) => p.id === "plot-spectra")!.panels).toBeGreaterThan(6);
    // The folded table keeps the page short: the claims and plots, not 63 rows.
    expect(measured.pageHeight).toBeLessThan(12_000);
    await page.close();
  });

  it("folds the cells table past 50 rows, filters it by status and sorts it by any column", async () => {
    const { page, problems: console } = await open();
    const table = await exerciseCellsTable(page);
    expect(rowCount).toBeGreaterThan(readable.foldAboveRows);
    expect(table.rows).toBe(rowCount);
    expect(table.foldedOnLoad).toBe(true);
    expect(table.problems).toEqual([]);
    // The fixture's statuses, each filtered alone.
    expect(table.filters.map((f) => f.status).sort()).toEqual(["cached", "computed", "failed"]);
    expect(table.filters.find((f) => f.status === "failed")).toMatchObject({ shown: 1, expected: 1, wrong: 0 });
    // Every column sorts, both ways.
    expect(table.sorts).toHaveLength(10);
    for (const sort of table.sorts) expect(sort, sort.column).toMatchObject({ ascending: true, descending: true });
    expect(console).toEqual([]);
    await page.close();
  });

  it("a claim's evidence link opens the folded table at its cell's row", async () => {
    const { page } = await open();
    expect(await page.$eval("#cells-fold", (d) => (d as HTMLDetailsElement).open)).toBe(false);
    const link = page.locator('#claim-row-3 a[href^="#cell-"]').first();
    const target = (await link.getAttribute("href"))!.slice(1);
    await link.click();
    await page.waitForFunction((id) => document.getElementById(id)?.checkVisibility() === true, target);
    const row = await page.$eval(`#${target}`, (tr) => {
      const r = tr.getBoundingClientRect();
      return { top: r.top, height: r.height, open: (document.getElementById("cells-fold") as HTMLDetailsElement).open };
    });
    expect(row.open).toBe(true);
    // Scrolled into the window.
    expect(row.top).toBeGreaterThanOrEqual(0);
    expect(row.top).toBeLessThan(900);
    await page.close();
  });
});
