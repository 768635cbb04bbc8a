// The deterministic objective E_z L_z for every mask family, and its gradient (THEORY.md,
// "Deterministic objective"). With W = V^T X, Dm = diag(m / theta), M = C / theta^2:
//   f(U, V) = ||Y - U Dm W||_F^2 + sum_ij M_ij (U^T U)_ij (W W^T)_ij
//   df/dU   = -2 E V Dm + 2 U (M o W W^T),      E = (Y - U Dm V^T X) X^T  (m x d)
//   df/dV   = -2 E^T U Dm + 2 S V (M o U^T U),   S = X X^T
// DropConnect masks weights, not units: last layer (U) gives lambda sum_i ||u_i||^2 ||w_i||^2
// (dropout's term, any X); first layer (V) gives lambda sum_i ||u_i||^2 v_i^T diag(S) v_i.
// The expectation is the same for per-sample and per-minibatch masks (it is a sum of
// per-entry expectations), so one function serves both. The value is computed by the wasm
// kernel (wasm/assembly/objective.ts) from the definition prepared here; the gradient here.
import { UsageError } from "../errors.js";
import { type MaskFamily, dropoutLambda } from "../masks.js";
import { type Matrix, zeros } from "../numerics/matrix.js";
import { type ObjectiveDefinition, objectiveValue } from "../numerics/objective.js";
import { multiply, multiplyTransposeLeft, multiplyTransposeRight, scaleColumns, subtract } from "./dense.js";
import { maskMoments } from "./maskMoments.js";

export interface ObjectiveProblem {
  /** Y, m x N. */
  targets: Matrix;
  /** X, d x N; null or absent for matrix factorisation (X = I). */
  inputs?: Matrix | null;
  mask: MaskFamily;
}

export interface ObjectiveAt extends ObjectiveProblem {
  /** m x r. */
  U: Matrix;
  /** d x r. */
  V: Matrix;
}

export interface ObjectiveGradient {
  value: number;
  /** df/dU, m x r. */
  gradU: Matrix;
  /** df/dV, d x r. */
  gradV: Matrix;
}

export interface DeterministicObjective {
  readonly hiddenUnits: number;
  /** What the wasm kernel evaluates (also after every epoch of training: shared/numerics/train.ts). */
  readonly definition: ObjectiveDefinition;
  /** f(U, V), on the wasm kernel (wasm/assembly/objective.ts). */
  value(U: Matrix, V: Matrix): number;
  /** f(U, V) and its gradient. */
  valueAndGradient(U: Matrix, V: Matrix): ObjectiveGradient;
}

/**
 * Precompute everything that does not depend on U, V (mask moments, X X^T, diag(X X^T)). The
 * value comes from the wasm kernel (the one a training loop evaluates after every epoch), the
 * gradient from the products below, which share the residual's definition with it.
 */
