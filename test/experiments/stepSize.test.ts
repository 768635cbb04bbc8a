// The automatic step size (THEORY.md "Step size and stopping rule") against an independent
// computation: the largest eigenvalue of the deterministic objective's Hessian at a balanced
// closed-form optimum, by power iteration on finite differences of its gradient.
import { describe, expect, it } from "vitest";
import { closedFormBlockSize, generateProblem } from "../../shared/experiments/linear.js";
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
      const learningRate = automaticLearningRate({ targets, inputs, mask: c.mask, hiddenUnits: r, batchSize: targets.cols });
      // Gradient descent is stable where step * curvature < 2; the bound leaves a factor of 2.5-5.5.
      expect(learningRate * curvature).toBeLessThan(1);
      expect(learningRate * curvature).toBeGreaterThan(0.1);
    });

  it("scales with the batch: X = I samples touch their own row of V only, so L grows as N / B", () => {
    const c = cell(cases[0]!);
    const { targets, inputs } = generateProblem(c);
    const at = (batchSize: number) => curvatureBound({ targets, inputs, mask: c.mask, hiddenUnits: 8, batchSize });
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
