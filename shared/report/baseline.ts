// Comparison of a sweep's summary with a baseline sweep's: the Regressions section of the
// report, the exit code of `dropsweep report --baseline` and the scheduled cloud run's check.
// Listed: every claim whose status changed (either way: the baseline no longer describes the
// code, so a person must look), every claim whose measured value moved by more than the
// claim's tolerance, and every cell (matched by hash, else by parameters) whose status,
// ranks or representability changed or whose metrics moved by more than the tolerance of
// the claim check that reads them. Determinism makes a rerun of the same spec bit-identical, so
// anything listed is a real change. A metric no claim reads on that cell (the learned rank of a
// cell without a closed form, a deep cell's gap) and a learned rank claim 5 accepts either way
// (a closed-form singular value within the resolution of its threshold) are not compared.
import { tolerances as balanceTolerances } from "../claims/balance.js";
import { tolerances as convergenceTolerances } from "../claims/convergence.js";
import { tolerances as deepSpectrumTolerances } from "../claims/deepSpectrum.js";
import type { ClaimId, ClaimResult } from "../claims/result.js";
import { claimStatusInfo } from "../claims/status.js";
import type { Regression, Summary, SummaryRow } from "../results/summary.js";
import { canonicalJson } from "../spec/canonical.js";

type Quantity = number | string | boolean | null | undefined;

/**
 * The per-cell metrics a claim reads, and how far each may move before it is listed: the
 * tolerance of the claim's check that reads it (THEORY.md "Claims the pipeline checks"), not the
 * claim's headline tolerance (claim 3's objective gap, 4e-3, is not the spectrum error's, 0.05).
 * A balance ratio of 1 is perfect; claim 4 allows an excess of its tolerance minus 1, which
 * bounds the move. A metric is compared on the cells the claim reads (judges or reports), in
 * either sweep: a deep cell's spectrum error is claim 6's, and no claim reads its gap.
 */
const metricChecks = [
  { metric: "objectiveGap", claim: "3", tolerance: convergenceTolerances.objectiveGap },
  { metric: "spectrumError", claim: "3", tolerance: convergenceTolerances.spectrumError },
  { metric: "spectrumError", claim: "6", tolerance: deepSpectrumTolerances.deepSpectrumError },
  { metric: "balanceRatio", claim: "4", tolerance: balanceTolerances.balanceRatio - 1 },
] as const satisfies readonly { metric: keyof SummaryRow; claim: ClaimId; tolerance: number }[];
/** Integer or boolean fields: any change counts (the learned rank where claim 5 reads it). */
const exactFields = ["learnedRank", "closedFormRank", "representable", "status"] as const;

/** The cells claim `id` of `summary` reads: those it judges and those it reports beside its verdict. */
function cellsRead(summary: Summary, id: ClaimId): Set<string> {
  const claim = summary.claims.find((c) => c.id === id);
  return new Set([...(claim?.hashes ?? []), ...(claim?.roles ?? []).flatMap((r) => r.hashes)]);
}

/**
 * A row's status as the comparison sees it: computed and cached are the same outcome (a result,
 * whichever run computed it), so a rerun that finds every cell cached changes nothing.
 */
function outcome(status: SummaryRow["status"]): string {
  return status === "computed" || status === "cached" ? "ok" : status;
}

function asNumber(value: Quantity): number | undefined {
  return typeof value === "number" && Number.isFinite(value) ? value : undefined;
}

function plain(value: unknown): number | string | boolean | null {
  return typeof value === "number" || typeof value === "string" || typeof value === "boolean" ? value : null;
}

