// The claims table (THEORY.md "Claims the pipeline checks"): one function per claim, each
// reading the evidence of the cells that bear on it. Every claim is always listed; with no
// cell bearing on it, it is "skipped" with the reason. Experiments supply evidence through
// named metrics (the names shared/report/cells.ts also reads):
//   metrics.monteCarlo = { mean, standardError, deterministic }   claims 1, 2
//   metrics.regularisers = { dropout, dropconnect }               claim 2 (dropconnect cells)
//   objectiveGap, spectrumError, representable                    claim 3
//   balanceRatio                                                  claim 4
//   learnedRank, closedFormRank                                   claim 5
//   spectrumError of "deep" cells                                 claim 6
//   finalObjective, objectiveCheckpoints, spectra.learned         claim 7 (twin cells)
// Noop cells carry none of these, so they bear on no claim.
//
// A claim may rest on several checks (claim 3: objective gap AND spectrum error); `measured`
// and `tolerance` are its first check's, `checks` lists them all, and the claim passes when
// every check does. Each tolerance's reasoning, with the measurements behind it, is in
// `justifications` (and copied into every ClaimResult, so summary.json carries it).
import * as vega from "vega";
import type { CellMetrics, CellResult } from "../results/result.js";
import type { Cell, LinearCell } from "../spec/cell.js";
import { canonicalJson } from "../spec/canonical.js";
import { RANK_RESOLUTION, RANK_THRESHOLD, rankAbove } from "../experiments/rank.js";
import { counted } from "../text.js";
import { pow } from "../numerics/libm.js";

export interface CellEvidence {
  hash: string;
  cell: Cell;
  status: "ok" | "diverged";
  metrics: CellMetrics;
  /** The result's spectra (claim 7 compares the learned ones of twin cells). */
  spectra?: CellResult["spectra"];
}

export type ClaimId = "1" | "2" | "3" | "4" | "5" | "6" | "7";

/** One test a claim rests on: `measured` must be <= (or >=) `tolerance`. */
export interface ClaimCheck {
  name: string;
  measured: number;
  relation: "<=" | ">=";
  tolerance: number;
  /** How many cells (or twin pairs) the check read. */
  cells: number;
  pass: boolean;
  /** A measurement shown against the tolerance but not part of the verdict. */
  reported?: true;
}

export interface ClaimResult {
  /** The claim's number in THEORY.md, "1" to "7". */
  id: ClaimId;
  title: string;
  status: "pass" | "fail" | "skipped";
  /** The first check's measurement and tolerance. */
  measured: number | null;
  tolerance: number | null;
  /** How many cells bear on the claim. */
  cells: number;
  /** Every check, the first one being `measured` / `tolerance`. */
  checks?: ClaimCheck[];
  /** Why the claim is skipped, or what else a reader must know (measured values of this sweep). */
  reason?: string;
  /** Why the tolerances are what they are, from measurement: `justifications[id]`. */
  justification: string;
  /**
   * Hashes of the cells that bear on the claim, the worst first (largest measurement against
   * its tolerance; diverged cells and mismatches first), so the report's first links are the
   * cells a reader should look at. Absent when the claim is skipped.
   */
  hashes?: string[];
  /**
   * Claim 5's verdict per cell (absent for other claims and when it is skipped): the hashes it
   * counts as mismatches (their number is its first check's measurement), and those it accepts
   * either way because a closed-form singular value lies within the resolution of the
   * threshold. The report's rank column marks cells from these lists, never from `hashes` order.
   */
  mismatched?: string[];
  unresolved?: string[];
}

/**
 * Tolerances. Each is justified in `justifications` from noise floors measured across seeds
 * (docs/BENCHMARKS.md "Paper sweep" has the run they come from). Never loosen one without a
 * measured reason.
 */
