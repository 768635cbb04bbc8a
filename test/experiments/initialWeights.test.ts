// The initial weights of linear cells (THEORY.md "Step size and stopping rule",
// shared/experiments/initialWeights.ts): their scale against spectral norms found by plain power
// iteration (not the project's SVD), and what the scale is for: on regression with 40 features and
// targets of sigma_1(Y) = 1, the automatic step size is stable from them, where the previous
// fixed scale (entries 0.1) diverged within ten epochs at the same step.
import { describe, expect, it } from "vitest";
import { generateProblem } from "../../shared/experiments/linear.js";
import { INITIAL_SCALE, initialWeights } from "../../shared/experiments/initialWeights.js";
import { automaticLearningRate } from "../../shared/experiments/stepSize.js";
import { trainUntilConverged } from "../../shared/experiments/stopping.js";
import type { Matrix } from "../../shared/numerics/matrix.js";
import { gaussianMatrix, Stream } from "../../shared/numerics/rng.js";
import { resolveCell, type LinearCell } from "../../shared/spec/cell.js";
import { closedForm, createDeterministicObjective } from "../../shared/theory/index.js";

function cell(fields: Record<string, unknown>): LinearCell {
  const check = resolveCell({ seed: 0, ...fields });
  if (!check.ok) throw new Error(JSON.stringify(check.problems));
  return check.cell as LinearCell;
}

/** A B with plain loops. */
function product(a: Matrix, b: Matrix): Matrix {
  const data = new Float64Array(a.rows * b.cols);
  for (let i = 0; i < a.rows; i++)
    for (let k = 0; k < a.cols; k++)
      for (let j = 0; j < b.cols; j++) data[i * b.cols + j]! += a.data[i * a.cols + k]! * b.data[k * b.cols + j]!;
  return { rows: a.rows, cols: b.cols, data };
}

function transpose(a: Matrix): Matrix {
  const data = new Float64Array(a.data.length);
  for (let i = 0; i < a.rows; i++) for (let j = 0; j < a.cols; j++) data[j * a.rows + i] = a.data[i * a.cols + j]!;
  return { rows: a.cols, cols: a.rows, data };
}

/** sigma_1(A) by power iteration on A^T A. */
function spectralNorm(a: Matrix): number {
  let v = Float64Array.from({ length: a.cols }, (_, i) => 1 + ((i * 7) % 5));
  let sigma = 0;
  for (let iteration = 0; iteration < 2000; iteration++) {
    const norm = Math.sqrt(v.reduce((s, x) => s + x * x, 0));
    v = v.map((x) => x / norm);
    const av = new Float64Array(a.rows);
    for (let i = 0; i < a.rows; i++) for (let j = 0; j < a.cols; j++) av[i]! += a.data[i * a.cols + j]! * v[j]!;
    sigma = Math.sqrt(av.reduce((s, x) => s + x * x, 0));
    const next = new Float64Array(a.cols);
    for (let i = 0; i < a.rows; i++) for (let j = 0; j < a.cols; j++) next[j]! += a.data[i * a.cols + j]! * av[i]!;
    v = next;
  }
  return sigma;
}

const regression = (target: Record<string, unknown>, data: Record<string, unknown>, keepProbability = 0.5) =>
  cell({
    experiment: "linear-regression",
    sizes: { m: 30, d: 40, N: 100, hiddenUnits: 24 },
    target,
    data,
    mask: { family: "dropout", keepProbability },
  });

