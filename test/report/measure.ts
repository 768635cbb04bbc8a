// What issue 14 asks of report.html, measured in the browser as a reader sees it at 1400 px:
// the smallest text on the page (SVG text scaled as drawn), the smallest plot panel, panels
// on an aligned grid, facets in numeric order, no label cut (an ellipsis, or text outside its
// plot), the page's height, and the cells table's fold, status filter and sort. One function
// for the synthetic sweep (test/report/report.browser.test.ts) and the paper sweep
// (test/artifacts/paper.test.ts), so both are held to the same numbers.
import type { Page } from "playwright-core";

/** The page width the issue reads the report at. */
export const readingWidth = 1400;

/** The limits the issue sets. */
export const readable = { minFontPx: 9, minPanelPx: 200, foldAboveRows: 50, bareAxisShare: 0.6 } as const;

export interface PlotMeasure {
  id: string;
  width: number;
  height: number;
  panels: number;
  smallestFontPx: number;
  smallestPanel: { width: number; height: number };
}

export interface ReportMeasure {
  pageHeight: number;
  smallestFont: { px: number; text: string; where: string };
  smallestPanel: { width: number; height: number; plot: string };
  plots: PlotMeasure[];
  /** Labels cut short: an ellipsis in a plot, text outside its plot's frame, HTML text overflowing its box. */
  truncations: { where: string; text: string }[];
  /** Panels of one plot that are not on one grid (sizes differ, or left/top edges out of line). */
  misaligned: { plot: string; detail: string }[];
  /** Consecutive facet headers that differ in one number and are out of numeric order (k=12 before k=2). */
  facetOrder: { plot: string; detail: string }[];
  /** Value axes mostly bare: the visible labels leave more than `readable.bareAxisShare` of the axis unlabelled in one stretch. */
  bareAxes: { plot: string; detail: string }[];
}

/**
 * Measure the page as laid out now (call after `page.setViewportSize({ width: readingWidth, ... })`
 * and load). Sizes are CSS pixels on screen: an SVG scaled down to fit the page scales its text too.
 */