export const tolerances = {
  /** Claim 1: familywise false-alarm rate of the Monte Carlo tests (split over two tests). */
  monteCarloFamilywiseError: 0.01,
  /** Claim 2: relative difference of the two regularisers where the theory says they are equal. */
  dropconnectRelative: 1e-9,
  /** Claim 2: smallest relative difference where the theory says they differ. */
  dropconnectDifference: 1e-6,
  /** Claim 3: relative objective gap to the closed-form minimum. */
  objectiveGap: 2e-3,
  /** Claim 3: ||sigma(learned) - w|| / ||w||. */
  spectrumError: 5e-2,
  /** Claim 4: max_g / min_g of the block-product norms. */
  balanceRatio: 1.25,
  /** Claim 5: cells whose learned rank differs from rank(A*). */
  rankMismatches: 0,
  /** Claim 5: singular values above this fraction of sigma_1(Y) count towards a rank (the rows' learned rank too). */
  rankThreshold: RANK_THRESHOLD,
  /** Claim 5: closed-form singular values within this (times sigma_1) of the threshold are unresolved. */
  rankResolution: RANK_RESOLUTION,
  /** Claim 6: deep-network spectrum error. */
  deepSpectrumError: 0.05,
  /** Claim 7: relative difference of twin cells' final objectives, learned spectra and curves. */
  partitionedVsContiguous: 0.05,
} as const;

const percent = (fraction: number) => `${Number((fraction * 100).toPrecision(3))}%`;

// Measured numbers below come from the calibration run of sweeps/paper.yaml's linear sections
// with seeds 10-12 (363 cells; the paper sweep itself uses seeds 0-2), and docs/DEEP.md.
export const justifications: Record<ClaimId, string> = {
  "1":
    "Each cell gives z = (Monte Carlo mean − deterministic objective) / standard error, about standard normal if the identity holds; each cell draws its own masks (substream from the cell's hash), so the z's are independent. " +
    "A fixed 3-SE band would fail by chance in 1 − 0.9973ⁿ of sweeps (n = 363 cells: 63%), so two tests share a 1% familywise false-alarm rate: Bonferroni on max |z| (threshold Φ⁻¹(1 − 0.005/(2n)), 4.1 at n = 363) catches one cell far off; " +
    "the chi-square test of Σz² on n degrees of freedom (at 0.5%, Wilson–Hilferty) catches a small bias shared by every cell. " +
    "The z's are Student-like (standard error from the same M = 2000 draws of a skewed loss); at that M the tail at the threshold is at most about twice the normal one, so the real rate stays below 2%.",
  "2":
    "Where the theory says the regularisers are equal, both are closed forms at the same weights: measured max relative difference 4e-16 (calibration, 60 cells) and 2.5e-15 (paper run, 60 cells), rounding only; the tolerance 1e-9 leaves six orders of margin. " +
    "Where it says they differ (first layer, X Xᵀ not diagonal), the difference λ Σᵢ ‖uᵢ‖² vᵢᵀ(diag S − S)vᵢ changes sign between cells, so at trained weights it is not bounded away from zero: measured 0.18% to 52% (paper run, 12 cells; 3.7% to 110% in calibration). " +
    "The floor 1e-6 separates a real difference from rounding by nine orders and sits three orders below the smallest measured one. " +
    "Whether 2000 sampled DropConnect masks reject Dropout's objective is reported, not gated: they do in 10 of 12 paper cells (|z| up to 27); the two others differ by 0.18% and 0.28%, below the Monte Carlo resolution (standard error about 1% of the regulariser).",
  "3":
    "On cells strictly above the representability bound, SGD with sampled masks (full batch, cosine to zero) left a relative objective gap of at most 9.2e-4 over 131 calibration cells and a spectrum error of at most 0.022; " +
    "the tolerances 2e-3 and 0.05 are about twice those worst cases. The spectrum error follows from the gap: f(A) − f* ≥ ‖A − A*‖², so ‖σ − w‖/‖w‖ ≤ √(gap · f*)/‖w‖. " +
    "Cells exactly at the bound are not claimed: deterministic gradient descent without mask noise stays 1.8e-3 above the closed form on one of them (the bound is necessary, not sufficient), and SGD left gaps up to 3.5e-3 on them.",
  "4":
    "Rebalancing blocks at a fixed product changes the regulariser only quadratically in the imbalance, so balance is the slowest thing SGD settles: measured max/min block norms up to 1.17 (regression, θ = 0.8, where λ = 0.25 makes that direction flattest) at objective gaps below 1e-4, over 131 calibration cells. " +
    "The tolerance 1.25 is that worst case plus half its excess.",
  "5":
    "Ranks are integers and must match, but a numerical rank needs a threshold above SGD's residue: learned singular values where A* has none reached 0.86% of σ₁ (calibration, 131 cells) and 1.15% (paper run, 135 cells), " +
    `so ranks are counted above ${percent(RANK_THRESHOLD)} of σ₁, in the rows' learned rank as in this claim (one definition, shared/experiments/rank.ts). ` +
    `A closed-form singular value within ${percent(RANK_RESOLUTION)} of σ₁ of that threshold cannot be resolved either way and is accepted in or out: per-value errors near it are of that size (paper run: a w of 1.27% of σ₁ learned at 0.82%). ` +
    "Every other one must be matched (no extra directions, none missing).",
  "6":
    "docs/DEEP.md: spectrum errors 0.011–0.028 over 13 cells at N = 1000, r = 40, θ = 0.5 (training noise: finite epochs, sampled masks); " +
    "0.05 is about twice the worst and 5–10 times below the errors of a wrong prediction (no shrinkage: 0.25; Dropout's closed form in place of DropBlock's on imbalanced classes: 0.13).",
  "7":
    "A measurement, not an identity: contiguous windows overlap, so the theory's closed form does not apply to them. The verdict asks whether the analysed scheme's final objective stands in for the original's within 5%: measured at most 1.0% over 126 linear twin pairs (calibration), 3.1% over 132 linear and deep pairs (paper run; the largest are deep, k = 10, imbalanced classes), 0.4–2.2% in docs/DEEP.md. " +
    "Learned spectra and objective curves (at epochs 1, 2, 4, ... and the last) are reported against the same 5%, not gated: twins' spectra differ by up to 10% where both shrink hard (θ = 0.3, k = 4), and curves by up to 18% at epochs 16-32 (different mask noise on the way down), while their final objectives agree.",
};

