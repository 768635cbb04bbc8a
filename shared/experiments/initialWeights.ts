// The initial weights of linear cells (THEORY.md "Step size and stopping rule"): Gaussian U_0
// (m x r) and V_0 (d x r) from the cell's seed, scaled together so that
//   sigma_1(U_0) sigma_1(V_0) = INITIAL_SCALE sigma_1(Y) / sigma_1(X),
// a small fraction of the weights' scale at the optimum that the automatic step size assumes
// (||U||^2, ||V||^2 <= sigma_1(Y) / sigma_1(X)). A fixed entry scale started some cells far
// beyond it (regression with 40 features and targets with sigma_1(Y) = 1: U_0 V_0^T X about 19
// times Y), where the first steps saw 10-20x the curvature 1 / L is meant for and diverged.
// The product U_0 V_0^T X is then at most INITIAL_SCALE sigma_1(Y): training starts near the
// origin, on every problem's own scale.
import { type Matrix } from "../numerics/matrix.js";
import { gaussianMatrix, Stream } from "../numerics/rng.js";
import { singularValues } from "../numerics/svd.js";

/** sigma_1(U_0) sigma_1(V_0) as a fraction of sigma_1(Y) / sigma_1(X). */
export const INITIAL_SCALE = 0.05;

/** U_0 and V_0 for targets Y (m x N), data X (d x N; null for factorisation, X = I) and r hidden units. */
export function initialWeights(targets: Matrix, inputs: Matrix | null, hiddenUnits: number, seed: number): { U: Matrix; V: Matrix } {
  const d = inputs ? inputs.rows : targets.cols;
  const U = gaussianMatrix(targets.rows, hiddenUnits, seed, Stream.init, 0);
  const V = gaussianMatrix(d, hiddenUnits, seed, Stream.init, 1);
  const sigmaY = singularValues(targets)[0] ?? 0;
  const sigmaX = inputs ? (singularValues(inputs)[0] ?? 0) : 1;
  const spread = (singularValues(U)[0] ?? 0) * (singularValues(V)[0] ?? 0) * sigmaX;
  // Zero targets (or data) leave zero weights: the optimum, where every gradient vanishes.
  const scale = spread > 0 ? Math.sqrt((INITIAL_SCALE * sigmaY) / spread) : 0;
  for (const m of [U, V]) for (let i = 0; i < m.data.length; i++) m.data[i]! *= scale;
  return { U, V };
}