export function createDeterministicObjective(problem: ObjectiveProblem & { hiddenUnits: number }): DeterministicObjective {
  const { targets, mask, hiddenUnits: r } = problem;
  const inputs = problem.inputs ?? null;
  if (inputs && inputs.cols !== targets.cols)
    throw new UsageError(`inputs: X has ${inputs.cols} columns (samples) but Y has ${targets.cols}; they must be equal`);
  const d = inputs ? inputs.rows : targets.cols;
  const m = targets.rows;
  const theta = mask.keepProbability;
  const gram = inputs ? multiplyTransposeRight(inputs, inputs) : null;
  const gramDiagonal = new Float64Array(d).fill(1);
  if (gram) for (let i = 0; i < d; i++) gramDiagonal[i] = gram.data[i * d + i]!;

  // Regulariser kinds: a dense M = C / theta^2 on units, or first-layer DropConnect.
  const firstLayerConnect = mask.family === "dropconnect" && mask.layer === "first";
  const lambda = dropoutLambda(theta);
  let scaledMean = new Float64Array(r).fill(1);
  let weight: Matrix | null = null;
  if (!firstLayerConnect) {
    const { mean, covariance } = maskMoments(mask, r);
    scaledMean = Float64Array.from(mean, (x) => x / theta);
    weight = zeros(r, r);
    for (let i = 0; i < r * r; i++) weight.data[i] = covariance.data[i]! / (theta * theta);
  }

  function checkShapes(U: Matrix, V: Matrix): void {
    if (U.rows !== m || U.cols !== r) throw new UsageError(`U: expected ${m} x ${r}, got ${U.rows} x ${U.cols}`);
    if (V.rows !== d || V.cols !== r) throw new UsageError(`V: expected ${d} x ${r}, got ${V.rows} x ${V.cols}`);
  }

  const definition: ObjectiveDefinition = {
    targets,
    inputs,
    hiddenUnits: r,
    unitMean: scaledMean,
    unitWeight: weight,
    connectLambda: lambda,
  };

  function gradient(U: Matrix, V: Matrix): ObjectiveGradient {
    checkShapes(U, V);
    // Residual R = Y - U Dm V^T X; E = R X^T (m x d).
    const uScaled = scaleColumns(U, scaledMean);
    const product = multiplyTransposeRight(uScaled, V); // U Dm V^T, m x d
    const residual = inputs ? subtract(targets, multiply(product, inputs)) : subtract(targets, product);
    const gu = zeros(m, r);
    const gv = zeros(d, r);
    const sv = gram ? multiply(gram, V) : V; // S V, d x r
    const uu = multiplyTransposeLeft(U, U); // U^T U
    if (weight) {
      const ww = multiplyTransposeLeft(V, sv); // W W^T = V^T S V
      const mw = hadamard(weight, ww);
      const mu = hadamard(weight, uu);
      addScaled(gu, multiply(U, mw), 2);
      addScaled(gv, multiply(sv, mu), 2);
    } else {
      // First-layer DropConnect: lambda sum_i ||u_i||^2 q_i, q_i = v_i^T diag(S) v_i.
      const q = new Float64Array(r);
      for (let j = 0; j < d; j++) for (let i = 0; i < r; i++) q[i]! += gramDiagonal[j]! * V.data[j * r + i]! * V.data[j * r + i]!;
      for (let a = 0; a < m; a++) for (let i = 0; i < r; i++) gu.data[a * r + i]! += 2 * lambda * q[i]! * U.data[a * r + i]!;
      for (let j = 0; j < d; j++)
        for (let i = 0; i < r; i++) gv.data[j * r + i]! += 2 * lambda * uu.data[i * r + i]! * gramDiagonal[j]! * V.data[j * r + i]!;
    }
    const e = inputs ? multiplyTransposeRight(residual, inputs) : residual; // m x d
    addScaled(gu, scaleColumns(multiply(e, V), scaledMean), -2);
    addScaled(gv, scaleColumns(multiplyTransposeLeft(e, U), scaledMean), -2);
    return { value: objectiveValue(definition, U, V), gradU: gu, gradV: gv };
  }

  return {
    hiddenUnits: r,
    definition,
    value: (U, V) => {
      checkShapes(U, V);
      return objectiveValue(definition, U, V);
    },
    valueAndGradient: gradient,
  };
}

/** One-shot f(U, V) (THEORY.md, "Deterministic objective"). */
export function deterministicObjective(at: ObjectiveAt): number {
  return createDeterministicObjective({ ...at, hiddenUnits: at.U.cols }).value(at.U, at.V);
}

/** One-shot f(U, V) with df/dU and df/dV. */
export function deterministicObjectiveGradient(at: ObjectiveAt): ObjectiveGradient {
  return createDeterministicObjective({ ...at, hiddenUnits: at.U.cols }).valueAndGradient(at.U, at.V);
}

function hadamard(a: Matrix, b: Matrix): Matrix {
  const out = zeros(a.rows, a.cols);
  for (let i = 0; i < out.data.length; i++) out.data[i] = a.data[i]! * b.data[i]!;
  return out;
}

function addScaled(target: Matrix, x: Matrix, c: number): void {
  for (let i = 0; i < target.data.length; i++) target.data[i]! += c * x.data[i]!;
}