type Claim = (evidence: readonly CellEvidence[]) => ClaimResult;

const titles: Record<ClaimId, string> = {
  "1": "Deterministic = stochastic",
  "2": "DropConnect = Dropout",
  "3": "Convergence to the closed form",
  "4": "Balanced blocks",
  "5": "Low rank",
  "6": "Deep networks",
  "7": "Partitioned vs contiguous DropBlock",
};

function skipped(id: ClaimId, reason: string): ClaimResult {
  return { id, title: titles[id], status: "skipped", measured: null, tolerance: null, cells: 0, reason, justification: justifications[id] };
}

function check(name: string, measured: number, relation: "<=" | ">=", tolerance: number, cells: number): ClaimCheck {
  return { name, measured, relation, tolerance, cells, pass: relation === "<=" ? measured <= tolerance : measured >= tolerance };
}

/** Cells in decreasing badness (ties in evidence order): the hashes a claim lists. */
function worstFirst(items: readonly { hash: string; badness: number }[]): string[] {
  const key = (badness: number) => (Number.isNaN(badness) ? Number.POSITIVE_INFINITY : badness);
  return items
    .map((item, index) => ({ hash: item.hash, badness: key(item.badness), index }))
    .sort((a, b) => (a.badness === b.badness ? a.index - b.index : a.badness > b.badness ? -1 : 1))
    .map((item) => item.hash);
}

/** A claim's verdict from its checks (the first one is the headline), failing outright if `failure` says why. */
function verdict(id: ClaimId, cells: number, checks: ClaimCheck[], notes: string[], hashes: string[], failure?: string): ClaimResult {
  const [first] = checks;
  const pass = !failure && checks.every((c) => c.pass || c.reported);
  const reason = [failure, ...notes].filter(Boolean).join("; ");
  return {
    id,
    title: titles[id],
    status: pass ? "pass" : "fail",
    measured: first ? first.measured : null,
    tolerance: first ? first.tolerance : null,
    cells,
    checks,
    ...(reason ? { reason } : {}),
    justification: justifications[id],
    hashes,
  };
}

const finite = (v: unknown): v is number => typeof v === "number" && Number.isFinite(v);
const isLinear = (cell: Cell): cell is LinearCell => cell.experiment === "linear-factorisation" || cell.experiment === "linear-regression";
const short = (x: number) => (x === 0 ? "0" : Math.abs(x) >= 1e-3 && Math.abs(x) < 1e4 ? String(Number(x.toPrecision(3))) : x.toExponential(2));

// --- statistics -------------------------------------------------------------------------

