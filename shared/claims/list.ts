// The claims table (THEORY.md "Claims the pipeline checks"): one module per claim, in THEORY.md's
// order. Aggregate evaluates every one on a sweep's evidence (each is always listed: "skipped",
// with the reason, when no cell bears on it); the report shows them in this order, with their
// plots.
//   1 deterministicEqualsStochastic.ts   Monte Carlo mean of L_z = E_z L_z
//   2 dropconnectEqualsDropout.ts        DropConnect's regulariser = Dropout's (where predicted)
//   3 convergence.ts                     SGD reaches the closed-form minimum
//   4 balance.ts                         block products equalise
//   5 lowRank.ts                         learned rank = rank(A*)
//   6 deepSpectrum.ts                    deep networks' output spectra
//   7 partitionedVsContiguous.ts         the analysed DropBlock against the original
import { balance, tolerances as balanceTolerances } from "./balance.js";
import type { Claim } from "./claim.js";
import { convergence, tolerances as convergenceTolerances } from "./convergence.js";
import { deepSpectrum, tolerances as deepTolerances } from "./deepSpectrum.js";
import { deterministicEqualsStochastic, tolerances as monteCarloTolerances } from "./deterministicEqualsStochastic.js";
import { dropconnectEqualsDropout, tolerances as dropconnectTolerances } from "./dropconnectEqualsDropout.js";
import type { CellEvidence } from "./evidence.js";
import { lowRank, tolerances as rankTolerances } from "./lowRank.js";
import { partitionedVsContiguous, tolerances as schemeTolerances } from "./partitionedVsContiguous.js";
import { claimIds, type ClaimId, type ClaimResult } from "./result.js";

/** Every claim by its id: the Record makes a claim id without a module fail to compile. */
const byId: Record<ClaimId, Claim> = {
  "1": deterministicEqualsStochastic,
  "2": dropconnectEqualsDropout,
  "3": convergence,
  "4": balance,
  "5": lowRank,
  "6": deepSpectrum,
  "7": partitionedVsContiguous,
};

export const claims: readonly Claim[] = claimIds.map((id) => byId[id]);

export function claimById(id: ClaimId): Claim {
  return byId[id];
}

export function evaluateClaims(evidence: readonly CellEvidence[]): ClaimResult[] {
  return claims.map((claim) => claim.evaluate(evidence));
}

/** Every claim's tolerances by name (each claim module holds its own, with the reason in its justification). */
export const tolerances = {
  ...monteCarloTolerances,
  ...dropconnectTolerances,
  ...convergenceTolerances,
  ...balanceTolerances,
  ...rankTolerances,
  ...deepTolerances,
  ...schemeTolerances,
} as const;
