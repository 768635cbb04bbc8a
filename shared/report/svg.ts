// Vega-Lite spec -> standalone SVG text, with vega's headless View (no DOM, no canvas, no
// network: every spec carries its data inline). The report inlines the result in report.html.
import * as vega from "vega";
import { compile, type TopLevelSpec } from "vega-lite";

export interface RenderedPlot {
  svg: string;
  /** Marks drawn from data (points, lines, bars, rules): 0 means the plot shows nothing. */
  dataMarks: number;
}

/**
 * Compile and render one spec. Throws when vega reports a warning-level problem or worse.
 * `idPrefix` names the SVG's internal ids (clip paths, gradients), which vega numbers from a
 * process-wide counter: renamed, the bytes do not depend on what rendered before, and
 * several plots inlined in one page cannot collide.
 */
export async function renderSvg(spec: TopLevelSpec, idPrefix = "plot"): Promise<RenderedPlot> {
  const problems: string[] = [];
  // vega logs through a logger; collect instead of printing so a broken spec fails loudly.
  const logger = vega.logger(vega.Warn);
  const collect = (...args: readonly unknown[]) => {
    const message = args.map(String).join(" ");
    // A layer with no rows in one facet (a configuration without a closed-form minimum, say)
    // has an empty extent there; the plot is still right, and a plot with no data at all is
    // caught by its data-mark count instead.
    if (!/^Infinite extent for field/.test(message)) problems.push(message);
    return logger;
  };
  logger.warn = collect;
  logger.error = collect;
  const compiled = compile(spec, { logger }).spec;
  if (problems.length > 0) throw new Error(`vega-lite: ${problems.join("; ")}`);
  const view = new vega.View(vega.parse(compiled), { renderer: "none", logger });
  const raw = await view.toSVG();
  view.finalize();
  if (problems.length > 0) throw new Error(`vega: ${problems.join("; ")}`);
  const svg = renameIds(raw, idPrefix);
  return { svg, dataMarks: countDataMarks(svg) };
}

/** Rename every id="..." and its url(#...) / href="#..." references, in order of appearance. */
function renameIds(svg: string, prefix: string): string {
  const names = new Map<string, string>();
  for (const match of svg.matchAll(/\sid="([^"]+)"/g)) if (!names.has(match[1]!)) names.set(match[1]!, `${prefix}-${names.size + 1}`);
  if (names.size === 0) return svg;
  return svg.replace(/(\sid="|url\(#|href="#)([^")]+)/g, (whole, lead: string, name: string) => {
    const renamed = names.get(name);
    return renamed ? lead + renamed : whole;
  });
}

/**
 * Items inside vega's data-mark groups (`class="mark-* role-mark"`): the same test the browser
 * check applies to the rendered page. Axis, legend and title items carry other roles.
 */
export function countDataMarks(svg: string): number {
  let count = 0;
  const group = /<g class="mark-[a-z]+ role-mark[^"]*"[^>]*>/g;
  for (const match of svg.matchAll(group)) {
    // An empty group (a layer with no rows in this facet) closes itself: nothing to count, and
    // the next "</g>" belongs to another group (a facet's title).
    if (match[0].endsWith("/>")) continue;
    // Items are the direct children up to this group's closing tag; marks do not nest groups
    // except "group" marks, whose children are counted by their own role-mark groups.
    const start = (match.index ?? 0) + match[0].length;
    const end = svg.indexOf("</g>", start);
    const body = svg.slice(start, end < 0 ? undefined : end);
    count += (body.match(/<(path|line|rect|circle|text)\b/g) ?? []).length;
  }
  return count;
}
