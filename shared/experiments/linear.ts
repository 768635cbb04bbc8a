// The linear experiments (THEORY.md "Setting"): factorisation (X = I) and regression (data X).
// One cell: generate Y (and X) from the cell's seed, compute the closed-form minimum
// (shared/theory), train U V^T X with sampled masks in wasm (shared/numerics/train.ts), and
// measure what the claims read (shared/claims): objective gap, spectrum error,
// balance, ranks, representability, a Monte Carlo check of the deterministic objective, and
// for DropConnect both regularisers. Every draw comes from the one RNG with its own stream, so
// the outcome is a pure function of the cell.
import type { MaskFamily } from "../masks.js";
import { type Matrix, zeros } from "../numerics/matrix.js";
import { gaussianMatrix, Stream } from "../numerics/rng.js";
import { maskedLosses } from "../numerics/objective.js";
import { singularValues, svd } from "../numerics/svd.js";
import type { LinearMetrics } from "../results/metrics.js";
import { canonicalJson, sha256Hex } from "../spec/canonical.js";
import { sampleCount, type LinearCell } from "../spec/cell.js";
import { closedForm, createDeterministicObjective, type ClosedForm, type DeterministicObjective } from "../theory/index.js";
import { multiply, multiplyTransposeRight, squaredNorm, subtract } from "../theory/dense.js";
import { blockNormCurves, logSpacedEpochs, type Experiment, type Outcome } from "./experiment.js";
import { initialWeights } from "./initialWeights.js";
import { automaticLearningRate } from "./stepSize.js";
import { blockProductNorms, trainUntilConverged } from "./stopping.js";
import { rankAbove } from "./rank.js";
import { pow } from "../numerics/libm.js";

/** Y (m x N) and X (d x N, null for factorisation), from the cell's seed. */
export function generateProblem(cell: LinearCell): { targets: Matrix; inputs: Matrix | null } {
  const m = cell.sizes.m;
  const N = sampleCount(cell);
  const inputs = cell.experiment === "linear-regression" ? generateData(cell.data, cell.sizes.d, N, cell.seed) : null;
  let targets: Matrix;
  const t = cell.target;
  if (t.generator === "gaussian") targets = gaussianMatrix(m, N, cell.seed, Stream.targets);
  else {
    // Prescribed spectrum with Haar-like random singular vectors: the orthonormal factors of
    // Gaussian matrices.
    const p = Math.min(m, N);
    const sigma = Array.from({ length: p }, (_, i) => {
      switch (t.generator) {
        case "flat":
          return 1;
        case "decaying":
          return pow(t.decay, i); // wasm libm: host-independent bits
        case "spiky":
          return i < t.spikes ? t.spikeHeight : 1;
        case "low-rank":
          return i < t.rank ? 1 : 0;
      }
    });
    const P = svd(gaussianMatrix(m, p, cell.seed, Stream.targets, 0), { vectors: true }).U!;
    const Q = svd(gaussianMatrix(N, p, cell.seed, Stream.targets, 1), { vectors: true }).U!;
    targets = zeros(m, N);
    for (let c = 0; c < p; c++) {
      const s = sigma[c]!;
      if (s === 0) continue;
      for (let i = 0; i < m; i++) {
        const pi = P.data[i * p + c]! * s;
        for (let j = 0; j < N; j++) targets.data[i * N + j]! += pi * Q.data[j * p + c]!;
      }
    }
  }
  if (t.noise > 0) {
    const noise = gaussianMatrix(m, N, cell.seed, Stream.noise, 0, t.noise);
    for (let i = 0; i < targets.data.length; i++) targets.data[i]! += noise.data[i]!;
  }
  return { targets, inputs };
}

function generateData(data: Extract<LinearCell, { experiment: "linear-regression" }>["data"], d: number, N: number, seed: number): Matrix {
  const g = gaussianMatrix(d, N, seed, Stream.data);
  if (data.generator === "gaussian") return g;
  if (data.generator === "orthogonal") {
    // sqrt(N) Q^T with Q (N x d) orthonormal: X X^T = N I, the scale of a Gaussian X.
    const Q = svd(gaussianMatrix(N, d, seed, Stream.data), { vectors: true }).U!;
    const x = zeros(d, N);
    const scale = Math.sqrt(N);
    for (let i = 0; i < d; i++) for (let j = 0; j < N; j++) x.data[i * N + j] = scale * Q.data[j * d + i]!;
    return x;
  }
  // AR(1) across features: corr(x_i, x_j) = correlation^|i - j|.
  const rho = data.generator === "correlated" ? data.correlation : 0;
  const c = Math.sqrt(1 - rho * rho);
  for (let i = 1; i < d; i++) for (let j = 0; j < N; j++) g.data[i * N + j] = rho * g.data[(i - 1) * N + j]! + c * g.data[i * N + j]!;
  return g;
}

