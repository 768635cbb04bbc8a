// summary.json: what Aggregate writes for a sweep (the claims and one row per cell) and the
// fields the report adds when it renders it. One schema, versioned by `format`; the types are
// inferred from it, and every reader (the report, `dropsweep report --baseline`, `cloud fetch`,
// the scheduled run's regression check) checks a summary with it before using it. A summary
// written by an older dropsweep (no format, or another one) is refused with what to run to
// regenerate it from the stored results.
import * as z from "zod";
import { claimIdSchema, claimIds, claimResultSchema } from "../claims/result.js";
import { sha256HexSchema } from "../spec/canonical.js";
import { checkDocument } from "../store/document.js";
import { rowMetricsShape } from "./metrics.js";

export const SUMMARY_FORMAT = "dropsweep.summary/1";

/** computed, cached, diverged (a result exists); failed, missing, corrupt (none usable). */
const rowStatuses = ["computed", "cached", "diverged", "failed", "missing", "corrupt"] as const;
export type RowStatus = (typeof rowStatuses)[number];

const count = z.number().int().nonnegative();

// Fields in the order Aggregate writes them (shared/pipeline/aggregate.ts), so a summary the
// report rewrites from a parsed copy reads the same.
export const summaryRowSchema = z
  .object({
    hash: sha256HexSchema,
    /** The cell's value of every axis of the sweep (and its section, when there are several). */
    parameters: z.record(z.string(), z.unknown()),
    objectiveGap: rowMetricsShape.objectiveGap,
    spectrumError: rowMetricsShape.spectrumError,
    balanceRatio: rowMetricsShape.balanceRatio,
    learnedRank: rowMetricsShape.learnedRank,
    closedFormRank: rowMetricsShape.closedFormRank,
    /** rank(A*) counted above claim 5's threshold (linear cells with a closed form). */
    closedFormRankAtThreshold: count.optional(),
    representable: rowMetricsShape.representable,
    /** How training ended (converged, max-epochs, diverged) for cells that train; absent without a result. */
    trainingStatus: rowMetricsShape.trainingStatus.optional(),
    status: z.enum(rowStatuses),
    /** Why there is no usable result (failed, missing, corrupt rows). */
    error: z.string().optional(),
    /** A diverged row: where `cells` counts it (so the report can recount if its result goes corrupt later). */
    countedAs: z.enum(["computed", "cached"]).optional(),
  })
  .superRefine((row, context) => {
    if (row.status === "diverged" && row.countedAs === undefined)
      context.addIssue({ code: "custom", path: ["countedAs"], message: "missing (a diverged row says whether it was computed or cached)" });
    if ((row.status === "failed" || row.status === "missing" || row.status === "corrupt") && row.error === undefined)
      context.addIssue({ code: "custom", path: ["error"], message: `missing (a ${row.status} row says why)` });
  });
export type SummaryRow = z.infer<typeof summaryRowSchema>;

/** summary.json's `cells` and Aggregate's result's (shared/pipeline/contract.ts): countCells of the rows. */
export const cellCountsSchema = z.object({ total: count, computed: count, cached: count, failed: count });
export type CellCounts = z.infer<typeof cellCountsSchema>;

/** Row statuses with a usable result. */
export function rowHasResult(row: Pick<SummaryRow, "status">): boolean {
  return row.status === "computed" || row.status === "cached" || row.status === "diverged";
}

/**
 * The cell counts of `rows` (Aggregate's, and the report's recount when results went corrupt):
 * a row's status says its bucket (no usable result: failed), and a diverged row counts where
 * Aggregate counted it.
 */
export function countCells(rows: readonly SummaryRow[]): CellCounts {
  const n = { computed: 0, cached: 0, failed: 0 };
  for (const row of rows) {
    if (row.status === "computed" || row.status === "cached") n[row.status]++;
    else if (row.status === "diverged") n[row.countedAs ?? "computed"]++;
    else n.failed++;
  }
  return { total: rows.length, ...n };
}

