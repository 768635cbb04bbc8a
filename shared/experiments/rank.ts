// The one definition of a numerical rank (THEORY.md claim 5): how many singular values lie
// above a fraction of the target's largest, sigma_1(Y). Result rows (learnedRank) and claim 5
// (shared/claims/lowRank.ts) both count with it, so a row and the claim never disagree about a
// cell. No imports: Aggregate reads it without loading the training code.

/**
 * Singular values above this fraction of sigma_1(Y) count towards a rank. SGD leaves a residue
 * where A* has none: up to 0.86% of sigma_1 (calibration, 131 cells) and 1.15% (paper run, 135
 * cells); the threshold sits above it (justification of claim 5 in shared/claims/lowRank.ts).
 */
export const RANK_THRESHOLD = 0.02;

/**
 * A closed-form singular value within this (times sigma_1) of RANK_THRESHOLD cannot be told
 * from the learned one's error near the threshold: claim 5 accepts it counted in or out.
 */
export const RANK_RESOLUTION = 0.01;

/** Number of `values` above `fraction` * sigma1 (the learned rank of a row is this at RANK_THRESHOLD). */
export function rankAbove(values: ArrayLike<number>, sigma1: number, fraction: number = RANK_THRESHOLD): number {
  const level = fraction * sigma1;
  let count = 0;
  for (let i = 0; i < values.length; i++) if (values[i]! > level) count++;
  return count;
}
