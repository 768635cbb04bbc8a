// Vega-Lite spec -> standalone SVG text, with vega's headless View (no DOM, no canvas, no
// network: every spec carries its data inline). The report inlines the result in report.html.
import * as vega from "vega";
import { compile, type TopLevelSpec } from "vega-lite";

export interface RenderedPlot {
  svg: string;
  /** Marks drawn from data (points, lines, bars, rules): 0 means the plot shows nothing. */
  dataMarks: number;
}

/** Compile and render one spec. Throws when vega reports a warning-level problem or worse. */
export async function renderSvg(spec: TopLevelSpec): Promise<RenderedPlot> {
  const problems: string[] = [];
  // vega logs through a logger; collect instead of printing so a broken spec fails loudly.
  const logger = vega.logger(vega.Warn);
  const collect = (...args: readonly unknown[]) => {
    problems.push(args.map(String).join(" "));
    return logger;
  };
  logger.warn = collect;
  logger.error = collect;
  const compiled = compile(spec, { logger }).spec;
  if (problems.length > 0) throw new Error(`vega-lite: ${problems.join("; ")}`);
  const view = new vega.View(vega.parse(compiled), { renderer: "none", logger });
  const svg = await view.toSVG();
  view.finalize();
  if (problems.length > 0) throw new Error(`vega: ${problems.join("; ")}`);
  return { svg, dataMarks: countDataMarks(svg) };
}

/**
 * Items inside vega's data-mark groups (`class="mark-* role-mark"`): the same test the browser
 * check applies to the rendered page. Axis, legend and title items carry other roles.
 */
export function countDataMarks(svg: string): number {
  let count = 0;
  const group = /<g class="mark-[a-z]+ role-mark[^"]*"[^>]*>/g;
  for (const match of svg.matchAll(group)) {
    // Items are the direct children up to this group's closing tag; marks do not nest groups
    // except "group" marks, whose children are counted by their own role-mark groups.
    const start = (match.index ?? 0) + match[0].length;
    const end = svg.indexOf("</g>", start);
    const body = svg.slice(start, end < 0 ? undefined : end);
    count += (body.match(/<(path|line|rect|circle|text)\b/g) ?? []).length;
  }
  return count;
}
