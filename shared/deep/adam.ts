// Adam for the deep experiment's weights on the wasm kernel adamF32 (wasm/assembly/adam.ts):
// the same steps, bit for bit, as tfjs-core's tf.train.adam (test/deep/adam.test.ts), in one
// pass over the weights. tfjs's optimiser runs fourteen kernels per weight tensor, each
// allocating a result; that was 17% of a deep cell's time (docs/DEEP.md, "Where the time goes").
// The optimiser keeps the master copy of the weights, their moments and a gradient buffer in
// the numeric engine's memory; after each step the tfjs variables are assigned the new values.
import { tf } from "./backend.js";
import type { Workspace } from "../numerics/engine.js";
import { weightNames, type WeightName, type Weights } from "./network.js";

/** tfjs-core's defaults for tf.train.adam(learningRate), and the f32 backends' epsilon. */
const BETA1 = 0.9;
const BETA2 = 0.999;
const EPSILON = 1e-7;

interface Slot {
  size: number;
  shape: number[];
  w: number;
  g: number;
  m: number;
  v: number;
}

export class Adam {
  readonly #ws: Workspace;
  readonly #slots: Record<WeightName, Slot>;
  #learningRate: number;
  // beta^t as tfjs keeps it: an f32 scalar multiplied by beta after each step.
  #accBeta1 = Math.fround(BETA1);
  #accBeta2 = Math.fround(BETA2);

  /** Allocates in `ws` (inside the caller's scope) and copies the current weights in. */
  constructor(ws: Workspace, weights: Weights, learningRate: number) {
    this.#ws = ws;
    this.#learningRate = learningRate;
    const slots: Partial<Record<WeightName, Slot>> = {};
    for (const name of weightNames) {
      const size = weights[name].size;
      const slot: Slot = {
        size,
        shape: weights[name].shape,
        w: ws.allocF32(size),
        g: ws.allocF32(size),
        m: ws.allocF32(size),
        v: ws.allocF32(size),
      };
      slots[name] = slot;
    }
    this.#slots = slots as Record<WeightName, Slot>;
    for (const name of weightNames) {
      const slot = this.#slots[name];
      ws.f32View(slot.w, slot.size).set(weights[name].dataSync() as Float32Array);
    }
    this.reset(learningRate);
  }

  /** A fresh optimiser at this learning rate (moments and bias corrections restart). */
  reset(learningRate: number): void {
    this.#learningRate = learningRate;
    this.#accBeta1 = Math.fround(BETA1);
    this.#accBeta2 = Math.fround(BETA2);
    for (const name of weightNames) {
      const slot = this.#slots[name];
      this.#ws.f32View(slot.m, slot.size).fill(0);
      this.#ws.f32View(slot.v, slot.size).fill(0);
    }
  }

  /** One step from these gradients; the tfjs variables in `weights` are assigned the results. */
  apply(weights: Weights, gradients: Record<WeightName, tf.Tensor>): void {
    const ws = this.#ws;
    // Bias corrections 1 - beta^t, in f32 like tfjs's sub(1, accBeta).
    const correction1 = Math.fround(1 - this.#accBeta1);
    const correction2 = Math.fround(1 - this.#accBeta2);
    for (const name of weightNames) {
      const slot = this.#slots[name];
      ws.f32View(slot.g, slot.size).set(gradients[name].dataSync() as Float32Array);
      ws.kernels.adamF32(
        slot.w,
        slot.g,
        slot.m,
        slot.v,
        slot.size,
        -this.#learningRate,
        BETA1,
        1 - BETA1,
        BETA2,
        1 - BETA2,
        EPSILON,
        correction1,
        correction2,
      );
      // A copy: backends other than wasm may keep the array they are given.
      const values = ws.f32View(slot.w, slot.size).slice();
      tf.tidy(() => weights[name].assign(tf.tensor(values, slot.shape)));
    }
    this.#accBeta1 = Math.fround(this.#accBeta1 * Math.fround(BETA1));
    this.#accBeta2 = Math.fround(this.#accBeta2 * Math.fround(BETA2));
  }
}
