// The automatic step size of linear cells (`optimiser.learningRate: auto`, THEORY.md "Step size
// and stopping rule"): the inverse of a bound on the curvature of one SGD step's loss near the
// weights training goes to,
//   L = (4 omega + 2) sigma_1(Y) beta / sigma_1(X),   learningRate = 1 / L,
// where omega = max_i E[z_i] / theta^2 (1 / theta for every family whose mean is theta 1),
// beta = min(sigma_1(X)^2 / B, max_j ||x_j||^2) bounds ||X_B||^2 / B over minibatches of B
// samples, and X = I (sigma_1(X) = 1, beta = 1 / B) in factorisation. The bound holds near
// weights of the optimum's scale, so training starts below it (initialWeights.ts). Measured on a
// grid of every family, keep probabilities 0.3-0.9 and sizes up to 100 (docs/BENCHMARKS.md
// "Stopping rule"): stable at 1 / L and 2 / L on every cell, diverging from 4 / L on for most
// factorisation cells.
// Should a run diverge anyway, the restarts at half the step (stopping.ts) catch it. Bounds from
// ||Y X^+|| and from the initial weights were measured and not adopted (THEORY.md).
import { singularValues } from "../numerics/svd.js";
import type { Matrix } from "../numerics/matrix.js";
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
}

/** The curvature bound L of THEORY.md "Step size and stopping rule"; the automatic learning rate is 1 / L. */
export function curvatureBound(problem: StepSizeProblem): number {
  const { targets, inputs, mask, hiddenUnits, batchSize } = problem;
  const omega = maskSecondMoment(mask, hiddenUnits);
  const sigmaY = singularValues(targets)[0] ?? 0;
  let sigmaX = 1;
  let beta = 1 / batchSize;
  if (inputs) {
    sigmaX = singularValues(inputs)[0] ?? 0;
    let column = 0;
    for (let j = 0; j < inputs.cols; j++) {
      let sum = 0;
      for (let i = 0; i < inputs.rows; i++) sum += inputs.data[i * inputs.cols + j]! * inputs.data[i * inputs.cols + j]!;
      column = Math.max(column, sum);
    }
    beta = Math.min((sigmaX * sigmaX) / batchSize, column);
  }
  return sigmaX > 0 ? ((4 * omega + 2) * sigmaY * beta) / sigmaX : 0;
}

/** 1 / L, or 1 when L is 0 (zero targets or data: any step leaves the weights where the objective is flat). */
export function automaticLearningRate(problem: StepSizeProblem): number {
  const bound = curvatureBound(problem);
  return bound > 0 ? 1 / bound : 1;
}
