// The parts of summary.json the report reads (fields fixed by the pipeline: sweepId, cells,
// claims, rows) and the fields the report adds. Structural on purpose: the report accepts
// any summary that has these fields and keeps every other field it finds when it rewrites
// the file.

export type ClaimId = "1" | "2" | "3" | "4" | "5" | "6" | "7";
export const claimIds: readonly ClaimId[] = ["1", "2", "3", "4", "5", "6", "7"];

export type ClaimStatus = "pass" | "fail" | "skipped";

/** A measured value or a tolerance as the pipeline writes it: a number, or text for composite ones. */
export type Quantity = number | string | null | undefined;

/** One test a claim rests on (shared/pipeline/claims.ts ClaimCheck). */
export interface SummaryCheck {
  name: string;
  measured: number;
  relation: "<=" | ">=";
  tolerance: number;
  cells: number;
  pass: boolean;
  /** Shown against the tolerance, not part of the verdict. */
  reported?: boolean;
}

export interface SummaryClaim {
  id: string;
  title: string;
  status: ClaimStatus;
  measured: Quantity;
  tolerance: Quantity;
  /** The cells the claim was evaluated on: their hashes, or only how many. */
  cells: number | readonly string[];
  /** Hashes of the cells behind the claim, the worst first, when the pipeline lists them beside a count. */
  hashes?: readonly string[];
  /** Why the claim is skipped, or what else a reader must know. */
  reason?: string;
  /** Every check the verdict rests on (the first is measured / tolerance), and the reported ones. */
  checks?: readonly SummaryCheck[];
  /** Why the tolerances are what they are (the pipeline's `justifications`, copied per claim). */
  justification?: string;
  /** Claim 5's verdicts per cell: the hashes it counts as mismatches (summaries written before it recorded them lack both lists). */
  mismatched?: readonly string[];
  /** Claim 5: the hashes it accepts either way, a closed-form singular value lying within the resolution of its threshold. */
  unresolved?: readonly string[];
}

export interface SummaryRow {
  hash: string;
  parameters: Record<string, unknown>;
  objectiveGap?: number | null;
  spectrumError?: number | null;
  balanceRatio?: number | null;
  learnedRank?: number | null;
  closedFormRank?: number | null;
  /** rank(A*) counted above claim 5's threshold (summaries written before it carried this have only the exact rank). */
  closedFormRankAtThreshold?: number | null;
  representable?: boolean | null;
  /** computed, cached, diverged (a result exists); failed, missing, corrupt (none usable). */
  status: string;
  /** A diverged row: where Aggregate counted it in `cells` (summaries written before it recorded this lack it). */
  countedAs?: "computed" | "cached";
  /** Why there is no usable result. */
  error?: string;
}

export interface SummaryLike {
  sweepId: string;
  cells: { total: number; computed: number; cached: number; failed: number };
  claims: readonly SummaryClaim[];
  rows: readonly SummaryRow[];
}

export function claimCellCount(claim: SummaryClaim): number {
  return typeof claim.cells === "number" ? claim.cells : claim.cells.length;
}

export function claimCellHashes(claim: SummaryClaim): readonly string[] {
  return claim.hashes ?? (typeof claim.cells === "number" ? [] : claim.cells);
}

/** Row statuses with a usable result ("ok" as a result's own status, for summaries that copy it). */
export function rowHasResult(row: SummaryRow): boolean {
  return row.status === "computed" || row.status === "cached" || row.status === "diverged" || row.status === "ok";
}

/**
 * The header's buckets counted from `rows` as the report shows them: a row's status says its
 * bucket (no usable result: failed), and a diverged row counts where Aggregate counted it. For
 * diverged rows without `countedAs` (older summaries), Aggregate's `counted` buckets say how many
 * of them it counted as computed, the rest as cached; when some of those have since gone corrupt,
 * which ones cannot be told, so they leave cached first.
 */
