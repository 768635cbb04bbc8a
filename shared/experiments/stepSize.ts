// The automatic step size of linear cells (`optimiser.learningRate: auto`, THEORY.md "Step size
// and stopping rule"): the inverse of a bound on the curvature of one SGD step's loss near the
// weights training goes to,
//   L = (4 omega + 2) sigma_1(Y X^+) beta,   learningRate = 1 / L,
// where omega = max_i E[z_i] / theta^2 (1 / theta for every family whose mean is theta 1),
// sigma_1(Y X^+) bounds ||U V^T|| at the weights training goes to (the least-squares solution's
// scale; the mask's regulariser only shrinks it), beta = min(sigma_1(X)^2 / B, max_j ||x_j||^2)
// bounds ||X_B||^2 / B over minibatches of B samples, and X = I (Y X^+ = Y, beta = 1 / B) in
// factorisation. Measured on a grid of every family, keep probabilities 0.3-0.9 and sizes up to
// 100 (docs/BENCHMARKS.md "Stopping rule").
import { singularValues, svd } from "../numerics/svd.js";
import { type Matrix, zeros } from "../numerics/matrix.js";
import type { MaskFamily } from "../masks.js";
import { maskMoments } from "../theory/index.js";

/** omega = max_i E[z_i^2] / theta^2 = max_i E[z_i] / theta^2 for 0/1 masks: the largest second moment of a scaled mask entry. */
export function maskSecondMoment(mask: MaskFamily, hiddenUnits: number): number {
  const theta = mask.keepProbability;
  if (mask.family !== "custom") return 1 / theta;
  let largest = 0;
  for (const m of maskMoments(mask, hiddenUnits).mean) largest = Math.max(largest, m);
  return largest / (theta * theta);
}

export interface StepSizeProblem {
  /** Y (m x N). */
  targets: Matrix;
  /** X (d x N), or null for factorisation (X = I). */
  inputs: Matrix | null;
  mask: MaskFamily;
  hiddenUnits: number;
  batchSize: number;
  /** The weights training starts from (U m x r, V d x r): the bound covers them too. */
  initialU: Matrix;
  initialV: Matrix;
}

/** The curvature bound L of THEORY.md "Step size and stopping rule"; the automatic learning rate is 1 / L. */
export function curvatureBound(problem: StepSizeProblem): number {
  const { targets, inputs, mask, hiddenUnits, batchSize } = problem;
  const omega = maskSecondMoment(mask, hiddenUnits);
  const u = singularValues(problem.initialU)[0] ?? 0;
  const v = singularValues(problem.initialV)[0] ?? 0;
  const initial = Math.max(u * u, v * v);
  if (!inputs) return (4 * omega + 2) * Math.max(singularValues(targets)[0] ?? 0, initial) * (1 / batchSize);
  const { scale, sigmaX } = leastSquaresScale(targets, inputs);
  let beta = 1 / batchSize;
  {
    let column = 0;
    for (let j = 0; j < inputs.cols; j++) {
      let sum = 0;
      for (let i = 0; i < inputs.rows; i++) sum += inputs.data[i * inputs.cols + j]! * inputs.data[i * inputs.cols + j]!;
      column = Math.max(column, sum);
    }
    beta = Math.min((sigmaX * sigmaX) / batchSize, column);
  }
  // Never below the bound from sigma_1(Y) / sigma_1(X) (the residual's share, and the rule measured stable before).
  return sigmaX > 0 ? (4 * omega + 2) * Math.max(scale, (singularValues(targets)[0] ?? 0) / sigmaX, initial) * beta : 0;
}

/**
 * sigma_1(Y X^+) (the scale of the least-squares solution W = Y X^+, THEORY.md "Step size and
 * stopping rule") and sigma_1(X). With X = P S Q^T (thin SVD), Y X^+ = (Y Q S^+) P^T and P has
 * orthonormal columns, so sigma_1(Y X^+) = sigma_1(Y Q S^+). Singular values of X below
 * max(d, N) * 2^-52 * sigma_1(X) count as zero (the pseudo-inverse's usual cut-off), so
 * rank-deficient data does not blow the bound up along directions it does not span.
 */
export function leastSquaresScale(targets: Matrix, inputs: Matrix): { scale: number; sigmaX: number } {
  const { values, V: Q } = svd(inputs);
  const sigmaX = values[0] ?? 0;
  if (!(sigmaX > 0)) return { scale: 0, sigmaX: 0 };
  const cutoff = Math.max(inputs.rows, inputs.cols) * 2.220446049250313e-16 * sigmaX;
  const p = values.length;
  const N = targets.cols;
  const solution = zeros(targets.rows, p);
  for (let a = 0; a < targets.rows; a++)
    for (let k = 0; k < p; k++) {
      const s = values[k]!;
      if (!(s > cutoff)) continue;
      let sum = 0;
      for (let j = 0; j < N; j++) sum += targets.data[a * N + j]! * Q!.data[j * p + k]!;
      solution.data[a * p + k] = sum / s;
    }
  return { scale: singularValues(solution)[0] ?? 0, sigmaX };
}

/** 1 / L, or 1 when L is 0 (zero targets or data: any step leaves the weights where the objective is flat). */
export function automaticLearningRate(problem: StepSizeProblem): number {
  const bound = curvatureBound(problem);
  return bound > 0 ? 1 / bound : 1;
}