// vega (a dependency, for the report) re-exports vega-statistics' normal distribution at run
// time (Hart's double-precision CDF, Giles' erfinv for the quantile); its typings omit them.
const { cumulativeNormal, quantileNormal } = vega as unknown as {
  cumulativeNormal: (x: number) => number;
  quantileNormal: (p: number) => number;
};

/** P(|N(0,1)| > z), without cancellation in the tail. */
export function twoSidedNormalTail(z: number): number {
  return 2 * cumulativeNormal(-Math.abs(z));
}

/** The |z| that n independent standard normals all stay below with probability >= 1 - alpha (Bonferroni). */
export function bonferroniThreshold(n: number, alpha: number): number {
  return quantileNormal(1 - alpha / (2 * Math.max(1, n)));
}

/** Upper quantile of chi-square with `dof` degrees of freedom (Wilson–Hilferty: tail probabilities within 1e-3 for dof >= 20). */
export function chiSquareQuantile(dof: number, upperTail: number): number {
  const z = quantileNormal(1 - upperTail);
  const c = 2 / (9 * dof);
  const w = 1 - c + z * Math.sqrt(c);
  return dof * w * w * w;
}

/** P(chi-square(dof) > x) by Wilson–Hilferty. */
export function chiSquareTail(dof: number, x: number): number {
  const c = 2 / (9 * dof);
  return cumulativeNormal(-((pow(x / dof, 1 / 3) - (1 - c)) / Math.sqrt(c))); // wasm libm: host-independent bits
}

interface MonteCarlo {
  mean: number;
  standardError: number;
  deterministic: number;
}

function monteCarloOf(metrics: CellMetrics): MonteCarlo | undefined {
  const mc = metrics.monteCarlo as Partial<MonteCarlo> | undefined;
  if (!mc || !finite(mc.mean) || !finite(mc.standardError) || !finite(mc.deterministic) || mc.standardError <= 0) return undefined;
  return mc as MonteCarlo;
}

// --- the claims ---------------------------------------------------------------------------

/**
 * Claim 1: the Monte Carlo mean of L_z equals the deterministic objective, in every cell and
 * every family, tested at a familywise error of tolerances.monteCarloFamilywiseError.
 */
export const deterministicEqualsStochastic: Claim = (evidence) => {
  const zs: number[] = [];
  const families = new Set<string>();
  const bearing: { hash: string; badness: number }[] = [];
  let degenerate = 0;
  for (const e of evidence) {
    const mc = e.metrics.monteCarlo as Partial<MonteCarlo> | undefined;
    if (!mc || !finite(mc.mean) || !finite(mc.deterministic) || !finite(mc.standardError)) continue;
    if (mc.standardError <= 0) {
      // No spread at all (theta = 1, or zero weights): the mean must then be exact.
      const exact = Math.abs(mc.mean - mc.deterministic) <= 1e-12 * Math.max(1, Math.abs(mc.deterministic));
      if (!exact) degenerate++;
      bearing.push({ hash: e.hash, badness: exact ? 0 : Number.POSITIVE_INFINITY });
      continue;
    }
    const z = (mc.mean - mc.deterministic) / mc.standardError;
    zs.push(z);
    bearing.push({ hash: e.hash, badness: Math.abs(z) });
    families.add((e.cell as { mask?: { family?: string } }).mask?.family ?? "?");
  }
  if (!zs.length) return skipped("1", "no cell carries a Monte Carlo estimate");
  const n = zs.length;
  const alpha = tolerances.monteCarloFamilywiseError / 2;
  const maxAbs = Math.max(...zs.map(Math.abs));
  const sumSquares = zs.reduce((s, z) => s + z * z, 0);
  const checks = [
    check("max |z| (Bonferroni)", maxAbs, "<=", bonferroniThreshold(n, alpha), n),
    check("Σz² / n (chi-square)", sumSquares / n, "<=", chiSquareQuantile(n, alpha) / n, n),
  ];
  const notes = [
    `${counted(n, "cell")} (${[...families].sort().join(", ")})`,
    `max |z| ${short(maxAbs)}, familywise p ${short(Math.min(1, n * twoSidedNormalTail(maxAbs)))}`,
    `Σz² ${short(sumSquares)} on ${n} dof, p ${short(chiSquareTail(n, sumSquares))}`,
  ];
  return verdict("1", n, checks, notes, worstFirst(bearing), degenerate ? `${counted(degenerate, "cell with zero Monte Carlo spread differs", "cells with zero Monte Carlo spread differ")} from the deterministic objective` : undefined);
};

