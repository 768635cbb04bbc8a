// The automatic step size (THEORY.md "Step size and stopping rule") against independent
// computations: the largest eigenvalue of the deterministic objective's Hessian at a balanced
// closed-form optimum, by power iteration on finite differences of its gradient; and, on the
// regression cells whose trained weights outgrow sigma_1(Y) / sigma_1(X), plain-loop dropout SGD
// at the chosen step.
import { describe, expect, it } from "vitest";
import { closedFormBlockSize, generateProblem, INITIAL_SCALE } from "../../shared/experiments/linear.js";
import { gaussianMatrix, Stream } from "../../shared/numerics/rng.js";
import { automaticLearningRate, curvatureBound, maskSecondMoment } from "../../shared/experiments/stepSize.js";
import type { Matrix } from "../../shared/numerics/matrix.js";
import { resolveCell, type LinearCell } from "../../shared/spec/cell.js";
import { balancedFactorisation, closedForm, createDeterministicObjective, type DeterministicObjective } from "../../shared/theory/index.js";

function cell(fields: Record<string, unknown>): LinearCell {
  const check = resolveCell({ seed: 0, ...fields });
  if (!check.ok) throw new Error(JSON.stringify(check.problems));
  return check.cell as LinearCell;
}

/** lambda_max of the Hessian of f at (U, V): power iteration, H v by central differences of the gradient. */
function largestCurvature(objective: DeterministicObjective, U: Matrix, V: Matrix): number {
  const n = U.data.length + V.data.length;
  let v = Float64Array.from({ length: n }, (_, i) => Math.sin(i + 1));
  let lambda = 0;
  const eps = 1e-5;
  const at = (sign: number) => ({
    U: { ...U, data: U.data.map((x, i) => x + sign * eps * v[i]!) },
    V: { ...V, data: V.data.map((x, i) => x + sign * eps * v[U.data.length + i]!) },
  });
  for (let iteration = 0; iteration < 300; iteration++) {
    const norm = Math.sqrt(v.reduce((s, x) => s + x * x, 0));
    v = v.map((x) => x / norm);
    const plus = at(1);
    const minus = at(-1);
    const a = objective.valueAndGradient(plus.U, plus.V);
    const b = objective.valueAndGradient(minus.U, minus.V);
    const hv = new Float64Array(n);
    for (let i = 0; i < U.data.length; i++) hv[i] = (a.gradU.data[i]! - b.gradU.data[i]!) / (2 * eps);
    for (let i = 0; i < V.data.length; i++) hv[U.data.length + i] = (a.gradV.data[i]! - b.gradV.data[i]!) / (2 * eps);
    lambda = v.reduce((s, x, i) => s + x * hv[i]!, 0);
    v = hv;
  }
  return lambda;
}

/** A balanced optimum with ||u_i|| = ||v_i|| for every unit (where gradient flow from a small start keeps SGD). */
function balancedOptimum(c: LinearCell, targets: Matrix, inputs: Matrix | null): { U: Matrix; V: Matrix } {
  const r = c.sizes.hiddenUnits;
  const cf = closedForm({ targets, inputs, hiddenUnits: r, blockSize: closedFormBlockSize(c)!, keepProbability: c.mask.keepProbability });
  const { U, V } = balancedFactorisation(cf)!;
  for (let i = 0; i < r; i++) {
    let nu = 0;
    let nv = 0;
    for (let a = 0; a < U.rows; a++) nu += U.data[a * r + i]! * U.data[a * r + i]!;
    for (let a = 0; a < V.rows; a++) nv += V.data[a * r + i]! * V.data[a * r + i]!;
    const scale = nu > 0 && nv > 0 ? Math.sqrt(Math.sqrt(nv / nu)) : 1;
    for (let a = 0; a < U.rows; a++) U.data[a * r + i]! *= scale;
    for (let a = 0; a < V.rows; a++) V.data[a * r + i]! /= scale;
  }
  return { U, V };
}

/** The cell's initial weights, as runLinear draws them. */
function initialWeights(c: LinearCell, targets: Matrix, inputs: Matrix | null): { initialU: Matrix; initialV: Matrix } {
  const r = c.sizes.hiddenUnits;
  const d = inputs ? inputs.rows : targets.cols;
  return {
    initialU: gaussianMatrix(targets.rows, r, c.seed, Stream.init, 0, INITIAL_SCALE),
    initialV: gaussianMatrix(d, r, c.seed, Stream.init, 1, INITIAL_SCALE),
  };
}