describe("the initial weights", () => {
  it("are the seed's Gaussian draws, scaled together so that sigma_1(U_0) sigma_1(V_0) sigma_1(X) = INITIAL_SCALE sigma_1(Y)", () => {
    const cases = [
      regression({ generator: "decaying", decay: 0.7 }, { generator: "gaussian" }),
      regression({ generator: "spiky", spikes: 2, spikeHeight: 10 }, { generator: "correlated", correlation: 0.5 }),
      cell({
        experiment: "linear-factorisation",
        sizes: { m: 12, n: 10, hiddenUnits: 8 },
        mask: { family: "dropout", keepProbability: 0.5 },
      }),
    ];
    for (const c of cases) {
      const { targets, inputs } = generateProblem(c);
      const r = c.sizes.hiddenUnits;
      const { U, V } = initialWeights(targets, inputs, r, c.seed);
      const unitU = gaussianMatrix(targets.rows, r, c.seed, Stream.init, 0);
      const unitV = gaussianMatrix(inputs ? inputs.rows : targets.cols, r, c.seed, Stream.init, 1);
      // One factor for both matrices and every entry.
      const factor = U.data[0]! / unitU.data[0]!;
      expect(factor).toBeGreaterThan(0);
      for (let i = 0; i < U.data.length; i++) expect(U.data[i]).toBeCloseTo(factor * unitU.data[i]!, 14);
      for (let i = 0; i < V.data.length; i++) expect(V.data[i]).toBeCloseTo(factor * unitV.data[i]!, 14);
      const sigmaX = inputs ? spectralNorm(inputs) : 1;
      const scale = spectralNorm(U) * spectralNorm(V) * sigmaX;
      expect(scale / (INITIAL_SCALE * spectralNorm(targets))).toBeCloseTo(1, 6);
      // Hence the initial predictions are a small fraction of the targets.
      const predictions = inputs ? product(product(U, transpose(V)), inputs) : product(U, transpose(V));
      expect(spectralNorm(predictions)).toBeLessThanOrEqual(INITIAL_SCALE * spectralNorm(targets) * (1 + 1e-9));
    }
  });

  it("are zero for zero targets (the optimum, where every gradient vanishes)", () => {
    const c = cell({
      experiment: "linear-factorisation",
      sizes: { m: 6, n: 5, hiddenUnits: 4 },
      mask: { family: "dropout", keepProbability: 0.5 },
    });
    const zero = { rows: 6, cols: 5, data: new Float64Array(30) };
    const { U, V } = initialWeights(zero, null, 4, c.seed);
    expect([...U.data, ...V.data].every((x) => x === 0)).toBe(true);
  });

  it("let the automatic step size train regression 30-40-100 with sigma_1(Y) = 1 targets, where entries of 0.1 diverged", () => {
    for (const target of [
      { generator: "low-rank", rank: 3 },
      { generator: "decaying", decay: 0.7 },
    ])
      for (const data of [{ generator: "gaussian" }, { generator: "orthogonal" }]) {
        const c = regression(target, data);
        const { targets, inputs } = generateProblem(c);
        const r = c.sizes.hiddenUnits;
        const problem = {
          targets,
          inputs,
          mask: c.mask,
          maskScope: "sample" as const,
          batchSize: c.optimiser.batchSize,
          seed: c.seed,
          dtype: "f64" as const,
          objective: createDeterministicObjective({ targets, inputs, mask: c.mask, hiddenUnits: r }),
          learningRate: automaticLearningRate({ targets, inputs, mask: c.mask, hiddenUnits: r, batchSize: c.optimiser.batchSize }),
          // A step the spec gives is never halved: a divergence is the run's status.
          automatic: false,
          epochs: 2000,
          tolerance: 3e-4,
          balanceBlockSize: 1,
        };
        const { U, V } = initialWeights(targets, inputs, r, c.seed);
        const scaled = trainUntilConverged({ ...problem, initialU: U, initialV: V });
        expect(scaled.status, JSON.stringify({ target, data })).toBe("max-epochs");
        const fixed = trainUntilConverged({
          ...problem,
          initialU: gaussianMatrix(targets.rows, r, c.seed, Stream.init, 0, 0.1),
          initialV: gaussianMatrix(inputs!.rows, r, c.seed, Stream.init, 1, 0.1),
        });
        expect(fixed.status, JSON.stringify({ target, data })).toBe("diverged");
        // Trained, not stuck near the start: more than halfway from f(U_0, V_0) down to the
        // closed-form minimum (dropout: block size 1).
        const start = problem.objective.value(U, V);
        const minimum = closedForm({ targets, inputs, hiddenUnits: r, blockSize: 1, keepProbability: c.mask.keepProbability }).objective;
        expect(problem.objective.value(scaled.U, scaled.V)).toBeLessThan(minimum + 0.5 * (start - minimum));
      }
  });
});