/** THEORY.md: DropConnect's regulariser is Dropout's on the last layer, and on the first iff X X^T is diagonal. */
export function dropconnectPredictedEqual(cell: LinearCell): boolean {
  if (cell.mask.family !== "dropconnect") return false;
  return cell.mask.layer === "last" || cell.experiment === "linear-factorisation" || cell.data.generator === "orthogonal";
}

/** Claim 2: equality where the theory predicts it, a real difference where it predicts one. */
export const dropconnectEqualsDropout: Claim = (evidence) => {
  const equal: number[] = [];
  const different: { relative: number; z?: number }[] = [];
  // Badness against the check's tolerance: a difference where none is predicted, or a small one where one is.
  const bearing: { hash: string; badness: number }[] = [];
  for (const e of evidence) {
    if (!isLinear(e.cell) || e.cell.mask.family !== "dropconnect") continue;
    const reg = e.metrics.regularisers as { dropout?: unknown; dropconnect?: unknown } | undefined;
    if (!reg || !finite(reg.dropout) || !finite(reg.dropconnect)) continue;
    const relative = Math.abs(reg.dropconnect - reg.dropout) / Math.max(Math.abs(reg.dropout), Number.MIN_VALUE);
    if (dropconnectPredictedEqual(e.cell)) {
      equal.push(relative);
      bearing.push({ hash: e.hash, badness: relative / tolerances.dropconnectRelative });
      continue;
    }
    bearing.push({ hash: e.hash, badness: tolerances.dropconnectDifference / relative });
    // The sampled DropConnect loss against Dropout's objective at the same weights.
    const mc = monteCarloOf(e.metrics);
    const fit = finite(e.metrics.finalObjective) ? e.metrics.finalObjective - reg.dropconnect : undefined;
    const z = mc && fit !== undefined ? Math.abs(mc.mean - (fit + reg.dropout)) / mc.standardError : undefined;
    different.push({ relative, ...(z !== undefined ? { z } : {}) });
  }
  if (!equal.length && !different.length) return skipped("2", "no DropConnect cell carries both regularisers");
  const checks: ClaimCheck[] = [];
  const notes: string[] = [];
  if (equal.length) checks.push(check("equal where predicted: max relative difference", Math.max(...equal), "<=", tolerances.dropconnectRelative, equal.length));
  else notes.push("no cell where the theory predicts equality (last layer, or first layer with X Xᵀ diagonal)");
  if (different.length) {
    const relatives = different.map((d) => d.relative);
    checks.push(check("different where predicted: min relative difference", Math.min(...relatives), ">=", tolerances.dropconnectDifference, different.length));
    const zs = different.map((d) => d.z).filter(finite);
    if (zs.length) {
      // Whether M mask draws resolve the difference in the sampled loss depends on its size at
      // the trained weights (it changes sign between cells): reported, not gated.
      const threshold = bonferroniThreshold(zs.length, tolerances.monteCarloFamilywiseError / 2);
      checks.push({ ...check("different where predicted: min |z| of sampled DropConnect vs Dropout's objective", Math.min(...zs), ">=", threshold, zs.length), reported: true });
      notes.push(`the sampled DropConnect loss rejects Dropout's objective in ${zs.filter((z) => z >= threshold).length} of ${zs.length} of them (|z| up to ${short(Math.max(...zs))})`);
    }
    notes.push(`${counted(different.length, "first-layer cell")} with X Xᵀ not diagonal: relative difference ${short(Math.min(...relatives))} to ${short(Math.max(...relatives))}`);
  } else notes.push("no cell where the theory predicts a difference (first layer, X Xᵀ not diagonal): the 'only if' is untested");
  return verdict("2", equal.length + different.length, checks, notes, worstFirst(bearing));
};

/**
 * Where a representable linear cell sits against THEORY.md's bound b >= blocksNeeded: "above"
 * (b > blocksNeeded) or "at" it. The bound is necessary, not sufficient: deterministic gradient
 * descent (no mask noise) stays 1.8e-3 above the closed form on a 12 x 10 Gaussian target with
 * r = 8, k = 4, b = 2 = blocksNeeded (and THEORY.md records a 2e-5 case), while every cell
 * strictly above the bound we ran reached it to 1e-15. So claims 3-5 are stated on cells
 * strictly above the bound; cells at it are reported. Results without the two counts: "above".
 */
