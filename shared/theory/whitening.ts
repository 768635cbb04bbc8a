// Whitening of the data for THEORY.md "Data matrix" (X != I): S = X X^T, S^{-1/2} from the
// project's one SVD (S is symmetric positive definite, so its SVD is its eigendecomposition and
// no second eigen-solver is needed), and Pm = S^{-1/2} X with orthonormal rows.
import { UsageError } from "../errors.js";
import { type Matrix, zeros } from "../numerics/matrix.js";
import { svd } from "../numerics/svd.js";
import { multiply, multiplyTransposeRight } from "./dense.js";

/** X X^T counts as singular when its condition number exceeds this (cond(X) above 1e6). */
export const gramConditionLimit = 1e12;

export interface Whitening {
  /** S = X X^T (d x d). */
  gram: Matrix;
  /** S^{-1/2} (d x d, symmetric). */
  inverseSqrtGram: Matrix;
  /** Pm = S^{-1/2} X (d x N), Pm Pm^T = I. */
  whitenedInputs: Matrix;
}

export function whiten(inputs: Matrix): Whitening {
  const { rows: d, cols: n } = inputs;
  if (d === 0) throw new UsageError("inputs: X has no rows; expected d >= 1 rows of N samples");
  if (d > n)
    throw new UsageError(
      `inputs: X X^T is singular (X has ${d} rows but only ${n} columns); the data mode needs X with full row rank, so at least as many samples as features`,
    );
  const gram = multiplyTransposeRight(inputs, inputs);
  const { values, V } = svd(gram, { vectors: true });
  const largest = values[0]!;
  const smallest = values[d - 1]!;
  if (!(largest > 0) || !(smallest > largest / gramConditionLimit))
    throw new UsageError(
      `inputs: X X^T is singular or nearly so (eigenvalues ${largest.toExponential(3)} .. ${smallest.toExponential(3)}, condition limit ${gramConditionLimit}); X needs full row rank`,
    );
  // S^{-1/2} = Q diag(1/sqrt(s)) Q^T with Q the right singular vectors of S.
  const q = V!;
  const scaled = zeros(d, d);
  for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) scaled.data[i * d + j] = q.data[i * d + j]! / Math.sqrt(values[j]!);
  const inverseSqrtGram = multiplyTransposeRight(scaled, q);
  return { gram, inverseSqrtGram, whitenedInputs: multiply(inverseSqrtGram, inputs) };
}