export async function measureReport(page: Page): Promise<ReportMeasure> {
  return page.evaluate((bareAxisShare) => {
    const round = (x: number) => Math.round(x * 10) / 10;
    const visible = (el: Element) => {
      const r = el.getBoundingClientRect();
      return r.width > 0 && r.height > 0 && el.checkVisibility();
    };
    // Font size as drawn: the computed size times the scale of the element's screen transform.
    const drawnFontPx = (el: Element) => {
      const size = parseFloat(getComputedStyle(el).fontSize);
      if (el instanceof SVGGraphicsElement) {
        const m = el.getScreenCTM();
        return m ? size * Math.sqrt(m.a * m.a + m.b * m.b) : size;
      }
      return size;
    };

    let smallestFont = { px: Number.POSITIVE_INFINITY, text: "", where: "" };
    const truncations: { where: string; text: string }[] = [];
    const misaligned: { plot: string; detail: string }[] = [];
    const facetOrder: { plot: string; detail: string }[] = [];
    const bareAxes: { plot: string; detail: string }[] = [];
    const plots: PlotMeasure[] = [];

    // HTML text: every element with a text node of its own that is laid out.
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const text = node.textContent?.trim();
      const parent = node.parentElement;
      if (!text || !parent || parent.closest("svg") || !visible(parent)) continue;
      const px = drawnFontPx(parent);
      if (px < smallestFont.px) smallestFont = { px, text: text.slice(0, 60), where: parent.tagName.toLowerCase() };
      const style = getComputedStyle(parent);
      if ((style.overflow !== "visible" || style.textOverflow === "ellipsis") && parent.scrollWidth > parent.clientWidth + 1)
        truncations.push({ where: `html ${parent.tagName.toLowerCase()}`, text: text.slice(0, 60) });
    }

    for (const figure of Array.from(document.querySelectorAll("figure.plot"))) {
      const svg = figure.querySelector("svg");
      if (!svg) continue;
      const frame = svg.getBoundingClientRect();
      let plotFont = Number.POSITIVE_INFINITY;
      for (const text of Array.from(svg.querySelectorAll("text"))) {
        const content = text.textContent?.trim() ?? "";
        if (!content || !visible(text)) continue;
        const px = drawnFontPx(text);
        plotFont = Math.min(plotFont, px);
        if (px < smallestFont.px) smallestFont = { px, text: content.slice(0, 60), where: figure.id };
        if (content.includes("…")) truncations.push({ where: figure.id, text: content });
        const box = text.getBoundingClientRect();
        if (box.left < frame.left - 1 || box.right > frame.right + 1 || box.top < frame.top - 1 || box.bottom > frame.bottom + 1)
          truncations.push({ where: `${figure.id} (outside the plot)`, text: content });
      }

      // Panels: the items of vega's facet cell groups; else of concat groups; else the one view.
      const scopes = Array.from(svg.querySelectorAll("g.role-scope"));
      const byClass = (pattern: RegExp) => scopes.filter((g) => Array.from(g.classList).some((c) => pattern.test(c)));
      const cells = byClass(/(^|_)cell$/);
      const groups = cells.length ? cells : byClass(/^concat_\d+_group$/);
      const backgrounds = groups.length
        ? groups.flatMap((g) => Array.from(g.children).flatMap((item) => Array.from(item.querySelectorAll(":scope > path.background"))))
        : Array.from(svg.querySelectorAll("g.role-frame.root > g > path.background"));
      const boxes = backgrounds.map((p) => p.getBoundingClientRect()).filter((r) => r.width > 0 && r.height > 0);
      let smallest = { width: Number.POSITIVE_INFINITY, height: Number.POSITIVE_INFINITY };
      for (const box of boxes) if (Math.min(box.width, box.height) < Math.min(smallest.width, smallest.height)) smallest = box;

      // One grid: panels of one size, their left edges a few columns, each row's tops level.
      if (boxes.length > 1) {
        const sizes = new Set(boxes.map((b) => `${Math.round(b.width)}x${Math.round(b.height)}`));
        if (sizes.size > 1) misaligned.push({ plot: figure.id, detail: `panel sizes ${[...sizes].join(", ")}` });
        const lefts = [...new Set(boxes.map((b) => Math.round(b.left)))];
        const tops = [...new Set(boxes.map((b) => Math.round(b.top)))];
        if (lefts.length * tops.length < boxes.length || lefts.length > Math.ceil(boxes.length / tops.length) + 0)
          misaligned.push({ plot: figure.id, detail: `left edges ${lefts.join(", ")}; top edges ${tops.join(", ")}` });
      }

      // Facet headers in order of appearance (row-major), and the labels of each categorical
      // axis in order along it: consecutive labels with the same fields but one number must
      // increase in that number (k=1, k=2, k=12; never k=12 before k=2).
      const inOrder = (texts: Element[]) =>
        texts
          .map((t) => {
            // A label of several lines is a <tspan> a line: read them as words.
            const spans = Array.from(t.querySelectorAll("tspan"));
            const text = spans.length ? spans.map((s) => s.textContent ?? "").join(" ") : (t.textContent ?? "");
            return { text: text.replace(/\s+/g, " ").trim(), box: t.getBoundingClientRect() };
          })
          .sort((a, b) => (Math.abs(a.box.top - b.box.top) > 2 ? a.box.top - b.box.top : a.box.left - b.box.left))
          .map((h) => h.text);
      const sequences = [
        inOrder(Array.from(svg.querySelectorAll("g.role-title-text text"))),
        ...Array.from(svg.querySelectorAll("g.role-axis")).map((axis) =>
          inOrder(Array.from(axis.querySelectorAll("g.role-axis-label text"))),
        ),
      ];
      for (const labels of sequences)
        for (let i = 1; i < labels.length; i++) {
          const a = labels[i - 1]!.split(/\s+/);
          const b = labels[i]!.split(/\s+/);
          if (a.length !== b.length) continue;
          const differing = a.flatMap((token, j) => (token === b[j] ? [] : [j]));
          if (differing.length !== 1 || !a[differing[0]!]!.includes("=")) continue;
          const number = (token: string) => Number(token.slice(token.indexOf("=") + 1));
          const [x, y] = [number(a[differing[0]!]!), number(b[differing[0]!]!)];
          if (Number.isFinite(x) && Number.isFinite(y) && x > y)
            facetOrder.push({ plot: figure.id, detail: `"${labels[i - 1]}" before "${labels[i]}"` });
        }

      // Value axes (vertical, quantitative: several labels that read as numbers): labels that
      // overlap are hidden (opacity 0) by vega, which can leave most of a log axis bare.
      for (const axis of Array.from(svg.querySelectorAll("g.role-axis"))) {
        const domain = axis.querySelector("g.role-axis-domain line, g.role-axis-domain path")?.getBoundingClientRect();
        if (!domain || domain.height < domain.width || domain.height === 0) continue;
        const labels = Array.from(axis.querySelectorAll("g.role-axis-label text"));
        if (!labels.length || !labels.every((t) => Number.isFinite(Number((t.textContent ?? "").replace(/,/g, ""))))) continue;
        const shown = labels
          .filter(
            (t) => (t.textContent ?? "").trim() && t.checkVisibility({ opacityProperty: true }) && getComputedStyle(t).opacity !== "0",
          )
          .map((t) => {
            const box = t.getBoundingClientRect();
            return { y: (box.top + box.bottom) / 2, text: t.textContent ?? "" };
          })
          .sort((a, b) => a.y - b.y);
        const stops = [domain.top, ...shown.map((l) => l.y), domain.bottom];
        let gap = 0;
        for (let i = 1; i < stops.length; i++) gap = Math.max(gap, stops[i]! - stops[i - 1]!);
        if (gap > bareAxisShare * domain.height)
          bareAxes.push({
            plot: figure.id,
            detail: `${Math.round((100 * gap) / domain.height)}% of a ${Math.round(domain.height)} px axis without a label (shown: ${shown.map((l) => l.text).join(", ") || "none"})`,
          });
      }

      plots.push({
        id: figure.id,
        width: round(frame.width),
        height: round(frame.height),
        panels: boxes.length,
        smallestFontPx: round(plotFont),
        smallestPanel: { width: round(smallest.width), height: round(smallest.height) },
      });
    }

    const smallestPanel = plots.reduce(
      (best, p) =>
        Math.min(p.smallestPanel.width, p.smallestPanel.height) < Math.min(best.width, best.height)
          ? { ...p.smallestPanel, plot: p.id }
          : best,
      { width: Number.POSITIVE_INFINITY, height: Number.POSITIVE_INFINITY, plot: "" },
    );
    return {
      pageHeight: document.documentElement.scrollHeight,
      smallestFont: { ...smallestFont, px: round(smallestFont.px) },
      smallestPanel,
      plots,
      truncations,
      misaligned,
      facetOrder,
      bareAxes,
    };
  }, readable.bareAxisShare);
}