function representability(e: CellEvidence): "above" | "at" | "no" {
  if (!isLinear(e.cell) || e.metrics.representable !== true) return "no";
  const { blocks, blocksNeeded } = e.metrics;
  return finite(blocks) && finite(blocksNeeded) && blocks <= blocksNeeded ? "at" : "above";
}

/** Cells on which claims 3-5 are stated: linear, closed form known, strictly above the bound. */
function representable(evidence: readonly CellEvidence[]): CellEvidence[] {
  return evidence.filter((e) => representability(e) === "above");
}

function range(values: readonly number[]): string {
  return values.length ? `${short(Math.min(...values))} to ${short(Math.max(...values))}` : "none";
}

/** Claim 3: SGD with sampled masks reaches the closed-form minimum (gap and spectrum), on representable cells. */
export const convergence: Claim = (evidence) => {
  const candidates = representable(evidence);
  const cells = candidates.filter((e) => e.status === "ok" && finite(e.metrics.objectiveGap));
  const diverged = candidates.filter((e) => e.status === "diverged").length;
  if (!cells.length && !diverged) return skipped("3", "no linear cell strictly above the representability bound with an objective gap");
  const gaps = cells.map((e) => e.metrics.objectiveGap as number);
  const spectra = cells.map((e) => e.metrics.spectrumError).filter(finite);
  const checks = [check("max relative objective gap", Math.max(0, ...gaps), "<=", tolerances.objectiveGap, cells.length)];
  if (spectra.length) checks.push(check("max spectrum error", Math.max(...spectra), "<=", tolerances.spectrumError, spectra.length));
  const gapsOf = (kind: "at" | "no") =>
    evidence.filter((e) => isLinear(e.cell) && e.status === "ok" && representability(e) === kind && finite(e.metrics.objectiveGap)).map((e) => e.metrics.objectiveGap as number);
  const atBound = gapsOf("at");
  const others = evidence.filter((e) => isLinear(e.cell) && e.status === "ok" && e.metrics.representable === false && finite(e.metrics.objectiveGap));
  const notes = [
    `gap ${range(gaps)} on ${counted(cells.length, "cell")} strictly above the representability bound`,
    ...(atBound.length ? [`not claimed: ${counted(atBound.length, "cell")} exactly at the bound, gap ${range(atBound)}`] : []),
    others.length
      ? `not claimed: ${counted(others.length, "non-representable cell")}, gap ${range(others.map((e) => e.metrics.objectiveGap as number))}`
      : "no non-representable cell in this sweep",
  ];
  const bearing = candidates
    .filter((e) => e.status === "diverged" || cells.includes(e))
    .map((e) => ({
      hash: e.hash,
      badness:
        e.status === "diverged"
          ? Number.POSITIVE_INFINITY
          : Math.max((e.metrics.objectiveGap as number) / tolerances.objectiveGap, finite(e.metrics.spectrumError) ? e.metrics.spectrumError / tolerances.spectrumError : 0),
    }));
  return verdict("3", cells.length + diverged, checks, notes, worstFirst(bearing), diverged ? `${counted(diverged, "representable cell")} diverged` : undefined);
};

/** Claim 4: block-product norms equalise at convergence. */
export const balance: Claim = (evidence) => {
  const cells = representable(evidence).filter((e) => e.status === "ok" && finite(e.metrics.balanceRatio));
  if (!cells.length) return skipped("4", "no linear cell strictly above the representability bound with a balance ratio");
  const ratios = cells.map((e) => e.metrics.balanceRatio as number);
  const hashes = worstFirst(cells.map((e, i) => ({ hash: e.hash, badness: ratios[i]! })));
  return verdict("4", cells.length, [check("max block-norm ratio", Math.max(...ratios), "<=", tolerances.balanceRatio, cells.length)], [`ratio ${range(ratios)}`], hashes);
};

