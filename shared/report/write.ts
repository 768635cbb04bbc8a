// writeReport: what the Aggregate step calls after evaluating the claims. Writes, under
// keys.report(sweepId, ...): plots/ID.svg, report.md, report.html and summary.json (the
// pipeline's summary with the report's fields added, none removed), in that order, each
// atomically, so a reader who finds summary.json finds the report it describes.
import type { Store } from "../store/store.js";
import { keys } from "../store/layout.js";
import { readCellError, readResult, type CellResult } from "../results/result.js";
import type { Regression, Summary } from "../results/summary.js";
import { fromCellResult, type ReportCell, type ReportCellFacts } from "./cells.js";
import { renderHtml } from "./html.js";
import { plotFile, renderMarkdown } from "./markdown.js";
import { buildReportModel, type ReportModel, type ReportOptions } from "./model.js";
import { regenerateCommand } from "./regenerate.js";

/** Fields the report adds to summary.json (their schema: shared/results/summary.ts reportFieldsShape). */
type ReportSummaryFields = Pick<Summary, "report" | "baseline" | "regressions">;

export interface WrittenReport {
  /** Every key written, summary.json last. */
  keys: string[];
  summary: Summary;
  /** Empty without a baseline. */
  regressions: Regression[];
  model: ReportModel;
}

/**
 * What the report is drawn from besides the summary: the cell results (streamed, `dropsweep
 * report`), or every cell's facts (Aggregate, from the partials; the cells drawn whole are read
 * from the store).
 */
export type ReportInput = AsyncIterable<CellResult> | { facts: Iterable<ReportCellFacts> };

export async function writeReport(
  store: Store,
  sweepId: string,
  summary: Summary,
  input: ReportInput,
  options: ReportOptions = {},
): Promise<WrittenReport> {
  if (summary.sweepId !== sweepId) throw new Error(`writeReport: summary is for sweep ${summary.sweepId}, not ${sweepId}`);
  const facts = "facts" in input;
  const model = await buildReportModel(summary, facts ? input.facts : reportCells(input), {
    factsOnly: facts,
    cellError: async (hash) => (await readCellError(store, hash))?.error,
    fetchCell: async (hash) => {
      const read = await readResult(store, hash);
      return read.state === "valid" ? fromCellResult(read.result) : undefined;
    },
    regenerate: regenerateCommand(sweepId, store.url, process.cwd(), store.endpoint),
    ...options,
  });
  const files: [string, string, string][] = [
    ...model.plots.map((p): [string, string, string] => [plotFile(p.id), p.svg, "image/svg+xml"]),
    ["report.md", renderMarkdown(model), "text/markdown; charset=utf-8"],
    ["report.html", renderHtml(model), "text/html; charset=utf-8"],
  ];
  const written: string[] = [];
  for (const [file, body, contentType] of files) {
    const key = keys.report(sweepId, file);
    await store.put(key, body, { contentType });
    written.push(key);
  }
  const fields: ReportSummaryFields = {
    report: {
      files: files.map(([file]) => file),
      plots: model.plots.map((p) => ({ id: p.id, title: p.title, dataMarks: p.dataMarks, notes: p.notes })),
      absentPlots: model.absentPlots,
      ...(model.corruptResults.length > 0 ? { corruptResults: model.corruptResults } : {}),
    },
  };
  if (model.baseline) {
    const { regressions, ...identity } = model.baseline;
    fields.baseline = identity;
    fields.regressions = regressions;
  }
  // Replace what an earlier report run added (a stale baseline comparison must not survive a
  // regeneration without one); keep every field the pipeline wrote.
  const { report: _report, baseline: _baseline, regressions: _regressions, ...pipelineFields } = summary;
  const augmented: Summary = { ...pipelineFields, ...fields };
  const summaryKey = keys.summary(sweepId);
  await store.put(summaryKey, JSON.stringify(augmented, null, 2) + "\n", { contentType: "application/json" });
  written.push(summaryKey);
  return { keys: written, summary: augmented, regressions: model.baseline?.regressions ?? [], model };
}

async function* reportCells(results: AsyncIterable<CellResult>): AsyncIterable<ReportCell> {
  for await (const result of results) yield fromCellResult(result);
}