/** One line a person reads in a test log or a report to the lead. */
export function describeMeasure(m: ReportMeasure): string {
  return (
    `page ${m.pageHeight} px tall; smallest text ${m.smallestFont.px} px ("${m.smallestFont.text}" in ${m.smallestFont.where}); ` +
    `smallest panel ${m.smallestPanel.width} x ${m.smallestPanel.height} px (${m.smallestPanel.plot}); ` +
    `${m.truncations.length} truncated labels; ${m.misaligned.length} misaligned plots; ${m.facetOrder.length} facet-order errors; ` +
    `${m.bareAxes.length} bare axes`
  );
}

/** What the issue asks, as a list of what is wrong (empty when the page passes). */
export function readabilityProblems(m: ReportMeasure): string[] {
  const problems: string[] = [];
  if (m.smallestFont.px < readable.minFontPx)
    problems.push(`text of ${m.smallestFont.px} px ("${m.smallestFont.text}" in ${m.smallestFont.where}), under ${readable.minFontPx} px`);
  for (const p of m.plots)
    if (Math.min(p.smallestPanel.width, p.smallestPanel.height) < readable.minPanelPx - 0.5)
      problems.push(`${p.id}: a panel of ${p.smallestPanel.width} x ${p.smallestPanel.height} px, under ${readable.minPanelPx} px`);
  for (const t of m.truncations) problems.push(`${t.where}: truncated label "${t.text}"`);
  for (const a of m.misaligned) problems.push(`${a.plot}: panels not on one grid (${a.detail})`);
  for (const f of m.facetOrder) problems.push(`${f.plot}: facets out of numeric order (${f.detail})`);
  for (const b of m.bareAxes) problems.push(`${b.plot}: a bare value axis, ${b.detail}`);
  return problems;
}

export interface CellsTableCheck {
  rows: number;
  /** Whether the fold was closed on load, and whether any row showed while it was. */
  foldedOnLoad: boolean;
  rowsShownWhileFolded: number;
  /** Per status: the rows the filter showed, and how many have that status. */
  filters: { status: string; shown: number; expected: number; wrong: number }[];
  /** Per column heading: whether a click sorted it ascending, and a second click descending. */
  sorts: { column: string; ascending: boolean; descending: boolean }[];
  problems: string[];
}