export function compareWithBaseline(summary: Summary, baselineSummary: Summary): Regression[] {
  const regressions: Regression[] = [];
  const baselineClaims = new Map(baselineSummary.claims.map((c) => [c.id, c]));
  const currentClaims = new Map(summary.claims.map((c) => [c.id, c]));
  const ids = [...new Set([...baselineClaims.keys(), ...currentClaims.keys()])].sort((a, b) => a.localeCompare(b, "en", { numeric: true }));

  for (const id of ids) {
    const before = baselineClaims.get(id);
    const after = currentClaims.get(id);
    if (!before || !after) {
      regressions.push({
        kind: "claim-status",
        direction: after ? "changed" : "worse",
        claim: id,
        baseline: before?.status ?? null,
        current: after?.status ?? null,
        message: `claim ${id}: ${before ? "missing from this sweep" : "not in the baseline"}`,
      });
      continue;
    }
    if (before.status !== after.status) {
      const delta = claimStatusInfo[after.status].rank - claimStatusInfo[before.status].rank;
      regressions.push({
        kind: "claim-status",
        direction: delta < 0 ? "worse" : "better",
        claim: id,
        baseline: before.status,
        current: after.status,
        message: `claim ${id} (${after.title}): ${before.status} → ${after.status}`,
      });
    }
    const moved = movedBeyond(before.measured, after.measured, toleranceOf(after));
    if (moved)
      regressions.push({
        kind: "claim-measured",
        direction: "changed",
        claim: id,
        baseline: plain(before.measured),
        current: plain(after.measured),
        tolerance: moved.tolerance,
        message: `claim ${id}: measured ${fmt(before.measured)} → ${fmt(after.measured)}, moved by ${fmt(moved.delta)} > tolerance ${fmt(moved.tolerance)}`,
      });
  }

  // Claim 5 accepts either learned rank where a closed-form singular value lies within the
  // resolution of its threshold (the kernel's last bits decide): a change there is not listed.
  const unresolved = new Set([...(currentClaims.get("5")?.unresolved ?? []), ...(baselineClaims.get("5")?.unresolved ?? [])]);
  const reads = (id: ClaimId) => ({ current: cellsRead(summary, id), baseline: cellsRead(baselineSummary, id) });
  const readers = new Map<ClaimId, ReturnType<typeof reads>>((["3", "4", "5", "6"] as const).map((id) => [id, reads(id)]));
  const readBy = (id: ClaimId, row: SummaryRow, before: SummaryRow) => {
    const r = readers.get(id)!;
    return r.current.has(row.hash) || r.baseline.has(before.hash);
  };
  const baselineByHash = new Map(baselineSummary.rows.map((r) => [r.hash, r]));
  const baselineByParameters = new Map(baselineSummary.rows.map((r) => [parametersKey(r), r]));
  for (const row of summary.rows) {
    const before = baselineByHash.get(row.hash) ?? baselineByParameters.get(parametersKey(row));
    if (!before) continue;
    for (const field of exactFields) {
      const a = before[field] ?? null;
      const b = row[field] ?? null;
      // A learned rank no claim reads (no closed form) or that claim 5 accepts either way is not compared.
      if (field === "learnedRank" && (!readBy("5", row, before) || unresolved.has(row.hash) || unresolved.has(before.hash))) continue;
      const same = field === "status" ? outcome(before.status) === outcome(row.status) : a === b;
      if (!same)
        regressions.push({
          kind: field === "status" ? "cell-status" : "cell-metric",
          direction:
            field === "status"
              ? outcome(row.status) === "ok"
                ? "better"
                : outcome(before.status) === "ok"
                  ? "worse"
                  : "changed"
              : "changed",
          hash: row.hash,
          metric: field,
          baseline: plain(a),
          current: plain(b),
          message: `cell ${row.hash.slice(0, 12)}: ${field} ${fmt(a)} → ${fmt(b)}`,
        });
    }
    for (const { metric, claim: claimId, tolerance } of metricChecks) {
      if (!readBy(claimId, row, before)) continue;
      const moved = movedBeyond(before[metric], row[metric], tolerance);
      if (moved)
        regressions.push({
          kind: "cell-metric",
          direction: "changed",
          hash: row.hash,
          metric,
          baseline: plain(before[metric]),
          current: plain(row[metric]),
          tolerance: moved.tolerance,
          message: `cell ${row.hash.slice(0, 12)}: ${metric} ${fmt(before[metric])} → ${fmt(row[metric])}, moved by more than claim ${claimId} allows (${fmt(moved.tolerance)})`,
        });
    }
  }
  return regressions;
}

/** Cells present in only one of the two sweeps: reported beside the regressions, not as one. */
export function unmatchedCells(summary: Summary, baselineSummary: Summary): { onlyCurrent: number; onlyBaseline: number } {
  const matchedBaseline = new Set<SummaryRow>();
  const byHash = new Map(baselineSummary.rows.map((r) => [r.hash, r]));
  const byParameters = new Map(baselineSummary.rows.map((r) => [parametersKey(r), r]));
  let onlyCurrent = 0;
  for (const row of summary.rows) {
    const before = byHash.get(row.hash) ?? byParameters.get(parametersKey(row));
    if (before) matchedBaseline.add(before);
    else onlyCurrent++;
  }
  return { onlyCurrent, onlyBaseline: baselineSummary.rows.length - matchedBaseline.size };
}

function toleranceOf(claim: ClaimResult): number | undefined {
  return asNumber(claim.tolerance);
}

/** A numeric move larger than the tolerance, or a change between a number and no number. */
function movedBeyond(before: Quantity, after: Quantity, tolerance: number | undefined): { delta: number; tolerance: number } | undefined {
  const a = asNumber(before);
  const b = asNumber(after);
  if (tolerance === undefined) return undefined;
  if (a === undefined && b === undefined) return undefined;
  if (a === undefined || b === undefined) return { delta: Number.POSITIVE_INFINITY, tolerance };
  const delta = Math.abs(b - a);
  return delta > tolerance ? { delta, tolerance } : undefined;
}

function parametersKey(row: SummaryRow): string {
  try {
    return canonicalJson(row.parameters);
  } catch {
    return `hash:${row.hash}`;
  }
}

function fmt(value: unknown): string {
  if (typeof value === "number") return Number.isFinite(value) ? Number(value.toPrecision(4)).toString() : "∞";
  if (value === null || value === undefined) return "—";
  return String(value);
}
