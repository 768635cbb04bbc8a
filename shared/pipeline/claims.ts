// The claims table (THEORY.md "Claims the pipeline checks"): one function per claim, each
// reading the evidence of the cells that bear on it. Every claim is always listed; with no
// cell bearing on it, it is "skipped" with the reason. Experiments supply evidence through
// named metrics (the names shared/report/cells.ts also reads):
//   metrics.monteCarlo = { mean, standardError, deterministic }   claim 1
//   metrics.regularisers = { dropout, dropconnect }               claim 2 (dropconnect cells)
//   objectiveGap, representable                                   claim 3
//   balanceRatio                                                  claim 4
//   learnedRank, closedFormRank                                   claim 5
//   spectrumError of "deep" cells                                 claim 6
//   metrics.finalObjective of dropblock / contiguous-dropblock    claim 7 (pairs)
// Noop cells carry none of these, so they bear on no claim.
import type { CellMetrics } from "../results/result.js";
import type { Cell, LinearCell } from "../spec/cell.js";
import { canonicalJson } from "../spec/canonical.js";

export interface CellEvidence {
  hash: string;
  cell: Cell;
  status: "ok" | "diverged";
  metrics: CellMetrics;
}

export interface ClaimResult {
  /** The claim's number in THEORY.md, "1" to "7". */
  id: string;
  title: string;
  status: "pass" | "fail" | "skipped";
  measured: number | null;
  tolerance: number | null;
  /** How many cells bear on the claim. */
  cells: number;
  /** Why the claim is skipped, or what else a reader must know. */
  reason?: string;
}

/**
 * Tolerances, with the reasoning the report prints (shared/report/claims.ts). Claim 1: a
 * 3-standard-error band on each Monte Carlo mean. Claim 2: both regularisers are exact
 * formulas, so only rounding separates them. Claims 3-5: above the SGD noise floor of the
 * sweeps' step sizes, far below the error of a wrong closed form. Claim 7: "practically
 * equivalent" schemes.
 */
export const tolerances = {
  monteCarloStandardErrors: 3,
  dropconnectRelative: 1e-9,
  objectiveGap: 1e-3,
  /** 1 + about 3 sqrt(objectiveGap): imbalance is first order in the gap's square root. */
  balanceRatio: 1.1,
  rankMismatches: 0,
  deepSpectrumError: 0.1,
  partitionedVsContiguous: 0.05,
} as const;

type Claim = (evidence: readonly CellEvidence[]) => ClaimResult;

function skipped(id: string, title: string, reason: string): ClaimResult {
  return { id, title, status: "skipped", measured: null, tolerance: null, cells: 0, reason };
}

function verdict(id: string, title: string, measured: number, tolerance: number, cells: number, reason?: string): ClaimResult {
  return { id, title, status: measured <= tolerance ? "pass" : "fail", measured, tolerance, cells, ...(reason ? { reason } : {}) };
}

const finite = (v: unknown): v is number => typeof v === "number" && Number.isFinite(v);
const isLinear = (cell: Cell): cell is LinearCell => cell.experiment === "linear-factorisation" || cell.experiment === "linear-regression";

/** Claim 1: the Monte Carlo mean of L_z equals the deterministic objective (within 3 SE). */
export const deterministicEqualsStochastic: Claim = (evidence) => {
  const title = "Deterministic = stochastic";
  let worst = 0;
  let count = 0;
  for (const e of evidence) {
    const mc = e.metrics.monteCarlo as { mean?: unknown; standardError?: unknown; deterministic?: unknown } | undefined;
    if (!mc || !finite(mc.mean) || !finite(mc.standardError) || !finite(mc.deterministic)) continue;
    const difference = Math.abs(mc.mean - mc.deterministic);
    const z = mc.standardError > 0 ? difference / mc.standardError : difference === 0 ? 0 : Number.MAX_VALUE;
    worst = Math.max(worst, z);
    count++;
  }
  if (!count) return skipped("1", title, "no cell carries a Monte Carlo estimate");
  return verdict("1", title, worst, tolerances.monteCarloStandardErrors, count);
};

/** Claim 2: DropConnect equals Dropout on the last layer, and on the first iff X X^T is diagonal. */
export const dropconnectEqualsDropout: Claim = (evidence) => {
  const title = "DropConnect = Dropout";
  let worst = 0;
  let count = 0;
  let counterExamples = 0;
  for (const e of evidence) {
    if (!isLinear(e.cell)) continue;
    const cell = e.cell;
    if (cell.mask.family !== "dropconnect") continue;
    const reg = e.metrics.regularisers as { dropout?: unknown; dropconnect?: unknown } | undefined;
    if (!reg || !finite(reg.dropout) || !finite(reg.dropconnect)) continue;
    // THEORY.md: equal on the last layer for any X; on the first iff X X^T is diagonal
    // (always when X = I; by construction for orthogonal data).
    const equal =
      cell.mask.layer === "last" || cell.experiment === "linear-factorisation" || (cell.experiment === "linear-regression" && cell.data.generator === "orthogonal");
    if (!equal) {
      counterExamples++;
      continue;
    }
    worst = Math.max(worst, Math.abs(reg.dropconnect - reg.dropout) / Math.max(Math.abs(reg.dropout), Number.MIN_VALUE));
    count++;
  }
  if (!count) return skipped("2", title, counterExamples ? "only cells where the theory predicts a difference" : "no DropConnect cell carries both regularisers");
  return verdict("2", title, worst, tolerances.dropconnectRelative, count, counterExamples ? `${counterExamples} cells with non-diagonal X Xᵀ shown as counter-examples` : undefined);
};

