// Closed-form global minimum of the deterministic DropBlock objective (THEORY.md, "Induced
// regulariser and closed-form global minimum" and "Data matrix"):
//   min_A ||Y - A||_F^2 + mu ||A||_(k)^2,  mu = lambda / b = lambda k / r,
// solved by the prox of the squared k-support norm on the singular values. Dropout is k = 1.
import { UsageError } from "../errors.js";
import { dropoutLambda, maskProblemText } from "../masks.js";
import { type Matrix, zeros } from "../numerics/matrix.js";
import { svd } from "../numerics/svd.js";
import { multiply, multiplyTransposeRight, subtract, squaredNorm } from "./dense.js";
import { kSupportNorm } from "./kSupportNorm.js";
import { squaredKSupportProx } from "./squaredKSupportProx.js";
import { whiten } from "./whitening.js";

export interface ClosedFormProblem {
  /** Y, m x N. */
  targets: Matrix;
  /** X, d x N; null or absent for matrix factorisation (X = I, d = N). */
  inputs?: Matrix | null;
  /** r = b k. */
  hiddenUnits: number;
  /** k (1 for dropout and dropconnect). */
  blockSize: number;
  /** theta in (0, 1]. */
  keepProbability: number;
}

export interface ClosedForm {
  hiddenUnits: number;
  blockSize: number;
  keepProbability: number;
  /** b = r / k. */
  blocks: number;
  /** lambda = (1 - theta) / theta. */
  lambda: number;
  /** mu = lambda / b. */
  mu: number;
  /** sigma: singular values of the effective target (Y, or Y Pm^T in data mode), descending. */
  targetSpectrum: Float64Array;
  /**
   * w = prox(sigma), descending, length min(m, d): the spectrum of A* (factorisation) and of
   * the fitted predictions B* S^{-1/2} X (data mode, since Pm has orthonormal rows).
   */
  spectrum: Float64Array;
  /** The prox's variational weights a_i in [0, 1]. */
  weights: Float64Array;
  /** The learned product U V^T at the optimum: A* (m x n) or B* S^{-1/2} (m x d). */
  product: Matrix;
  /** Minimum of the deterministic objective (with ||Y (I - Pm^T Pm)||^2 in data mode). */
  objective: number;
  /** The data-mode constant ||Y (I - Pm^T Pm)||_F^2 (0 in factorisation mode). */
  unexplained: number;
  /** rho = rank(A*). */
  rank: number;
  /** t, the k-support index of w. */
  kSupportIndex: number;
  /** ||A*||_(k) (of B* in data mode). */
  kSupportNorm: number;
  /** ceil((rho - (k-t-1)) / (t+1)), at least 1 when rho > 0 (dropout: rho). */
  blocksNeeded: number;
  /** b >= blocksNeeded: necessary for r units to attain the closed form, not proven sufficient. */
  representable: boolean;
  /**
   * ||A*||_(k) / b: the norm of every block product at a balanced optimum, ||U_g V_g^T||_F in
   * factorisation mode, ||U_g V_g^T X||_F = ||U_g W_g||_F in data mode.
   */
  balanceTarget: number;
  /** Singular vectors of the effective target: P (m x p) and Q (d x p), p = min(m, d). */
  leftVectors: Matrix;
  rightVectors: Matrix;
  /** S^{-1/2} in data mode, null in factorisation mode. */
  inverseSqrtGram: Matrix | null;
}

/**
 * Validates r, k, theta as the partitioned DropBlock mask they describe (the one mask schema of
 * shared/masks.ts; messages name the field and what is allowed).
 */
export function checkCell(hiddenUnits: number, blockSize: number, keepProbability: number): void {
  const problems = maskProblemText({ family: "dropblock", keepProbability, blockSize }, hiddenUnits, { at: [] });
  if (problems) throw new UsageError(problems);
}