/** Claim 5: the learned rank equals rank(A*). */
export const lowRank: Claim = (evidence) => {
  const cells = representable(evidence).filter((e) => e.status === "ok" && finite(e.metrics.learnedRank) && finite(e.metrics.closedFormRank));
  if (!cells.length) return skipped("5", "no linear cell strictly above the representability bound with both ranks");
  // From the spectra: the learned rank at tolerances.rankThreshold (of sigma_1; the rows'
  // learnedRank counts the same way, shared/experiments/rank.ts) must count every closed-form
  // singular value above threshold + resolution and none below threshold - resolution; one
  // inside that band may go either way. Without spectra: the metrics' ranks.
  const { rankThreshold: tau, rankResolution: delta } = tolerances;
  const consistent = (e: CellEvidence): "match" | "unresolved" | "mismatch" => {
    const { learned, closedForm, target } = e.spectra ?? {};
    const s1 = target?.[0];
    if (!learned || !closedForm || !finite(s1)) {
      const reference = finite(e.metrics.closedFormRankAtThreshold) ? e.metrics.closedFormRankAtThreshold : e.metrics.closedFormRank;
      return e.metrics.learnedRank === reference ? "match" : "mismatch";
    }
    const rank = rankAbove(learned, s1, tau);
    const low = rankAbove(closedForm, s1, tau + delta);
    const high = rankAbove(closedForm, s1, tau - delta);
    if (rank < low || rank > high) return "mismatch";
    return low !== high ? "unresolved" : "match";
  };
  const verdicts = cells.map(consistent);
  const withVerdict = (wanted: "mismatch" | "unresolved") => cells.filter((_, i) => verdicts[i] === wanted).map((e) => e.hash);
  const mismatched = withVerdict("mismatch");
  const unresolved = withVerdict("unresolved");
  const badness = { mismatch: 2, unresolved: 1, match: 0 } as const;
  const hashes = worstFirst(cells.map((e, i) => ({ hash: e.hash, badness: badness[verdicts[i]!] })));
  const ranks = [...new Set(cells.map((e) => e.metrics.closedFormRank as number))].sort((a, b) => a - b);
  const result = verdict("5", cells.length, [check("cells with learned rank ≠ rank(A*)", mismatched.length, "<=", tolerances.rankMismatches, cells.length)], [
    `rank(A*) in {${ranks.join(", ")}}; ranks counted above ${percent(tau)} of σ₁`,
    ...(unresolved.length ? [`${counted(unresolved.length, "cell has", "cells have")} a closed-form singular value within ${percent(delta)} of σ₁ of that threshold (either count accepted)`] : []),
  ], hashes);
  return { ...result, mismatched, unresolved };
};

/** Claim 6: a deep network's output spectrum approaches the closed form (dropout and partitioned DropBlock cells). */
export const deepSpectrum: Claim = (evidence) => {
  const deep = evidence.filter((e) => e.cell.experiment === "deep" && e.cell.mask.family !== "contiguous-dropblock");
  const cells = deep.filter((e) => e.status === "ok" && finite(e.metrics.spectrumError));
  const diverged = deep.filter((e) => e.status === "diverged").length;
  if (!cells.length && !diverged)
    return skipped("6", evidence.some((e) => e.cell.experiment === "deep") ? "no deep-network cells with dropout or partitioned DropBlock in this sweep" : "no deep-network cells in this sweep");
  const errors = cells.map((e) => e.metrics.spectrumError as number);
  const gaps = cells.map((e) => e.metrics.objectiveGap).filter(finite);
  const notes = [`spectrum error ${range(errors)} on ${counted(cells.length, "cell")}`, `objective gap ${range(gaps)} (reported, not claimed)`];
  const hashes = worstFirst(deep.filter((e) => e.status === "diverged" || cells.includes(e)).map((e) => ({ hash: e.hash, badness: e.status === "diverged" ? Number.POSITIVE_INFINITY : (e.metrics.spectrumError as number) })));
  return verdict(
    "6",
    cells.length + diverged,
    [check("max spectrum error", Math.max(0, ...errors), "<=", tolerances.deepSpectrumError, cells.length)],
    notes,
    hashes,
    diverged ? `${counted(diverged, "deep cell")} diverged` : undefined,
  );
};

/** ||a - b|| / ||b|| over the longer of the two (missing entries are zeros). */
function relativeDistance(a: readonly number[], b: readonly number[]): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    num += d * d;
    den += (b[i] ?? 0) * (b[i] ?? 0);
  }
  return den > 0 ? Math.sqrt(num / den) : Math.sqrt(num);
}

