// Measurements of the mean network (no mask) in f64: the deterministic objective of THEORY.md
// "Deep networks, dropout on the last layer", per-block norms (claim 4's balance, read on the
// last layer) and the output spectrum (claim 6). Sums over samples, as in the theory, so the
// numbers compare directly with the closed form's ||sigma - w||^2 + mu ||w||_(k)^2.
import { gemm } from "../numerics/gemm.js";
import type { Matrix } from "../numerics/matrix.js";
import { singularValues } from "../numerics/svd.js";
import type { MaskMoments } from "../theory/index.js";

export interface LastLayer {
  /** Phi^T: N x r features of the training set (rows are samples). */
  featuresT: Matrix;
  /** U^T: r x m output weights. */
  outputT: Matrix;
}

export interface ObjectiveTerms {
  /** ||Y - U diag(m/theta) Phi||_F^2. */
  fit: number;
  /** sum_ij (C_ij / theta^2)(u_i . u_j)(phi_i . phi_j); for partitioned DropBlock lambda sum_g ||U_g Phi_g||^2. */
  regulariser: number;
  /** fit + regulariser = E_z L_z. */
  objective: number;
}

/** Y^T (N x 10) of one-hot labels. */
export function oneHot(labels: Uint8Array, classes: number): Matrix {
  const data = new Float64Array(labels.length * classes);
  labels.forEach((c, i) => (data[i * classes + c] = 1));
  return { rows: labels.length, cols: classes, data };
}

/** The products Gram matrices both terms need: G_U = U^T U and G_Phi = Phi Phi^T (r x r). */
function grams(layer: LastLayer): { gU: Matrix; gPhi: Matrix } {
  return {
    gU: gemm(layer.outputT, layer.outputT, { transB: true }),
    gPhi: gemm(layer.featuresT, layer.featuresT, { transA: true }),
  };
}

/** E_z of the masked squared loss at these weights, exactly (THEORY.md "Deterministic objective"). */
export function deterministicObjective(layer: LastLayer, targetsT: Matrix, moments: MaskMoments, keepProbability: number): ObjectiveTerms {
  const { featuresT, outputT } = layer;
  const r = outputT.rows;
  const theta = keepProbability;
  // U diag(m/theta) Phi, as (N x r)(diag)(r x m).
  const scaled: Matrix = { rows: r, cols: outputT.cols, data: outputT.data.slice() };
  for (let i = 0; i < r; i++) for (let j = 0; j < outputT.cols; j++) scaled.data[i * outputT.cols + j]! *= moments.mean[i]! / theta;
  const outputs = gemm(featuresT, scaled);
  let fit = 0;
  for (let i = 0; i < outputs.data.length; i++) fit += (targetsT.data[i]! - outputs.data[i]!) * (targetsT.data[i]! - outputs.data[i]!);
  const { gU, gPhi } = grams(layer);
  let regulariser = 0;
  for (let i = 0; i < r * r; i++) regulariser += (moments.covariance.data[i]! / (theta * theta)) * gU.data[i]! * gPhi.data[i]!;
  return { fit, regulariser, objective: fit + regulariser };
}

/** ||U_g Phi_g||_F for the contiguous blocks of `blockSize` units (the last may be shorter). */
export function blockNorms(layer: LastLayer, blockSize: number): number[] {
  const { gU, gPhi } = grams(layer);
  const r = gU.rows;
  const norms: number[] = [];
  for (let start = 0; start < r; start += blockSize) {
    // ||U_g Phi_g||_F^2 = trace(U_g^T U_g Phi_g Phi_g^T) = sum over i, j in g of G_U G_Phi.
    let s = 0;
    for (let i = start; i < Math.min(r, start + blockSize); i++)
      for (let j = start; j < Math.min(r, start + blockSize); j++) s += gU.data[i * r + j]! * gPhi.data[i * r + j]!;
    norms.push(Math.sqrt(Math.max(0, s)));
  }
  return norms;
}

/** Singular values of the mean network's output matrix (N x m), descending. */
export function outputSpectrum(layer: LastLayer): Float64Array {
  return singularValues(gemm(layer.featuresT, layer.outputT));
}

/** ||a - b|| / ||b|| (claim 6's spectrum error, b the closed form). */
export function relativeError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < b.length; i++) {
    const d = (a[i] ?? 0) - b[i]!;
    num += d * d;
    den += b[i]! * b[i]!;
  }
  return Math.sqrt(num / den);
}
