// The multilayer perceptron of THEORY.md "Deep networks, dropout on the last layer":
//   x (784) -> relu(W1 x + b1) (firstHiddenUnits) -> phi(x) = W2 h + b2 (r = hiddenUnits)
//           -> f(x) = U diag(z / theta) phi(x) (10 outputs, no bias).
// The last hidden layer is linear by default: the closed form assumes the network can realise
// any features Phi, and the optimum needs Phi's rows in the span of the class indicators with
// either sign; a ReLU there forces Phi >= 0, which the optimum only allows for special r
// (docs/DEEP.md). The output layer has no bias because the theory's f has none (an unregularised
// bias would change the problem). Gradients are written out by hand: tfjs-core's Node bundle
// registers no gradient functions (docs/DEEP.md, gaps), and the five lines below are the
// whole backward pass.
import { tf } from "./backend.js";
import { normalArray, Stream } from "../numerics/rng.js";
import { digitClasses, imagePixels } from "./mnist.js";

export type LastActivation = "linear" | "relu";

export interface Architecture {
  /** Width of the first (ReLU) hidden layer. */
  firstHiddenUnits: number;
  /** r: units of the last hidden layer, the one the mask acts on. */
  hiddenUnits: number;
  lastActivation: LastActivation;
}

/** Weights in batch-major layout: a batch of rows times these. `uT` is U^T (r x 10). */
export interface Weights {
  w1: tf.Variable; // 784 x h
  b1: tf.Variable; // h
  w2: tf.Variable; // h x r
  b2: tf.Variable; // r
  uT: tf.Variable; // r x 10
}

export type WeightName = keyof Weights;
export const weightNames: readonly WeightName[] = ["w1", "b1", "w2", "b2", "uT"];

/**
 * Deterministic initialisation from the project RNG (stream `init`, one substream per layer):
 * He normal for the ReLU layer, LeCun normal for the linear ones, zero biases.
 */
export function initialWeights(arch: Architecture, seed: number): Weights {
  const { firstHiddenUnits: h, hiddenUnits: r } = arch;
  const normal = (rows: number, cols: number, layer: number, std: number): tf.Variable => {
    const values = normalArray(rows * cols, seed, Stream.init, layer);
    const f32 = new Float32Array(values.length);
    for (let i = 0; i < values.length; i++) f32[i] = values[i]! * std;
    return tf.variable(tf.tensor2d(f32, [rows, cols]), true);
  };
  return {
    w1: normal(imagePixels, h, 0, Math.sqrt(2 / imagePixels)),
    b1: tf.variable(tf.zeros([h]), true),
    w2: normal(h, r, 1, Math.sqrt(1 / h)),
    b2: tf.variable(tf.zeros([r]), true),
    uT: normal(r, digitClasses, 2, Math.sqrt(1 / r)),
  };
}

/** Features Phi^T (batch x r) of a batch of images (batch x 784), no mask. */
export function features(weights: Weights, images: tf.Tensor2D, last: LastActivation): tf.Tensor2D {
  return tf.tidy(() => {
    const hidden = tf.relu(tf.add(tf.matMul(images, weights.w1), weights.b1));
    const pre = tf.add(tf.matMul(hidden, weights.w2), weights.b2) as tf.Tensor2D;
    return last === "relu" ? tf.relu(pre) : pre;
  });
}

export interface StepResult {
  /** Sum over the batch of ||y - U diag(z/theta) phi||^2 (the stochastic loss L_z). */
  loss: tf.Scalar;
  /** Gradients of loss / batch (mean over samples: the minimiser does not move, Adam is scale-free). */
  gradients: Record<WeightName, tf.Tensor>;
}

/**
 * Masked forward pass and its gradient. `scaledMask` is z / theta (batch x r). Transposed
 * products go through an explicit tf.transpose: the wasm backend's BatchMatMul with
 * transposeA/B falls off XNNPACK onto a path about 10x slower (measured, docs/DEEP.md).
 */
export function maskedStep(
  weights: Weights,
  images: tf.Tensor2D,
  targets: tf.Tensor2D,
  scaledMask: tf.Tensor2D,
  last: LastActivation,
  /** images^T (784 x batch), when the caller has it (tf.transpose of the batch costs a kernel). */
  imagesT?: tf.Tensor2D,
): StepResult {
  return tf.tidy(() => {
    const batch = images.shape[0];
    const hidden = tf.relu(tf.add(tf.matMul(images, weights.w1), weights.b1));
    const pre = tf.add(tf.matMul(hidden, weights.w2), weights.b2);
    const phi = last === "relu" ? tf.relu(pre) : pre;
    const kept = tf.mul(phi, scaledMask);
    const residual = tf.sub(tf.matMul(kept, weights.uT), targets);
    const loss = tf.sum(tf.square(residual)) as tf.Scalar;
    // d(loss / batch) / d(outputs) = 2 residual / batch, then back through each layer.
    const dOut = tf.mul(residual, 2 / batch);
    const dUT = tf.matMul(tf.transpose(kept), dOut);
    let dPre = tf.mul(tf.matMul(dOut, tf.transpose(weights.uT)), scaledMask);
    if (last === "relu") dPre = tf.mul(dPre, tf.step(pre));
    const dW2 = tf.matMul(tf.transpose(hidden), dPre);
    const dB2 = tf.sum(dPre, 0);
    const dHidden = tf.mul(tf.matMul(dPre, tf.transpose(weights.w2)), tf.step(hidden));
    const dW1 = tf.matMul(imagesT ?? tf.transpose(images), dHidden);
    const dB1 = tf.sum(dHidden, 0);
    return { loss, gradients: { w1: dW1, b1: dB1, w2: dW2, b2: dB2, uT: dUT } };
  });
}

/** A copy of every weight as Float32Array (for results and tests). */
export function weightValues(weights: Weights): Record<WeightName, Float32Array> {
  return Object.fromEntries(weightNames.map((n) => [n, weights[n].dataSync() as Float32Array])) as Record<WeightName, Float32Array>;
}

export function disposeWeights(weights: Weights): void {
  for (const n of weightNames) weights[n].dispose();
}
