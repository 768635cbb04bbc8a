// One deep-network cell (THEORY.md "Deep networks, dropout on the last layer"; claims 6, 7):
// train an MLP on real MNIST digits with a mask on its last hidden layer and compare the
// singular values of its output matrix (mean network, training set) with the closed form
// w = prox of the squared k-support norm of sigma(Y), mu = lambda / b = lambda k / r.
// A pure function of its parameters: same parameters -> bit-identical result.
import { transpose } from "../numerics/matrix.js";
import { useBackend, type BackendOptions } from "./backend.js";
import { blockNorms, oneHot, outputSpectrum, relativeError, type ObjectiveTerms } from "./measure.js";
import { digitClasses, mnistTrainingSet } from "./mnist.js";
import { disposeWeights, initialWeights } from "./network.js";
import { train, type EpochRecord, type TrainingStatus } from "./train.js";
import { resolveDeepCellParams, type DeepCellParams, type ResolvedDeepCellParams } from "../experiments/deepParams.js";
import { blockSizeOf } from "../masks.js";
import { closedForm, maskMoments } from "../theory/index.js";

export type { DeepCellParams } from "../experiments/deepParams.js";

export interface DeepCellOptions extends BackendOptions {
  /** Progress, once per epoch (the result never depends on it). */
  onEpoch?: (progress: { epoch: number; objective: number; stochasticLoss: number; learningRate: number }) => void;
}

interface DeepCellCurves {
  epoch: number[];
  /** Sum over each epoch's samples of the masked loss (at the weights of each step). */
  stochasticLoss: number[];
  /** Deterministic regularised objective ||Y - U Phi||^2 + regulariser, end of each epoch. */
  objective: number[];
  fit: number[];
  regulariser: number[];
  /** ||sigma(U Phi) - w|| / ||w|| at the end of each epoch (null without the closed form). */
  spectrumError: (number | null)[];
  learningRate: number[];
  /** ||U_g Phi_g||_F of every block g of k units at the end of each epoch (claim 4 over epochs). */
  blockNorms?: number[][];
}

export interface DeepCellResult {
  status: TrainingStatus;
  params: ResolvedDeepCellParams;
  spectra: {
    /** Singular values of the mean network's N x 10 output matrix on the training set. */
    learned: number[];
    /** w = prox(sigma(Y)) with mu = lambda k / r (shared/theory closedForm). */
    closedForm: number[];
    /** sigma(Y) of the one-hot targets: sqrt of the class counts, sorted. */
    target: number[];
  };
  metrics: {
    /** lambda = (1 - theta) / theta. */
    lambda: number;
    /** b = r / k. */
    blocks: number;
    /** mu = lambda / b. */
    mu: number;
    epochsRun: number;
    /** Deterministic objective at the final weights (sums over samples). */
    objective: ObjectiveTerms;
    /** ||sigma - w||^2 + mu ||w||_(k)^2, the closed-form minimum of the objective. */
    closedFormObjective: number;
    /** (objective - closed-form minimum) / closed-form minimum. */
    objectiveGap: number;
    /** ||sigma(U Phi) - w|| / ||w||: claim 6. */
    spectrumError: number;
    /** b >= blocks the closed form needs (THEORY.md "Representability"). */
    representable: boolean;
    /** ||U_g Phi_g||_F over the partition into blocks of k units. */
    blockNorms: number[];
    /** max_g / min_g of blockNorms (1 = balanced). */
    balanceRatio: number;
    /** ||A*||_(k) / b: every block's norm at a balanced optimum. */
    balanceTarget: number;
    /** Fraction of training digits whose largest output is their class. */
    trainingAccuracy: number;
    classCounts: number[];
  };
  curves: DeepCellCurves;
}

/** Train one cell and measure it (claims 6 and 7). */
export async function runDeepCell(params: DeepCellParams, options: DeepCellOptions = {}): Promise<DeepCellResult> {
  const p = resolveDeepCellParams(params);
  await useBackend(options);
  const r = p.hiddenUnits;
  const k = blockSizeOf(p.mask);
  const theta = p.mask.keepProbability;

  const data = mnistTrainingSet({ samples: p.samples, seed: p.seed, classProportions: p.classProportions });
  const targetsT = oneHot(data.labels, digitClasses);
  // The theory's Y is m x N; ours is stored N x 10 (samples as rows).
  const theory = closedForm({ targets: transpose(targetsT), hiddenUnits: r, blockSize: k, keepProbability: theta });
  const w = theory.spectrum;

  const curves: DeepCellCurves = {
    epoch: [],
    stochasticLoss: [],
    objective: [],
    fit: [],
    regulariser: [],
    spectrumError: [],
    learningRate: [],
    blockNorms: [],
  };
  const record = (e: EpochRecord): void => {
    curves.epoch.push(e.epoch);
    curves.stochasticLoss.push(e.stochasticLoss);
    curves.objective.push(e.terms.objective);
    curves.fit.push(e.terms.fit);
    curves.regulariser.push(e.terms.regulariser);
    curves.learningRate.push(e.learningRate);
    curves.spectrumError.push(relativeError(outputSpectrum(e.layer), w));
    curves.blockNorms!.push(blockNorms(e.layer, k));
    options.onEpoch?.({ epoch: e.epoch, objective: e.terms.objective, stochasticLoss: e.stochasticLoss, learningRate: e.learningRate });
  };

  const architecture = { firstHiddenUnits: p.firstHiddenUnits, hiddenUnits: r, lastActivation: p.lastActivation };
  const weights = initialWeights(architecture, p.seed);
  let outcome;
  try {
    outcome = train(
      weights,
      data,
      targetsT,
      maskMoments(p.mask, r),
      {
        mask: p.mask,
        architecture,
        epochs: p.epochs,
        learningRate: p.learningRate,
        batchSize: p.batchSize,
        seed: p.seed,
        stopping: p.stopping,
      },
      record,
    );
  } finally {
    disposeWeights(weights);
  }

  const learned = outputSpectrum(outcome.layer);
  const norms = blockNorms(outcome.layer, k);
  return {
    status: outcome.status,
    params: p,
    spectra: { learned: Array.from(learned), closedForm: Array.from(w), target: Array.from(theory.targetSpectrum) },
    metrics: {
      lambda: theory.lambda,
      blocks: theory.blocks,
      mu: theory.mu,
      epochsRun: outcome.epochsRun,
      objective: outcome.terms,
      closedFormObjective: theory.objective,
      objectiveGap: (outcome.terms.objective - theory.objective) / theory.objective,
      spectrumError: relativeError(learned, w),
      representable: theory.representable,
      blockNorms: norms,
      balanceRatio: Math.max(...norms) / Math.min(...norms),
      balanceTarget: theory.balanceTarget,
      trainingAccuracy: accuracy(outcome.layer.featuresT.data, outcome.layer.outputT.data, data.labels, r),
      classCounts: data.classCounts,
    },
    curves,
  };
}

/** Share of samples whose largest output (Phi^T U^T row) is their label. */
function accuracy(featuresT: Float64Array, outputT: Float64Array, labels: Uint8Array, r: number): number {
  let right = 0;
  labels.forEach((label, n) => {
    let best = -Infinity;
    let arg = -1;
    for (let c = 0; c < digitClasses; c++) {
      let o = 0;
      for (let i = 0; i < r; i++) o += featuresT[n * r + i]! * outputT[i * digitClasses + c]!;
      if (o > best) [best, arg] = [o, c];
    }
    if (arg === label) right += 1;
  });
  return right / labels.length;
}
