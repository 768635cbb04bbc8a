// Comparison of a sweep's summary with a baseline sweep's: the Regressions section of the
// report, the exit code of `dropsweep report --baseline` and the scheduled cloud run's check.
// Listed: every claim whose status changed (either way: the baseline no longer describes the
// code, so a person must look), every claim whose measured value moved by more than the
// claim's tolerance, and every cell (matched by hash, else by parameters) whose status,
// ranks or representability changed or whose metrics moved by more than the tolerance of
// the claim check that reads them. Determinism makes a rerun of the same spec bit-identical, so
// anything listed is a real change; a learned rank claim 5 accepts either way (a closed-form
// singular value within the resolution of its threshold) is not compared.
import { tolerances as balanceTolerances } from "../claims/balance.js";
import { tolerances as convergenceTolerances } from "../claims/convergence.js";
import type { ClaimId, ClaimResult } from "../claims/result.js";
import { claimStatusInfo } from "../claims/status.js";
import type { Regression, Summary, SummaryRow } from "../results/summary.js";
import { canonicalJson } from "../spec/canonical.js";

type Quantity = number | string | boolean | null | undefined;

/**
 * How far each per-cell metric may move before it is listed: the tolerance of the claim's check
 * that reads it (THEORY.md "Claims the pipeline checks"), not the claim's headline tolerance
 * (claim 3's objective gap, 2e-3, is not the spectrum error's, 0.05). A balance ratio of 1 is
 * perfect; claim 4 allows an excess of its tolerance minus 1, which bounds the move.
 */
const metricTolerances = {
  objectiveGap: { claim: "3", tolerance: convergenceTolerances.objectiveGap },
  spectrumError: { claim: "3", tolerance: convergenceTolerances.spectrumError },
  balanceRatio: { claim: "4", tolerance: balanceTolerances.balanceRatio - 1 },
} as const satisfies Record<string, { claim: ClaimId; tolerance: number }>;
/** Integer or boolean fields: any change counts. */
const exactFields = ["learnedRank", "closedFormRank", "representable", "status"] as const;

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
  const baselineByHash = new Map(baselineSummary.rows.map((r) => [r.hash, r]));
  const baselineByParameters = new Map(baselineSummary.rows.map((r) => [parametersKey(r), r]));
  for (const row of summary.rows) {
    const before = baselineByHash.get(row.hash) ?? baselineByParameters.get(parametersKey(row));
    if (!before) continue;
    for (const field of exactFields) {
      const a = before[field] ?? null;
      const b = row[field] ?? null;
      if (field === "learnedRank" && (unresolved.has(row.hash) || unresolved.has(before.hash))) continue;
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
    for (const [metric, { claim: claimId, tolerance }] of Object.entries(metricTolerances) as [
      keyof typeof metricTolerances,
      (typeof metricTolerances)[keyof typeof metricTolerances],
    ][]) {
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
