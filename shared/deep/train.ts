// Training loop of the deep experiment: Adam on the masked squared loss with per-sample masks
// from the project's sampler, until the deterministic (regularised) objective stops improving.
// Stopping rule: an epoch improves if it lowers the best objective so far by a relative
// `tolerance`; after `patience` epochs without improvement the learning rate is multiplied by
// `learningRateDecay` (a fresh Adam: its moment estimates belong to the old step size); after
// `decays` such reductions the next plateau ends training ("converged"). `epochs` caps it all.
// Minibatches are copied out of the training set in JavaScript (tfjs-backend-wasm's gather
// kernel took a third of a cell's time) and Adam runs on the numeric engine (./adam.ts), both
// with the same bits as tf.gather and tf.train.adam (docs/DEEP.md, "Where the time goes").
import { tf } from "./backend.js";
import { Adam } from "./adam.js";
import { engine } from "../numerics/engine.js";
import { sampleMasks } from "../numerics/masks.js";
import { permutation, Stream } from "../numerics/rng.js";
import type { Matrix } from "../numerics/matrix.js";
import { digitClasses, imagePixels, type MnistTrainingSet } from "./mnist.js";
import type { MaskMoments } from "../theory/index.js";
import type { MaskFamily } from "../masks.js";
import { deterministicObjective, type LastLayer, type ObjectiveTerms } from "./measure.js";
import { features, maskedStep, type Architecture, type Weights } from "./network.js";

/** The families the deep experiment puts on its last hidden layer. */
export type LastLayerMask = Extract<MaskFamily, { family: "dropout" | "dropblock" | "contiguous-dropblock" }>;

interface StoppingRule {
  /** Relative decrease of the best objective that counts as progress. */
  tolerance: number;
  /** Epochs without progress before the learning rate is reduced (or training stops). */
  patience: number;
  /** Factor applied to the learning rate at a plateau. */
  learningRateDecay: number;
  /** Reductions before a plateau stops training. */
  decays: number;
}

export interface TrainingSettings {
  mask: LastLayerMask;
  architecture: Architecture;
  /** Maximum number of epochs. */
  epochs: number;
  learningRate: number;
  batchSize: number;
  seed: number;
  stopping: StoppingRule;
}

export type TrainingStatus = "converged" | "max-epochs" | "diverged";

export interface EpochRecord {
  epoch: number;
  /** Sum over the epoch's samples of the masked loss, each at the weights of its step. */
  stochasticLoss: number;
  terms: ObjectiveTerms;
  learningRate: number;
  layer: LastLayer;
}

export interface TrainingOutcome {
  status: TrainingStatus;
  epochsRun: number;
  /** The mean network's last layer after the final epoch. */
  layer: LastLayer;
  terms: ObjectiveTerms;
}

function toMatrix(values: Float32Array | Int32Array | Uint8Array, rows: number, cols: number): Matrix {
  return { rows, cols, data: Float64Array.from(values) };
}

/** Phi^T (N x r) and U^T (r x 10) of the mean network, in f64. */
export function readLastLayer(weights: Weights, images: tf.Tensor2D, arch: Architecture): LastLayer {
  const phiT = features(weights, images, arch.lastActivation);
  const featuresT = toMatrix(phiT.dataSync() as Float32Array, images.shape[0], arch.hiddenUnits);
  phiT.dispose();
  const outputT = toMatrix(weights.uT.dataSync() as Float32Array, arch.hiddenUnits, digitClasses);
  return { featuresT, outputT };
}

/**
 * Train `weights` in place on the training set. `onEpoch` sees every epoch's record (curves,
 * progress); the loop never reads the clock, so a run is a pure function of its inputs.
 */
export function train(
  weights: Weights,
  data: MnistTrainingSet,
  targetsT: Matrix,
  moments: MaskMoments,
  settings: TrainingSettings,
  onEpoch: (record: EpochRecord) => void = () => {},
): TrainingOutcome {
  const { mask, architecture: arch, batchSize, seed, stopping } = settings;
  const n = data.labels.length;
  const r = arch.hiddenUnits;
  const theta = mask.keepProbability;
  const images = tf.tensor2d(data.images, [n, imagePixels]);
  const targets = Float32Array.from(targetsT.data);
  const batchImages = new Float32Array(batchSize * imagePixels);
  const batchImagesT = new Float32Array(batchSize * imagePixels);
  const batchTargets = new Float32Array(batchSize * digitClasses);
  let learningRate = settings.learningRate;
  let best = Infinity;
  let stale = 0;
  let reductions = 0;
  let status: TrainingStatus = "max-epochs";
  let epochsRun = 0;
  let layer = readLastLayer(weights, images, arch);
  let terms = deterministicObjective(layer, targetsT, moments, theta);
  const ws = engine();
  try {
    ws.scoped(() => {
      const optimiser = new Adam(ws, weights, learningRate);
      for (let epoch = 0; epoch < settings.epochs; epoch++) {
        const order = permutation(n, seed, Stream.order, epoch);
        let stochasticLoss = 0;
        for (let start = 0; start < n; start += batchSize) {
          const size = Math.min(batchSize, n - start);
          // Mask j of this epoch belongs to the j-th sample visited, whatever the batch size.
          const zeroOne = sampleMasks(mask, { hiddenUnits: r, count: size, seed, stream: Stream.mask, substream: epoch, firstMask: start });
          const scaled = new Float32Array(zeroOne.length);
          for (let i = 0; i < zeroOne.length; i++) scaled[i] = zeroOne[i]! / theta;
          for (let b = 0; b < size; b++) {
            const row = order[start + b]!;
            const pixels = data.images.subarray(row * imagePixels, (row + 1) * imagePixels);
            batchImages.set(pixels, b * imagePixels);
            for (let p = 0; p < imagePixels; p++) batchImagesT[p * size + b] = pixels[p]!; // X^T for dW1
            batchTargets.set(targets.subarray(row * digitClasses, (row + 1) * digitClasses), b * digitClasses);
          }
          const loss = tf.tidy(() => {
            const step = maskedStep(
              weights,
              tf.tensor2d(batchImages.subarray(0, size * imagePixels), [size, imagePixels]),
              tf.tensor2d(batchTargets.subarray(0, size * digitClasses), [size, digitClasses]),
              tf.tensor2d(scaled, [size, r]),
              arch.lastActivation,
              tf.tensor2d(batchImagesT.subarray(0, size * imagePixels), [imagePixels, size]),
            );
            optimiser.apply(weights, step.gradients);
            return step.loss;
          });
          stochasticLoss += loss.dataSync()[0]!;
          loss.dispose();
        }
        epochsRun = epoch + 1;
        layer = readLastLayer(weights, images, arch);
        terms = deterministicObjective(layer, targetsT, moments, theta);
        onEpoch({ epoch, stochasticLoss, terms, learningRate, layer });
        if (!Number.isFinite(terms.objective) || !Number.isFinite(stochasticLoss)) {
          status = "diverged";
          break;
        }
        if (terms.objective < best * (1 - stopping.tolerance)) {
          best = terms.objective;
          stale = 0;
        } else if (++stale >= stopping.patience) {
          if (reductions >= stopping.decays) {
            status = "converged";
            break;
          }
          reductions += 1;
          stale = 0;
          learningRate *= stopping.learningRateDecay;
          optimiser.reset(learningRate);
        }
      }
    });
  } finally {
    images.dispose();
  }
  return { status, epochsRun, layer, terms };
}