export function countCells(rows: readonly SummaryRow[], counted: SummaryLike["cells"], rowsCounted: readonly SummaryRow[]): SummaryLike["cells"] {
  const bucket = (row: SummaryRow): "computed" | "cached" | "failed" | "diverged" => {
    if (row.status === "computed" || row.status === "ok") return "computed";
    if (row.status === "cached") return "cached";
    if (row.status === "diverged") return row.countedAs === "computed" || row.countedAs === "cached" ? row.countedAs : "diverged";
    return "failed";
  };
  const tally = (list: readonly SummaryRow[]) => {
    const n = { computed: 0, cached: 0, failed: 0, diverged: 0 };
    for (const row of list) n[bucket(row)]++;
    return n;
  };
  const now = tally(rows);
  // Diverged rows without countedAs that Aggregate counted as computed.
  const unlabelledComputed = Math.max(0, counted.computed - tally(rowsCounted).computed);
  const asComputed = Math.min(unlabelledComputed, now.diverged);
  return { total: rows.length, computed: now.computed + asComputed, cached: now.cached + now.diverged - asComputed, failed: now.failed };
}

/** Parse and check the fields the report relies on; the message names the field that is wrong. */
export function parseSummary(text: string, where: string): SummaryLike {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new Error(`${where}: not JSON (${(error as Error).message})`, { cause: error });
  }
  return checkSummary(value, where);
}

/** Check an already parsed summary (a baseline handed over by Aggregate). */
export function checkSummary(value: unknown, where: string): SummaryLike {
  const problems: string[] = [];
  const object = value as Partial<SummaryLike> | null;
  if (typeof object !== "object" || object === null) throw new Error(`${where}: expected a JSON object`);
  if (typeof object.sweepId !== "string") problems.push("sweepId must be a string");
  const cells = object.cells as Partial<SummaryLike["cells"]> | undefined;
  for (const field of ["total", "computed", "cached", "failed"] as const)
    if (typeof cells?.[field] !== "number") problems.push(`cells.${field} must be a number`);
  if (!Array.isArray(object.claims)) problems.push("claims must be an array");
  else
    object.claims.forEach((claim: Partial<SummaryClaim>, i) => {
      if (typeof claim?.id !== "string") problems.push(`claims[${i}].id must be a string`);
      if (!["pass", "fail", "skipped"].includes(claim?.status as string))
        problems.push(`claims[${i}].status must be pass, fail or skipped`);
      if (typeof claim?.cells !== "number" && !Array.isArray(claim?.cells))
        problems.push(`claims[${i}].cells must be a count or a list of hashes`);
      if (claim?.hashes !== undefined && !(Array.isArray(claim.hashes) && claim.hashes.every((h) => typeof h === "string")))
        problems.push(`claims[${i}].hashes must be a list of hashes`);
      for (const field of ["mismatched", "unresolved"] as const)
        if (claim?.[field] !== undefined && !(Array.isArray(claim[field]) && claim[field].every((h) => typeof h === "string")))
          problems.push(`claims[${i}].${field} must be a list of hashes`);
      if (claim?.justification !== undefined && typeof claim.justification !== "string") problems.push(`claims[${i}].justification must be text`);
      if (claim?.checks !== undefined) {
        if (!Array.isArray(claim.checks)) problems.push(`claims[${i}].checks must be a list`);
        else
          claim.checks.forEach((check: Partial<SummaryCheck>, j) => {
            if (typeof check?.name !== "string" || typeof check.pass !== "boolean" || (check.relation !== "<=" && check.relation !== ">="))
              problems.push(`claims[${i}].checks[${j}] needs a name, a relation (<= or >=) and pass`);
          });
      }
    });
  if (!Array.isArray(object.rows)) problems.push("rows must be an array");
  else
    object.rows.forEach((row: Partial<SummaryRow>, i) => {
      if (typeof row?.hash !== "string") problems.push(`rows[${i}].hash must be a string`);
    });
  if (problems.length > 0) throw new Error(`${where}: ${problems.join("; ")}`);
  return object as SummaryLike;
}
