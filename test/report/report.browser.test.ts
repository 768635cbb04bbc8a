// End to end: write the synthetic sweep's report to a directory, open report.html from disk in
// headless Chromium with the network cut off, and check what a reader sees: every plot drew
// data marks in the page's own layout, the console stayed free of errors, no request left
// the file. A full-page screenshot goes to test-artifacts/ for a person to look at.
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { keys } from "../../shared/store/layout.js";
import { writeReport } from "../../shared/report/write.js";
import { writeCellError, writeResult } from "../../shared/results/result.js";
import { FileStore } from "../../shared/store/fs.js";
import { chromiumAvailable, chromiumPath, launchChromium } from "./browser.js";
import { fixtureSweep, fixtureSweepId, stream } from "./fixtures.js";

const artifacts = resolve("test-artifacts");

if (!chromiumAvailable())
  console.warn(`report browser test skipped: no Chromium at ${chromiumPath} (apt-get install chromium, or set DROPSWEEP_CHROMIUM)`);

describe.skipIf(!chromiumAvailable())("report.html in headless Chromium", () => {
  let root: string;
  let browser: Awaited<ReturnType<typeof launchChromium>>;
  let plotCount = 0;

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), "dropsweep-report-browser-"));
    const store = new FileStore(root);
    const { summary, results, errors } = fixtureSweep();
    for (const result of results) await writeResult(store, result);
    for (const error of errors) await writeCellError(store, error);
    const written = await writeReport(store, fixtureSweepId, summary, stream(results));
    plotCount = written.model.plots.length;
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    rmSync(root, { recursive: true, force: true });
  });

  it("renders every plot with data marks, no console error, no network", async () => {
    const page = await browser.context.newPage();
    const problems: string[] = [];
    const requests: string[] = [];
    page.on("console", (message) => {
      if (message.type() === "error" || message.type() === "warning") problems.push(`${message.type()}: ${message.text()}`);
    });
    page.on("pageerror", (error) => problems.push(`pageerror: ${error.message}`));
    page.on("request", (request) => requests.push(request.url()));
    // Any attempt to leave the file fails the test below instead of hanging on a network.
    await page.route(/^(?!file:)/, (route) => route.abort());

    const file = join(root, ...keys.report(fixtureSweepId, "report.html").split("/"));
    await page.goto(pathToFileURL(file).href, { waitUntil: "load" });

    const figures = await page.$$eval("figure.plot", (nodes) =>
      nodes.map((figure) => {
        const svg = figure.querySelector("svg");
        const box = svg?.getBoundingClientRect();
        // Data marks are the items of vega's role-mark groups that the browser actually laid
        // out with a size (axes, legends and titles carry other roles).
        const marks = Array.from(figure.querySelectorAll("g.role-mark > *")).filter((item) => {
          const r = item.getBoundingClientRect();
          return r.width > 0 || r.height > 0;
        });
        // Every item of those groups, laid out or not: what the report counted in the SVG text.
        const items = figure.querySelectorAll("g.role-mark > *").length;
        return {
          id: figure.id,
          width: box?.width ?? 0,
          height: box?.height ?? 0,
          marks: marks.length,
          items,
          counted: Number(figure.getAttribute("data-marks")),
        };
      }),
    );
    expect(figures.length).toBe(plotCount);
    expect(figures.length).toBeGreaterThanOrEqual(5);
    for (const figure of figures) {
      expect(figure.width, figure.id).toBeGreaterThan(100);
      expect(figure.height, figure.id).toBeGreaterThan(50);
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
});