/**
 * The block size of the closed form, when THEORY.md's closed form is this cell's minimum:
 * dropout (k = 1), partitioned DropBlock (k), and DropConnect where its regulariser is
 * dropout's (last layer; first layer when X X^T is diagonal). Otherwise undefined.
 */
export function closedFormBlockSize(cell: LinearCell): number | undefined {
  const mask = cell.mask;
  if (mask.family === "dropout") return 1;
  if (mask.family === "dropblock") return mask.blockSize;
  if (mask.family === "dropconnect") {
    const diagonal = cell.experiment === "linear-factorisation" || cell.data.generator === "orthogonal";
    return mask.layer === "last" || diagonal ? 1 : undefined;
  }
  return undefined;
}

/** U V^T X (or U V^T): the network's predictions on the training data, m x N. */
function predictions(U: Matrix, V: Matrix, inputs: Matrix | null): Matrix {
  const product = multiplyTransposeRight(U, V); // m x d
  return inputs ? multiply(product, inputs) : product;
}

/**
 * Monte Carlo estimate of E_z L_z at (U, V) (THEORY.md claim 1): `count` masks, one per draw
 * applied to every sample, from the Monte Carlo stream (the wasm kernel of
 * shared/numerics/objective.ts `maskedLosses`); returns the mean and its standard error.
 */
export function monteCarloLoss(
  objective: DeterministicObjective,
  U: Matrix,
  V: Matrix,
  mask: MaskFamily,
  count: number,
  seed: number,
  substream = 0,
): { mean: number; standardError: number } {
  const losses = maskedLosses(objective.definition, U, V, { mask, draws: count, seed, stream: Stream.monteCarlo, substream });
  let sum = 0;
  let sumSquares = 0;
  for (const loss of losses) {
    sum += loss;
    sumSquares += loss * loss;
  }
  const mean = sum / count;
  const variance = count > 1 ? Math.max(0, (sumSquares - count * mean * mean) / (count - 1)) : 0;
  return { mean, standardError: Math.sqrt(variance / count) };
}

/** 32 bits of the SHA-256 of the cell's canonical JSON. */
function monteCarloSubstream(cell: LinearCell): number {
  return Number.parseInt(sha256Hex(canonicalJson(cell)).slice(0, 8), 16);
}

function relativeSpectrumError(learned: ArrayLike<number>, reference: ArrayLike<number>): number {
  const n = Math.max(learned.length, reference.length);
  let diff = 0;
  let norm = 0;
  for (let i = 0; i < n; i++) {
    const a = learned[i] ?? 0;
    const b = reference[i] ?? 0;
    diff += (a - b) * (a - b);
    norm += b * b;
  }
  return norm > 0 ? Math.sqrt(diff / norm) : Math.sqrt(diff);
}

/**
 * The deterministic objective at epochs 1, 2, 4, 8, ... and the last one (claim 7 compares twin
 * cells' curves at the epochs both record), read from the sampled curve, which holds them all.
 */
function checkpoints(curves: { epoch: readonly number[]; deterministicObjective: readonly number[] }): {
  epoch: number[];
  value: number[];
} {
  const epoch: number[] = [];
  const value: number[] = [];
  const last = curves.epoch.at(-1) ?? 0;
  curves.epoch.forEach((e, i) => {
    if ((e & (e - 1)) === 0 || e === last) {
      epoch.push(e);
      value.push(curves.deterministicObjective[i]!);
    }
  });
  return { epoch, value };
}