export function closedForm(problem: ClosedFormProblem): ClosedForm {
  const { targets, hiddenUnits, blockSize, keepProbability } = problem;
  const inputs = problem.inputs ?? null;
  checkCell(hiddenUnits, blockSize, keepProbability);
  checkFinite(targets, "targets");
  if (inputs) {
    checkFinite(inputs, "inputs");
    if (inputs.cols !== targets.cols)
      throw new UsageError(`inputs: X has ${inputs.cols} columns (samples) but Y has ${targets.cols}; they must be equal`);
  }
  const blocks = hiddenUnits / blockSize;
  const lambda = dropoutLambda(keepProbability);
  const mu = lambda / blocks;

  // Data mode reduces to factorisation of Y Pm^T; the rest of Y is out of reach of any U V^T X.
  const whitening = inputs ? whiten(inputs) : null;
  const effective = whitening ? multiplyTransposeRight(targets, whitening.whitenedInputs) : targets;
  const unexplained = whitening ? squaredNorm(subtract(targets, multiply(effective, whitening.whitenedInputs))) : 0;

  const { rows: m, cols: d } = effective;
  const { values: sigma, U: left, V: right } = svd(effective, { vectors: true });
  const p = sigma.length;
  // Numerical rank: singular values at rounding level are zeros of the exact target. In data
  // mode the level is that of Y itself (||Y||_F), not of Y Pm^T: a target orthogonal to the
  // data's rows leaves an effective target of pure rounding, whose "largest" value would
  // otherwise count as rank 1 (A* = 0 needs no blocks: blocksNeeded 0).
  const scale = whitening ? Math.max(sigma[0] ?? 0, Math.sqrt(squaredNorm(targets))) : (sigma[0] ?? 0);
  const tolerance = scale * Math.max(m, d, targets.cols) * Number.EPSILON;
  const cleaned = Float64Array.from(sigma, (x) => (x > tolerance ? x : 0));
  const prox = squaredKSupportProx(cleaned, blockSize, mu);
  const w = prox.values;

  let residual = 0;
  for (let i = 0; i < p; i++) residual += (sigma[i]! - w[i]!) * (sigma[i]! - w[i]!);
  const norm = kSupportNorm(w, blockSize);
  const objective = residual + mu * norm.normSquared + unexplained;

  let rank = 0;
  for (const x of w) if (x > 0) rank++;
  const t = norm.index;
  const blocksNeeded = rank === 0 ? 0 : Math.max(1, Math.ceil((rank - (blockSize - t - 1)) / (t + 1)));

  // A* = P diag(w) Q^T, over the rank-rho part only (zero singular values may lack vectors).
  const a = zeros(m, d);
  for (let c = 0; c < rank; c++) {
    const wc = w[c]!;
    for (let i = 0; i < m; i++) {
      const pi = left!.data[i * p + c]! * wc;
      if (pi === 0) continue;
      for (let j = 0; j < d; j++) a.data[i * d + j]! += pi * right!.data[j * p + c]!;
    }
  }
  const product = whitening ? multiply(a, whitening.inverseSqrtGram) : a;

  return {
    hiddenUnits,
    blockSize,
    keepProbability,
    blocks,
    lambda,
    mu,
    targetSpectrum: sigma,
    spectrum: w,
    weights: prox.weights,
    product,
    objective,
    unexplained,
    rank,
    kSupportIndex: t,
    kSupportNorm: norm.norm,
    blocksNeeded,
    representable: blocks >= blocksNeeded,
    balanceTarget: norm.norm / blocks,
    leftVectors: left!,
    rightVectors: right!,
    inverseSqrtGram: whitening ? whitening.inverseSqrtGram : null,
  };
}

function checkFinite(m: Matrix, field: string): void {
  if (m.rows === 0 || m.cols === 0) throw new UsageError(`${field}: the matrix is empty; expected at least one row and one column`);
  for (let i = 0; i < m.data.length; i++)
    if (!Number.isFinite(m.data[i]!))
      throw new UsageError(`${field}: entry (${Math.floor(i / m.cols)}, ${i % m.cols}) is not a finite number`);
}