/** A change against a baseline summary (shared/report/baseline.ts). */
const regressionSchema = z.object({
  kind: z.enum(["claim-status", "claim-measured", "cell-status", "cell-metric"]),
  /** "worse" and "better" when the direction is clear, "changed" otherwise. */
  direction: z.enum(["worse", "better", "changed"]),
  claim: claimIdSchema.optional(),
  hash: z.string().optional(),
  metric: z.string().optional(),
  baseline: z.union([z.number(), z.string(), z.boolean(), z.null()]),
  current: z.union([z.number(), z.string(), z.boolean(), z.null()]),
  /** The allowed movement, when the comparison had one. */
  tolerance: z.number().optional(),
  /** One line a person reads in the report or a notification. */
  message: z.string(),
});
export type Regression = z.infer<typeof regressionSchema>;

/** What the report adds to summary.json when it renders it (shared/report/write.ts). */
const reportFieldsShape = {
  report: z
    .object({
      files: z.array(z.string()),
      plots: z.array(z.object({ id: z.string(), title: z.string(), dataMarks: count, notes: z.array(z.string()) })),
      absentPlots: z.array(z.object({ title: z.string(), reason: z.string() })),
      /** Results that were corrupt when the report was written (their rows are Aggregate's, from when they were valid). */
      corruptResults: z.array(z.object({ hash: z.string(), reason: z.string() })).optional(),
    })
    .optional(),
  /** Present when a baseline was given: its identity and every change found against it. */
  baseline: z.object({ sweepId: z.string(), source: z.string(), onlyCurrent: count, onlyBaseline: count }).optional(),
  regressions: z.array(regressionSchema).optional(),
};

/** Loose: fields this version does not know are kept when the report rewrites the file. */
const summarySchema = z.looseObject({
  format: z.literal(SUMMARY_FORMAT),
  sweepId: z.string().min(1),
  cells: cellCountsSchema,
  /** Every claim once, in THEORY.md's order. */
  claims: z.array(claimResultSchema).superRefine((claims, context) => {
    const ids = claims.map((c) => c.id);
    if (ids.join() !== claimIds.join())
      context.addIssue({
        code: "custom",
        message: `expected one result for each claim, ${claimIds.join(", ")} in that order, got ${ids.join(", ") || "none"}`,
      });
  }),
  rows: z.array(summaryRowSchema),
  ...reportFieldsShape,
});
export type Summary = z.infer<typeof summarySchema>;

/** A summary this dropsweep cannot read: written by an older (or newer) one. Regenerate it from the stored results. */
export class SummaryFormatError extends Error {
  constructor(
    where: string,
    readonly format: unknown,
    readonly sweepId: string | undefined,
  ) {
    const found = format === undefined ? "no format field: written by an older dropsweep" : `format ${JSON.stringify(format)}`;
    super(
      `${where}: ${found}; this dropsweep reads ${SUMMARY_FORMAT}. Regenerate it from the stored results with \`dropsweep report ${sweepId ?? "SWEEP"}\` (nothing is recomputed)`,
    );
    this.name = "SummaryFormatError";
  }
}

/** Parse and check a summary.json's text; the message names every field that is wrong. */
export function parseSummary(text: string, where: string): Summary {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new Error(`${where}: not JSON (${(error as Error).message})`, { cause: error });
  }
  return checkSummary(value, where);
}

/** Check an already parsed summary (a baseline read by Aggregate, a download). */
export function checkSummary(value: unknown, where: string): Summary {
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw new Error(`${where}: expected a JSON object`);
  const { format, sweepId } = value as { format?: unknown; sweepId?: unknown };
  if (format !== SUMMARY_FORMAT) throw new SummaryFormatError(where, format, typeof sweepId === "string" ? sweepId : undefined);
  const checked = checkDocument(summarySchema, value);
  if (!checked.ok) throw new Error(`${where}: ${checked.problem}`);
  return checked.value;
}