/** Cells on which claims 3-5 are stated: linear, closed form known, representable. */
function representable(evidence: readonly CellEvidence[]): CellEvidence[] {
  return evidence.filter((e) => isLinear(e.cell) && e.metrics.representable === true);
}

/** Claim 3: SGD with sampled DropBlock masks reaches the closed-form minimum. */
export const convergence: Claim = (evidence) => {
  const title = "Convergence to the closed form";
  const cells = representable(evidence).filter((e) => finite(e.metrics.objectiveGap));
  const diverged = representable(evidence).filter((e) => e.status === "diverged").length;
  if (!cells.length && !diverged) return skipped("3", title, "no representable linear cell with an objective gap");
  const worst = Math.max(0, ...cells.map((e) => e.metrics.objectiveGap as number));
  const result = verdict("3", title, worst, tolerances.objectiveGap, cells.length + diverged, diverged ? `${diverged} representable cells diverged` : undefined);
  return diverged ? { ...result, status: "fail" } : result;
};

/** Claim 4: block-product norms equalise at convergence. */
export const balance: Claim = (evidence) => {
  const title = "Balanced blocks";
  const cells = representable(evidence).filter((e) => finite(e.metrics.balanceRatio));
  if (!cells.length) return skipped("4", title, "no representable linear cell with a balance ratio");
  return verdict("4", title, Math.max(...cells.map((e) => e.metrics.balanceRatio as number)), tolerances.balanceRatio, cells.length);
};

/** Claim 5: the learned rank equals rank(A*). */
export const lowRank: Claim = (evidence) => {
  const title = "Low rank";
  const cells = representable(evidence).filter((e) => finite(e.metrics.learnedRank) && finite(e.metrics.closedFormRank));
  if (!cells.length) return skipped("5", title, "no representable linear cell with both ranks");
  const mismatches = cells.filter((e) => e.metrics.learnedRank !== e.metrics.closedFormRank).length;
  return verdict("5", title, mismatches, tolerances.rankMismatches, cells.length);
};

/** Claim 6: a deep network's output spectrum approaches the closed-form prediction. */
export const deepSpectrum: Claim = (evidence) => {
  const title = "Deep networks";
  const cells = evidence.filter((e) => (e.cell.experiment as string) === "deep" && finite(e.metrics.spectrumError));
  if (!cells.length) return skipped("6", title, "no deep-network cells in this sweep");
  return verdict("6", title, Math.max(...cells.map((e) => e.metrics.spectrumError as number)), tolerances.deepSpectrumError, cells.length);
};

/** Claim 7: partitioned vs contiguous DropBlock, cells paired by everything but the family. */
export const partitionedVsContiguous: Claim = (evidence) => {
  const title = "Partitioned vs contiguous DropBlock";
  const partitioned = new Map<string, number>();
  const contiguous: { key: string; value: number }[] = [];
  for (const e of evidence) {
    const cell = e.cell as { mask?: { family?: string } };
    const family = cell.mask?.family;
    const value = e.metrics.finalObjective;
    if ((family !== "dropblock" && family !== "contiguous-dropblock") || !finite(value)) continue;
    const key = canonicalJson({ ...cell, mask: { ...cell.mask, family: "*" } });
    if (family === "dropblock") partitioned.set(key, value);
    else contiguous.push({ key, value });
  }
  let worst = 0;
  let pairs = 0;
  for (const { key, value } of contiguous) {
    const reference = partitioned.get(key);
    if (reference === undefined) continue;
    worst = Math.max(worst, Math.abs(value - reference) / Math.max(Math.abs(reference), Number.MIN_VALUE));
    pairs++;
  }
  if (!pairs) return skipped("7", title, "no pair of partitioned and contiguous DropBlock cells with final objectives");
  return verdict("7", title, worst, tolerances.partitionedVsContiguous, pairs * 2);
};

export const claims: readonly Claim[] = [
  deterministicEqualsStochastic,
  dropconnectEqualsDropout,
  convergence,
  balance,
  lowRank,
  deepSpectrum,
  partitionedVsContiguous,
];

export function evaluateClaims(evidence: readonly CellEvidence[]): ClaimResult[] {
  return claims.map((claim) => claim(evidence));
}