export function runLinear(cell: LinearCell): Outcome<LinearMetrics> {
  const { targets, inputs } = generateProblem(cell);
  const r = cell.sizes.hiddenUnits;
  const k = closedFormBlockSize(cell);
  const cf: ClosedForm | undefined =
    k === undefined ? undefined : closedForm({ targets, inputs, hiddenUnits: r, blockSize: k, keepProbability: cell.mask.keepProbability });
  const objective = createDeterministicObjective({ targets, inputs, mask: cell.mask, hiddenUnits: r });

  // THEORY.md "Step size and stopping rule": the peak step size (automatic unless the spec
  // gives one), then annealing cycles until the annealed objective and the block norms stop
  // moving, or optimiser.epochs. Claim 4 over epochs (THEORY.md "Balance"): ||U_g V_g^T X||_F of
  // every block at a few log-spaced epochs, where a closed form fixes the blocks.
  const { optimiser } = cell;
  const automatic = optimiser.learningRate === "auto";
  const initial = initialWeights(targets, inputs, r, cell.seed);
  const trained = trainUntilConverged({
    inputs,
    targets,
    initialU: initial.U,
    initialV: initial.V,
    mask: cell.mask,
    maskScope: optimiser.maskScope,
    batchSize: optimiser.batchSize,
    seed: cell.seed,
    dtype: optimiser.dtype,
    objective,
    learningRate:
      optimiser.learningRate === "auto"
        ? automaticLearningRate({ targets, inputs, mask: cell.mask, hiddenUnits: r, batchSize: optimiser.batchSize })
        : optimiser.learningRate,
    automatic,
    epochs: optimiser.epochs,
    tolerance: optimiser.tolerance,
    balanceBlockSize: cell.mask.family === "dropblock" ? cell.mask.blockSize : 1,
    ...(cf ? { normEpochs: logSpacedEpochs(optimiser.epochs) } : {}),
  });
  const curves: Record<string, number[]> = { ...trained.curves };
  Object.assign(curves, blockNormCurves(trained.normCurve));
  const targetSpectrum = cf ? Array.from(cf.targetSpectrum) : Array.from(singularValues(targets));
  const metrics: LinearMetrics = {
    objectiveGap: null,
    spectrumError: null,
    balanceRatio: null,
    learnedRank: null,
    closedFormRank: cf ? cf.rank : null,
    representable: cf ? cf.representable : null,
    trainingStatus: trained.status,
    epochsRun: trained.epochsRun,
    weightsEpoch: trained.weightsEpoch,
    learningRate: trained.learningRate,
  };
  if (trained.restarts > 0) metrics.restarts = trained.restarts;
  if (cf) {
    metrics.closedFormMinimum = cf.objective;
    metrics.balanceTarget = cf.balanceTarget;
    // THEORY.md "Representability": b >= blocksNeeded is necessary, not sufficient; claims 3-5
    // read both to tell cells at the bound from cells strictly above it.
    metrics.blocks = cf.blocks;
    metrics.blocksNeeded = cf.blocksNeeded;
  }
  if (trained.status === "diverged") {
    metrics.divergedAtEpoch = trained.divergedAtEpoch ?? null;
    return {
      status: "diverged",
      metrics,
      spectra: { target: targetSpectrum, ...(cf ? { closedForm: Array.from(cf.spectrum) } : {}) },
      curves,
    };
  }

  const { U, V } = trained;
  const finalObjective = objective.value(U, V);
  const learned = Array.from(singularValues(predictions(U, V, inputs)));
  const sigma1 = targetSpectrum[0] ?? 0;
  metrics.finalObjective = finalObjective;
  metrics.objectiveCheckpoints = checkpoints(trained.curves);
  // Counted as claim 5 counts (shared/experiments/rank.ts).
  metrics.learnedRank = rankAbove(learned, sigma1);
  // rank(A*) as the same threshold sees it: a closed-form singular value below it cannot be
  // told from SGD's residue, so claim 5 compares ranks at one threshold (the exact rank stays
  // in closedFormRank).
  if (cf) metrics.closedFormRankAtThreshold = rankAbove(cf.spectrum, sigma1);
  if (cf) {
    metrics.objectiveGap = cf.objective > 0 ? (finalObjective - cf.objective) / cf.objective : finalObjective;
    metrics.spectrumError = relativeSpectrumError(learned, cf.spectrum);
    const norms = blockProductNorms(U, V, inputs, cf.blockSize);
    const max = Math.max(...norms);
    const min = Math.min(...norms);
    metrics.blockNorms = norms;
    metrics.balanceRatio = max === 0 ? null : min === 0 ? Number.MAX_VALUE : max / min;
  }
  if (cell.monteCarloSamples > 0) {
    // Substream from the cell's content: cells sharing a seed (same data, same training masks)
    // still get independent Monte Carlo draws, so claim 1's z-scores are independent across
    // cells (its chi-square test needs that; with shared draws they were not).
    const mc = monteCarloLoss(objective, U, V, cell.mask, cell.monteCarloSamples, cell.seed, monteCarloSubstream(cell));
    metrics.monteCarlo = { ...mc, deterministic: finalObjective, samples: cell.monteCarloSamples };
  }
  if (cell.mask.family === "dropconnect") {
    // Both regularisers at the trained weights: each deterministic objective minus the fit.
    const fit = squaredNorm(subtract(targets, predictions(U, V, inputs)));
    const dropout = createDeterministicObjective({
      targets,
      inputs,
      mask: { family: "dropout", keepProbability: cell.mask.keepProbability },
      hiddenUnits: r,
    });
    metrics.regularisers = { dropout: dropout.value(U, V) - fit, dropconnect: finalObjective - fit };
  }
  return {
    metrics,
    spectra: { learned, target: targetSpectrum, ...(cf ? { closedForm: Array.from(cf.spectrum) } : {}) },
    curves,
  };
}

export const linearFactorisation: Experiment<Extract<LinearCell, { experiment: "linear-factorisation" }>> = {
  kind: "linear-factorisation",
  run: runLinear,
};

export const linearRegression: Experiment<Extract<LinearCell, { experiment: "linear-regression" }>> = {
  kind: "linear-regression",
  run: runLinear,
};