/**
 * Full-batch dropout SGD in plain loops (one mask per sample from its own generator, not the
 * kernels'): `steps` steps of size `learningRate` on the mean of the N per-sample losses
 * ||y_j - U diag(z_j / theta) V^T x_j||^2. Returns whether every weight stayed finite and the
 * plain fit ||Y - U V^T X||_F^2 at the start and the end.
 */
function plainDropoutSgd(
  targets: Matrix,
  inputs: Matrix,
  U0: Matrix,
  V0: Matrix,
  keepProbability: number,
  learningRate: number,
  steps: number,
): { finite: boolean; startFit: number; endFit: number } {
  const [m, N, d, r] = [targets.rows, targets.cols, inputs.rows, U0.cols];
  const U = Float64Array.from(U0.data);
  const V = Float64Array.from(V0.data);
  let state = 0x9e3779b9;
  const uniform = () => {
    // xorshift32: independent of the project's RNG.
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 4294967296;
  };
  const fit = () => {
    let sum = 0;
    for (let j = 0; j < N; j++) {
      const h = new Float64Array(r);
      for (let k = 0; k < r; k++) for (let i = 0; i < d; i++) h[k]! += V[i * r + k]! * inputs.data[i * N + j]!;
      for (let a = 0; a < m; a++) {
        let y = 0;
        for (let k = 0; k < r; k++) y += U[a * r + k]! * h[k]!;
        sum += (targets.data[a * N + j]! - y) ** 2;
      }
    }
    return sum;
  };
  const startFit = fit();
  for (let step = 0; step < steps; step++) {
    const gU = new Float64Array(m * r);
    const gV = new Float64Array(d * r);
    for (let j = 0; j < N; j++) {
      const z = Array.from({ length: r }, () => (uniform() < keepProbability ? 1 / keepProbability : 0));
      const h = new Float64Array(r);
      for (let k = 0; k < r; k++) for (let i = 0; i < d; i++) h[k]! += V[i * r + k]! * inputs.data[i * N + j]!;
      const e = new Float64Array(m);
      for (let a = 0; a < m; a++) {
        let y = 0;
        for (let k = 0; k < r; k++) y += U[a * r + k]! * z[k]! * h[k]!;
        e[a] = targets.data[a * N + j]! - y;
      }
      // d/dU = -2 e (z o h)^T, d/dV = -2 x (z o U^T e)^T, averaged over the N samples.
      for (let a = 0; a < m; a++) for (let k = 0; k < r; k++) gU[a * r + k]! -= (2 / N) * e[a]! * z[k]! * h[k]!;
      for (let k = 0; k < r; k++) {
        let ue = 0;
        for (let a = 0; a < m; a++) ue += U[a * r + k]! * e[a]!;
        for (let i = 0; i < d; i++) gV[i * r + k]! -= (2 / N) * inputs.data[i * N + j]! * z[k]! * ue;
      }
    }
    for (let i = 0; i < U.length; i++) U[i]! -= learningRate * gU[i]!;
    for (let i = 0; i < V.length; i++) V[i]! -= learningRate * gV[i]!;
    if (![...U, ...V].every(Number.isFinite)) return { finite: false, startFit, endFit: Number.NaN };
  }
  return { finite: true, startFit, endFit: fit() };
}

