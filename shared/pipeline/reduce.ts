// Reduce (ARCHITECTURE.md "Data flow" 3): read the results of one slice of the sweep's cells
// (a few reads in flight, results not kept) and keep of each only what comes after: its summary
// row, the evidence the claims read (metrics and spectra, no curves), and the facts the report's
// panels read of every cell (no curves or spectra). The Reduce map runs one per slice and writes
// each slice's partial (partial.ts); Aggregate merges them and evaluates the claims once. A
// missing or corrupt result is reported (its row says so, the log warns), never skipped.
import type { CellEvidence } from "../claims/evidence.js";
import { cellFacts, fromCellResult, type ReportCellFacts } from "../report/cells.js";
import { checkMetrics, type CellMetrics } from "../results/metrics.js";
import { readCellError, readResult } from "../results/result.js";
import { rowHasResult, type RowStatus, type SummaryRow } from "../results/summary.js";
import type { Store } from "../store/store.js";
import { forEachLimit } from "./concurrency.js";
import type { ReduceResult, SliceItem, SliceRow } from "./contract.js";
import { silentLog } from "./log.js";
import { writePartial } from "./partial.js";
import type { PipelineOptions } from "./plan.js";
import { readSliceRows } from "./slices.js";

/** What a slice keeps of one cell. */
export interface CellRecord {
  row: SummaryRow;
  /** The claims' evidence: a valid result whose metrics are its experiment's. */
  evidence?: CellEvidence;
  /** What the report's panels read of every valid result (the same cells `dropsweep report` streams). */
  facts?: ReportCellFacts;
  /** Why the stored result could not be read (corrupt): the report shows the cell as corrupt. */
  unreadable?: string;
}

export type ReduceOptions = Pick<PipelineOptions, "log" | "concurrency">;

/** The Reduce step: one slice's rows read and verified, its results reduced, its partial written. */
export async function reduce(store: Store, item: SliceItem, options: ReduceOptions = {}): Promise<ReduceResult> {
  const records = await reduceRows(store, await readSliceRows(store, item), options);
  const partialKey = await writePartial(store, item, records);
  const usable = records.filter((r) => rowHasResult(r.row)).length;
  (options.log ?? silentLog).info("slice reduced", { sweepId: item.sweepId, slice: item.slice, cells: records.length, usable });
  return { sweepId: item.sweepId, slice: item.slice, partialKey, usable, unusable: records.length - usable };
}

/** The records of `rows` (in their order), each from its cell's stored result, error or absence. */
export async function reduceRows(store: Store, rows: readonly SliceRow[], options: ReduceOptions = {}): Promise<CellRecord[]> {
  const log = options.log ?? silentLog;
  const records = new Array<CellRecord>(rows.length);
  await forEachLimit(rows, options.concurrency ?? 16, async ({ hash, parameters, pending }, index) => {
    const row = (metrics: CellMetrics | undefined, status: RowStatus, error?: string): SummaryRow => ({
      hash,
      parameters,
      objectiveGap: numberOrNull(metrics?.objectiveGap),
      spectrumError: numberOrNull(metrics?.spectrumError),
      balanceRatio: numberOrNull(metrics?.balanceRatio),
      learnedRank: numberOrNull(metrics?.learnedRank),
      closedFormRank: numberOrNull(metrics?.closedFormRank),
      ...(metrics && "closedFormRankAtThreshold" in metrics && metrics.closedFormRankAtThreshold !== undefined
        ? { closedFormRankAtThreshold: metrics.closedFormRankAtThreshold }
        : {}),
      representable: typeof metrics?.representable === "boolean" ? metrics.representable : null,
      ...(metrics?.trainingStatus ? { trainingStatus: metrics.trainingStatus } : {}),
      status,
      ...(error ? { error } : {}),
    });
    const corrupt = (reason: string): SummaryRow => {
      log.warn("result is corrupt; not used", { hash, reason });
      return row(undefined, "corrupt", `result is corrupt: ${reason}`);
    };
    const read = await readResult(store, hash);
    if (read.state === "valid") {
      const { result } = read;
      const facts = cellFacts(fromCellResult(result));
      // Intact bytes whose metrics are not what the cell's experiment writes (a result written
      // by another build under the same kernel version): not evidence.
      const typed = checkMetrics(result.cell, result.metrics);
      if ("problems" in typed) {
        const reason = `its metrics do not match the ${result.cell.experiment} experiment's (${typed.problems.join("; ")})`;
        records[index] = { row: corrupt(reason), facts };
        return;
      }
      const bucket = pending ? "computed" : "cached";
      records[index] = {
        row: result.status === "diverged" ? { ...row(typed.metrics, "diverged"), countedAs: bucket } : row(typed.metrics, bucket),
        evidence: { ...typed, hash, status: result.status, spectra: result.spectra },
        facts,
      };
    } else if (read.state === "corrupt") {
      records[index] = { row: corrupt(read.reason), unreadable: read.reason };
    } else {
      const failure = await readCellError(store, hash);
      log.warn(failure ? "cell failed" : "result is missing", { hash, ...(failure ? { error: failure.error } : {}) });
      records[index] = {
        row: failure ? row(undefined, "failed", failure.error) : row(undefined, "missing", "no result was written for this cell"),
      };
    }
  });
  return records;
}

function numberOrNull(value: unknown): number | null {
  return typeof value === "number" && Number.isFinite(value) ? value : null;
}