/**
 * Use the cells table as a reader would, on a freshly loaded page: the fold (closed past
 * `readable.foldAboveRows` rows), the status filter (each status alone), and the sort by each
 * column (click: ascending, click again: descending; numbers by value, blanks last; text with
 * numbers in it compared numerically).
 */
export async function exerciseCellsTable(page: Page): Promise<CellsTableCheck> {
  const problems: string[] = [];
  const rows = await page.locator("#cells-table tbody tr").count();
  const foldedOnLoad = !(await page.$eval("#cells-fold", (d) => (d as HTMLDetailsElement).open));
  const visibleRows = () =>
    page.$$eval("#cells-table tbody tr", (trs) =>
      // Shown: laid out with a size and not in a skipped subtree (a closed <details>).
      trs
        .filter((tr) => tr.checkVisibility() && tr.getBoundingClientRect().height > 0)
        .map((tr) => (tr as HTMLElement).dataset["status"] ?? ""),
    );
  const rowsShownWhileFolded = foldedOnLoad ? (await visibleRows()).length : 0;
  if (foldedOnLoad !== rows > readable.foldAboveRows)
    problems.push(`the table of ${rows} rows is ${foldedOnLoad ? "folded" : "open"} on load`);
  if (rowsShownWhileFolded > 0) problems.push(`${rowsShownWhileFolded} rows show while the table is folded`);
  if (foldedOnLoad) await page.locator("#cells-fold > summary").click();
  if ((await visibleRows()).length !== rows) problems.push("opening the fold does not show every row");

  const statuses = await page.$$eval("#cells-tools input[data-status]", (inputs) =>
    inputs.map((i) => (i as HTMLElement).dataset["status"]!),
  );
  const boxes = (status: string) => page.locator(`#cells-tools input[data-status="${status}"]`);
  const filters: CellsTableCheck["filters"] = [];
  for (const status of statuses) {
    for (const other of statuses) await boxes(other).setChecked(other === status);
    const shown = await visibleRows();
    const expected = await page.$$eval(`#cells-table tbody tr[data-status="${status}"]`, (trs) => trs.length);
    const wrong = shown.filter((s) => s !== status).length;
    filters.push({ status, shown: shown.length, expected, wrong });
    if (shown.length !== expected || wrong > 0)
      problems.push(`filter "${status}" alone shows ${shown.length} rows (${wrong} of another status); ${expected} have it`);
  }
  for (const status of statuses) await boxes(status).setChecked(true);
  if (statuses.length === 0) problems.push("no status filter");

  const headings = await page.$$eval("#cells-table thead th", (ths) =>
    ths.map((th) => ({ text: th.textContent ?? "", sort: (th as HTMLElement).dataset["sort"] ?? "" })),
  );
  const sorts: CellsTableCheck["sorts"] = [];
  for (const [column, heading] of headings.entries()) {
    const button = page.locator(`#cells-table thead th:nth-child(${column + 1}) button`);
    if ((await button.count()) === 0) {
      problems.push(`column "${heading.text}" has no sort button`);
      continue;
    }
    const sortedBy = async (direction: 1 | -1) =>
      page.$$eval(
        "#cells-table tbody tr",
        (trs, [index, numeric, sign]) => {
          const keys = trs.map((tr) => {
            const cell = (tr as HTMLTableRowElement).cells[index as number]!;
            if (!numeric) return cell.textContent?.trim() ?? "";
            const value = cell.dataset["value"];
            return value === undefined || value === "" ? null : Number(value);
          });
          for (let i = 1; i < keys.length; i++) {
            const [a, b] = [keys[i - 1]!, keys[i]!];
            if (a === null) {
              if (b !== null) return false; // blanks last
              continue;
            }
            if (b === null) continue;
            const order = typeof a === "number" ? a - (b as number) : a.localeCompare(b as string, undefined, { numeric: true });
            if (order * (sign as number) > 0) return false;
          }
          return true;
        },
        [column, heading.sort === "number", direction] as const,
      );
    await button.click();
    const ascending = await sortedBy(1);
    await button.click();
    const descending = await sortedBy(-1);
    sorts.push({ column: heading.text, ascending, descending });
    if (!ascending || !descending)
      problems.push(`sorting by "${heading.text}" does not order the rows ${!ascending ? "ascending" : "descending"}`);
  }
  return { rows, foldedOnLoad, rowsShownWhileFolded, filters, sorts, problems };
}