describe("the automatic step size", () => {
  const cases = [
    { experiment: "linear-factorisation", sizes: { m: 12, n: 10, hiddenUnits: 8 }, mask: { family: "dropout", keepProbability: 0.5 } },
    {
      experiment: "linear-factorisation",
      sizes: { m: 12, n: 10, hiddenUnits: 12 },
      mask: { family: "dropblock", keepProbability: 0.3, blockSize: 3 },
    },
    {
      experiment: "linear-factorisation",
      sizes: { m: 20, n: 15, hiddenUnits: 12 },
      target: { generator: "decaying", decay: 0.7 },
      mask: { family: "dropblock", keepProbability: 0.5, blockSize: 2 },
    },
    {
      experiment: "linear-regression",
      sizes: { m: 6, d: 8, N: 40, hiddenUnits: 8 },
      data: { generator: "gaussian" },
      mask: { family: "dropout", keepProbability: 0.5 },
    },
    {
      experiment: "linear-regression",
      sizes: { m: 6, d: 8, N: 40, hiddenUnits: 8 },
      data: { generator: "orthogonal" },
      mask: { family: "dropblock", keepProbability: 0.8, blockSize: 2 },
    },
  ];
  for (const fields of cases)
    it(`is stable at a balanced optimum and not needlessly small: ${fields.experiment} ${JSON.stringify(fields.mask)}`, () => {
      const c = cell(fields);
      const { targets, inputs } = generateProblem(c);
      const r = c.sizes.hiddenUnits;
      const objective = createDeterministicObjective({ targets, inputs, mask: c.mask, hiddenUnits: r });
      const { U, V } = balancedOptimum(c, targets, inputs);
      // One step moves along the gradient of the batch mean, f / N at full batch.
      const curvature = largestCurvature(objective, U, V) / targets.cols;
      const learningRate = automaticLearningRate({
        targets,
        inputs,
        mask: c.mask,
        hiddenUnits: r,
        batchSize: targets.cols,
        ...initialWeights(c, targets, inputs),
      });
      // Gradient descent is stable where step * curvature < 2; the bound leaves a factor of 2.5-5.5.
      expect(learningRate * curvature).toBeLessThan(1);
      expect(learningRate * curvature).toBeGreaterThan(0.1);
    });

  it("scales with the batch: X = I samples touch their own row of V only, so L grows as N / B", () => {
    const c = cell(cases[0]!);
    const { targets, inputs } = generateProblem(c);
    const at = (batchSize: number) =>
      curvatureBound({ targets, inputs, mask: c.mask, hiddenUnits: 8, batchSize, ...initialWeights(c, targets, inputs) });
    expect(at(1) / at(10)).toBeCloseTo(10, 12);
    expect(at(5) / at(10)).toBeCloseTo(2, 12);
  });

  it("takes the mask's largest second moment: 1 / theta, or a custom table's max_i E[z_i] / theta^2", () => {
    expect(maskSecondMoment({ family: "dropblock", keepProbability: 0.25, blockSize: 2 }, 4)).toBe(4);
    const patterns = [
      [1, 1, 0, 0],
      [0, 1, 1, 0],
      [1, 1, 1, 1],
    ];
    const probabilities = [0.5, 0.25, 0.25];
    // Unit 1 is kept in every pattern: E[z_1^2] = 1, so omega = 1 / theta^2.
    const explicit = Math.max(...[0, 1, 2, 3].map((i) => patterns.reduce((s, p, j) => s + p[i]! * probabilities[j]!, 0))) / (0.5 * 0.5);
    expect(maskSecondMoment({ family: "custom", keepProbability: 0.5, patterns, probabilities }, 4)).toBeCloseTo(explicit, 15);
    expect(explicit).toBe(4);
  });
});

describe("the automatic step size on regression 30-40-100 (targets off X's leading directions, weights starting above the optimum's scale)", () => {
  // The cells of docs/BENCHMARKS.md "Stopping rule" that diverged at the step of the bound from
  // sigma_1(Y) / sigma_1(X) alone: decaying and low-rank targets, orthogonal and Gaussian data.
  const cases = [
    { target: { generator: "decaying", decay: 0.7 }, data: { generator: "orthogonal" }, keepProbability: 0.5 },
    { target: { generator: "low-rank", rank: 3 }, data: { generator: "orthogonal" }, keepProbability: 0.5 },
    { target: { generator: "low-rank", rank: 3 }, data: { generator: "gaussian" }, keepProbability: 0.3 },
    { target: { generator: "decaying", decay: 0.7 }, data: { generator: "correlated", correlation: 0.5 }, keepProbability: 0.9 },
  ];
  for (const { target, data, keepProbability } of cases)
    it(`plain-loop dropout SGD stays finite and fits at 1 / L, and blows up at 32 / L: ${target.generator} targets, ${data.generator} data, theta ${keepProbability}`, () => {
      const c = cell({
        experiment: "linear-regression",
        sizes: { m: 30, d: 40, N: 100, hiddenUnits: 24 },
        target,
        data,
        mask: { family: "dropout", keepProbability },
      });
      const { targets, inputs } = generateProblem(c);
      const { initialU, initialV } = initialWeights(c, targets, inputs);
      const learningRate = automaticLearningRate({ targets, inputs, mask: c.mask, hiddenUnits: 24, batchSize: 100, initialU, initialV });
      const run = (rate: number) => plainDropoutSgd(targets, inputs!, initialU, initialV, keepProbability, rate, 400);
      const chosen = run(learningRate);
      expect(chosen.finite).toBe(true);
      expect(chosen.endFit).toBeLessThan(chosen.startFit);
      // Not needlessly small: the same SGD diverges within a factor 32 of the step.
      expect(run(32 * learningRate).finite).toBe(false);
    });
});