function checkpointsOf(metrics: CellMetrics): Map<number, number> | undefined {
  const c = metrics.objectiveCheckpoints as { epoch?: unknown; value?: unknown } | undefined;
  if (!c || !Array.isArray(c.epoch) || !Array.isArray(c.value) || c.epoch.length !== c.value.length) return undefined;
  const out = new Map<number, number>();
  c.epoch.forEach((e, i) => {
    if (finite(e) && finite(c.value && (c.value as unknown[])[i])) out.set(e, (c.value as number[])[i]!);
  });
  return out;
}

/** Claim 7: partitioned vs contiguous DropBlock, twin cells paired by everything but the family. */
export const partitionedVsContiguous: Claim = (evidence) => {
  const partitioned = new Map<string, CellEvidence>();
  const contiguous: { key: string; e: CellEvidence }[] = [];
  for (const e of evidence) {
    const cell = e.cell as { mask?: { family?: string } };
    const family = cell.mask?.family;
    if ((family !== "dropblock" && family !== "contiguous-dropblock") || e.status !== "ok" || !finite(e.metrics.finalObjective)) continue;
    const key = canonicalJson({ ...cell, mask: { ...cell.mask, family: "*" } });
    if (family === "dropblock") partitioned.set(key, e);
    else contiguous.push({ key, e });
  }
  const objective: number[] = [];
  const spectrum: number[] = [];
  const curve: number[] = [];
  const kinds = new Set<string>();
  const pairs: [string, string][] = [];
  for (const { key, e } of contiguous) {
    const twin = partitioned.get(key);
    if (!twin) continue;
    kinds.add(e.cell.experiment);
    const reference = twin.metrics.finalObjective as number;
    objective.push(Math.abs((e.metrics.finalObjective as number) - reference) / Math.max(Math.abs(reference), Number.MIN_VALUE));
    pairs.push([e.hash, twin.hash]);
    if (e.spectra?.learned && twin.spectra?.learned) spectrum.push(relativeDistance(e.spectra.learned, twin.spectra.learned));
    const a = checkpointsOf(e.metrics);
    const b = checkpointsOf(twin.metrics);
    if (a && b) {
      let worst: number | undefined;
      for (const [epoch, value] of b) {
        const other = a.get(epoch);
        if (other === undefined) continue;
        const d = Math.abs(other - value) / Math.max(Math.abs(value), Number.MIN_VALUE);
        worst = Math.max(worst ?? 0, d);
      }
      if (worst !== undefined) curve.push(worst);
    }
  }
  if (!objective.length) return skipped("7", "no pair of partitioned and contiguous DropBlock cells with final objectives");
  const tol = tolerances.partitionedVsContiguous;
  // The verdict is on the final objectives (is the analysed scheme's minimum a stand-in for the
  // original's?); spectra and curves are measured and reported against the same 5%, not gated:
  // THEORY.md asks how far apart they are, and they are measurably apart in places (see the
  // justification).
  const checks = [check("max relative difference of final objectives", Math.max(...objective), "<=", tol, objective.length)];
  const reported: ClaimCheck[] = [];
  if (spectrum.length) reported.push({ ...check("max relative difference of learned spectra", Math.max(...spectrum), "<=", tol, spectrum.length), reported: true });
  if (curve.length)
    reported.push({ ...check("max relative difference of objective curves (epochs 1, 2, 4, ...)", Math.max(...curve), "<=", tol, curve.length), reported: true });
  const beyond = (values: number[]) => values.filter((v) => v > tol).length;
  const notes = [
    `${counted(objective.length, "twin pair")} (${[...kinds].sort().join(", ")})`,
    `objectives ${range(objective)}, spectra ${range(spectrum)}, curves ${range(curve)}`,
    ...(beyond(spectrum) || beyond(curve) ? [`beyond ${tol * 100}% (reported, not gated): spectra in ${counted(beyond(spectrum), "pair")}, curves in ${counted(beyond(curve), "pair")}`] : []),
  ];
  // Both cells of a pair, contiguous then partitioned, the pairs by their objectives' difference.
  const order = worstFirst(pairs.map((_, i) => ({ hash: String(i), badness: objective[i]! })));
  const hashes = order.flatMap((i) => pairs[Number(i)]!);
  return verdict("7", objective.length * 2, [...checks, ...reported], notes, hashes);
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
