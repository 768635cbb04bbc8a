// Masked training of the single-hidden-layer linear network (THEORY.md "Setting") by minibatch
// SGD, the whole loop in wasm (wasm/assembly/loop.ts, train.ts): a call runs a chunk of epochs.
//
// Exact semantics:
// - Model: Yhat = U diag(z / theta) V^T X with U (m x r), V (d x r), data X (d x N), targets
//   Y (m x N). `inputs` null/absent is factorisation mode X = I (so d = N): sample j's hidden
//   layer is row j of V, never a product with I. Dropconnect masks the weights of one layer
//   instead of the hidden units ("first" = V, "last" = U), also scaled by 1/theta.
// - Epoch e (0-based) visits the samples in the order permutation(N, seed, Stream.order, e),
//   in batches of `batchSize` (the last batch of an epoch may be smaller). Each step moves U
//   and V together along minus the gradient of the batch MEAN of the per-sample losses
//   ||y_j - U diag(z_j/theta) V^T x_j||^2, at step size
//   learningRateScale * learningRate * schedule(step).
// - Masks (Stream.mask, substream 0): maskScope "sample" draws a fresh mask for each sample,
//   mask index = e * N + position in the epoch's order; "batch" draws one mask per step,
//   mask index = the global step number, shared by all samples of the batch.
// - Curves (one entry per epoch, THEORY's scale = a sum over all N samples):
//   stochasticLoss[e] = N * mean of the masked per-sample losses seen during epoch e (each
//   evaluated at the weights its step started from); deterministicObjective[e] = the
//   objective's definition (shared/numerics/objective.ts) at the weights after epoch e, in f64;
//   learningRate[e] = the step size of its first step.
// - Divergence: a non-finite loss, weight or objective stops training and is reported
//   (status "diverged", divergedAtEpoch = the 1-based epoch), never thrown.
// - f32 trains in single precision (data, weights, arithmetic); the result is widened to f64.
// - Chunks: every epoch is a function of the weights and its index alone, so how a run is cut
//   into `TrainingSession.run` calls never changes a bit of it (tested); between chunks a caller
//   may read the curves and the weights and lower `learningRateScale` (a stopping rule).
// Same options -> bit-identical results on every machine and thread (one RNG, wasm-only math).
//
// A stopping rule (relative improvement over a window, learning-rate decay on a plateau,
// `epochs` as a cap) is written between chunks, with no change to the kernels:
//   withMaskedTraining({ ...options, deterministicObjective }, (session) => {
//     while (session.epoch < options.epochs) {
//       const chunk = session.run(window);           // one kernel call, `window` epochs
//       if (chunk.diverged) break;                   // status "diverged"
//       // chunk.deterministicObjective: the exact objective after each of those epochs
//       if (plateau) session.learningRateScale *= decay; else if (converged) break;
//     }
//     return session.weights();                      // epochs run: session.epoch
//   });
// Decisions taken at fixed epochs (every `window` epochs) make the result a pure function of
// the options, whatever else the caller does; session.epoch === options.epochs means the cap.
import { type Build, engine, type Workspace } from "./engine.js";
import { type Matrix, transpose } from "./matrix.js";
import { type Dtype } from "./gemm.js";
import { type MaskFamily } from "../masks.js";
import { assertMaskFamily, maskKernelFields } from "./masks.js";
import { type ObjectiveDefinition, objectiveValue, putObjective } from "./objective.js";
import { Stream, seedKey } from "./rng.js";
import { EpochField, ScheduleCode, TrainSlot } from "../../wasm/assembly/layout.js";

export type LearningRateSchedule =
  /** learningRate throughout. */
  | { kind: "constant" }
  /** learningRate * factor^floor(epoch / everyEpochs). */
  | { kind: "step"; everyEpochs: number; factor: number }
  /** learningRate / (1 + decay * t), t = steps taken / steps per epoch (epochs, fractional). */
  | { kind: "inverse-time"; decay: number }
  /** learningRate * (f + (1 - f) (1 + cos(pi t / epochs)) / 2), f = finalFraction (default 0). */
  | { kind: "cosine"; finalFraction?: number };

export interface TrainOptions {
  /** X (d x N); null or absent: factorisation mode X = I (d = N). */
  inputs?: Matrix | null;
  /** Y (m x N). */
  targets: Matrix;
  /** U0 (m x r). */
  initialU: Matrix;
  /** V0 (d x r). */
  initialV: Matrix;
  mask: MaskFamily;
  /** @default "sample" */
  maskScope?: "sample" | "batch";
  learningRate: number;
  /** @default { kind: "constant" } */
  schedule?: LearningRateSchedule;
  /** Epochs of the run (the cap of a session, the horizon of the cosine schedule). */
  epochs: number;
  batchSize: number;
  seed: number;
  /** @default "f64" */
  dtype?: Dtype;
  /**
   * THEORY.md's deterministic objective E_z L_z, evaluated in wasm after every epoch; from
   * shared/theory (`createDeterministicObjective(...).definition`). Its problem must be this one.
   */
  deterministicObjective?: ObjectiveDefinition;
  /** Called with copies of the weights after the epochs in `observeEpochs` (1-based). */
  onEpoch?: (epoch: number, U: Matrix, V: Matrix) => void;
  /** Epochs after which onEpoch is called. @default every epoch (a chunk per epoch: slower) */
  observeEpochs?: readonly number[];
  /**
   * Kernel build. "relaxed" lets GEMM fuse multiply-adds (faster; last bits depend on the host,
   * so never for sweeps, and it needs Node >= 22 or --experimental-wasm-relaxed-simd).
   * @default "release"
   */
  build?: Build;
}

interface TrainCurves {
  stochasticLoss: number[];
  /** Present when deterministicObjective was given: one entry per epoch that ended finite. */
  deterministicObjective?: number[];
  learningRate: number[];
}

export interface TrainResult {
  U: Matrix;
  V: Matrix;
  curves: TrainCurves;
  /** The deterministic objective at (U0, V0), when it was given. */
  initialObjective?: number;
  status: "completed" | "diverged";
  /** 1-based epoch in which divergence was detected. */
  divergedAtEpoch?: number;
  /** SGD steps taken. */
  steps: number;
}

function scheduleFields(schedule: LearningRateSchedule): [ScheduleCode, number, number] {
  switch (schedule.kind) {
    case "constant":
      return [ScheduleCode.Constant, 0, 0];
    case "step":
      return [ScheduleCode.Step, schedule.factor, schedule.everyEpochs];
    case "inverse-time":
      return [ScheduleCode.InverseTime, schedule.decay, 0];
    case "cosine":
      return [ScheduleCode.Cosine, schedule.finalFraction ?? 0, 0];
  }
}

/** Step size of step `step` (0-based) under a schedule: the training loop's own function. */
export function learningRateAt(
  schedule: LearningRateSchedule,
  learningRate: number,
  step: number,
  stepsPerEpoch: number,
  epochs: number,
): number {
  const [kind, a, b] = scheduleFields(schedule);
  return engine().kernels.learningRateAt(kind, learningRate, a, b, step, stepsPerEpoch, epochs);
}

function validate(o: TrainOptions): { N: number; d: number; m: number; r: number } {
  const problems: string[] = [];
  const { targets: Y, initialU: U, initialV: V } = o;
  const N = Y.cols,
    m = Y.rows,
    r = U.cols;
  const d = o.inputs ? o.inputs.rows : N;
  if (o.inputs && o.inputs.cols !== N) problems.push(`inputs has ${o.inputs.cols} samples (columns), targets has ${N}`);
  if (U.rows !== m) problems.push(`initialU has ${U.rows} rows, expected ${m} (rows of targets)`);
  if (V.rows !== d) problems.push(`initialV has ${V.rows} rows, expected ${d} (${o.inputs ? "rows of inputs" : "samples, X = I"})`);
  if (V.cols !== r) problems.push(`initialV has ${V.cols} columns, initialU has ${r} (hidden units)`);
  if (N < 1 || r < 1) problems.push("targets and hidden units must be non-empty");
  if (!Number.isInteger(o.batchSize) || o.batchSize < 1 || o.batchSize > N)
    problems.push(`batchSize must be an integer in [1, ${N}], got ${o.batchSize}`);
  if (!Number.isInteger(o.epochs) || o.epochs < 0) problems.push(`epochs must be a non-negative integer, got ${o.epochs}`);
  if (!(o.learningRate > 0 && Number.isFinite(o.learningRate))) problems.push(`learningRate must be positive, got ${o.learningRate}`);
  const s = o.schedule;
  if (s?.kind === "step" && !(Number.isInteger(s.everyEpochs) && s.everyEpochs >= 1 && s.factor > 0))
    problems.push("schedule step needs everyEpochs (integer >= 1) and factor > 0");
  if (s?.kind === "inverse-time" && !(s.decay >= 0)) problems.push("schedule inverse-time needs decay >= 0");
  if (o.maskScope !== undefined && o.maskScope !== "sample" && o.maskScope !== "batch")
    problems.push(`maskScope must be "sample" or "batch", got ${String(o.maskScope)}`);
  if (o.dtype !== undefined && o.dtype !== "f32" && o.dtype !== "f64")
    problems.push(`dtype must be "f32" or "f64", got ${String(o.dtype)}`);
  const def = o.deterministicObjective;
  if (def && (def.targets.rows !== m || def.targets.cols !== N || def.hiddenUnits !== r || (def.inputs?.rows ?? N) !== d))
    problems.push("deterministicObjective is defined for another problem (targets, inputs or hidden units differ)");
  try {
    assertMaskFamily(o.mask, r);
  } catch (e) {
    problems.push((e as Error).message);
  }
  try {
    seedKey(o.seed);
  } catch (e) {
    problems.push((e as Error).message);
  }
  if (problems.length) throw new RangeError(`trainMasked: ${problems.join("; ")}`);
  return { N, d, m, r };
}

/** Epochs run by one `TrainingSession.run` call, with their per-epoch records. */
export interface TrainingChunk {
  /** Epochs run (fewer than asked when training diverged or reached options.epochs). */
  epochs: number;
  stochasticLoss: number[];
  learningRate: number[];
  /** With an objective: its value after each of these epochs (the diverged epoch left out). */
  deterministicObjective?: number[];
  /** The last epoch of this chunk diverged; the session runs no further. */
  diverged: boolean;
}

/** Longest chunk one kernel call runs (bounds the record buffer; chunking never changes bits). */
const MAX_CHUNK = 4096;

/**
 * A training run held in wasm memory between calls: `run(n)` trains the next n epochs in one
 * kernel call. Created by `withMaskedTraining`, valid only inside its body.
 */
export class TrainingSession {
  #epoch = 0;
  #steps = 0;
  #divergedAtEpoch: number | undefined;
  #open = true;
  readonly stepsPerEpoch: number;
  /** The deterministic objective at (U0, V0), when the options define one. */
  readonly initialObjective: number | undefined;

  constructor(
    private readonly ws: Workspace,
    private readonly options: TrainOptions,
    private readonly pb: number,
    private readonly sizes: { N: number; d: number; m: number; r: number },
    private readonly widened: number,
  ) {
    this.stepsPerEpoch = Math.ceil(sizes.N / options.batchSize);
    const def = options.deterministicObjective;
    this.initialObjective = def ? objectiveValue(def, options.initialU, options.initialV) : undefined;
  }

  /** Epochs run so far. */
  get epoch(): number {
    return this.#epoch;
  }

  /** SGD steps taken so far. */
  get steps(): number {
    return this.#steps;
  }

  /** The 1-based epoch that diverged, if one did. */
  get divergedAtEpoch(): number | undefined {
    return this.#divergedAtEpoch;
  }

  /** Multiplies every step size from the next step on (1 initially): for learning-rate decay. */
  get learningRateScale(): number {
    return this.ws.f64View(this.pb, TrainSlot.Count)[TrainSlot.LearningRateScale]!;
  }

  set learningRateScale(scale: number) {
    if (!(scale > 0 && Number.isFinite(scale))) throw new RangeError(`learningRateScale must be positive, got ${scale}`);
    this.ws.f64View(this.pb, TrainSlot.Count)[TrainSlot.LearningRateScale] = scale;
  }

  /** Train the next `epochs` epochs (at most up to options.epochs); stops at divergence. */
  run(epochs: number): TrainingChunk {
    this.#check();
    if (!Number.isInteger(epochs) || epochs < 0) throw new RangeError(`run: epochs must be a non-negative integer, got ${epochs}`);
    if (this.#divergedAtEpoch !== undefined)
      throw new Error(`run: training diverged in epoch ${this.#divergedAtEpoch}; nothing more to run`);
    const chunk: TrainingChunk = { epochs: 0, stochasticLoss: [], learningRate: [], diverged: false };
    if (this.options.deterministicObjective) chunk.deterministicObjective = [];
    let left = Math.min(epochs, this.options.epochs - this.#epoch);
    const kernel = this.options.dtype === "f32" ? this.ws.kernels.trainEpochsF32 : this.ws.kernels.trainEpochsF64;
    while (left > 0 && !chunk.diverged) {
      const count = Math.min(left, MAX_CHUNK);
      this.ws.scoped(() => {
        const records = this.ws.allocF64(count * EpochField.Count);
        const ran = kernel(this.pb, this.#epoch, count, records, this.widened);
        const view = this.ws.f64View(records, ran * EpochField.Count);
        const slots = this.ws.f64View(this.pb, TrainSlot.Count);
        const lastSteps = slots[TrainSlot.LastEpochSteps]!;
        const diverged = slots[TrainSlot.Diverged] === 1;
        for (let e = 0; e < ran; e++) {
          const at = e * EpochField.Count;
          chunk.stochasticLoss.push(view[at + EpochField.StochasticLoss]!);
          chunk.learningRate.push(view[at + EpochField.LearningRate]!);
          const value = view[at + EpochField.Objective]!;
          if (chunk.deterministicObjective && !(diverged && e === ran - 1)) chunk.deterministicObjective.push(value);
        }
        this.#steps += (ran - 1) * this.stepsPerEpoch + lastSteps;
        this.#epoch += ran;
        chunk.epochs += ran;
        left -= ran;
        if (diverged) {
          chunk.diverged = true;
          this.#divergedAtEpoch = this.#epoch;
        }
      });
    }
    return chunk;
  }

  /** Copies of the current weights, U (m x r) and V (d x r), in f64. */
  weights(): { U: Matrix; V: Matrix } {
    this.#check();
    const { d, m, r } = this.sizes;
    const view = this.ws.f64View(this.pb, TrainSlot.Count);
    const ut = view[TrainSlot.Ut]!,
      v = view[TrainSlot.V]!;
    const take = (ptr: number, count: number) =>
      this.options.dtype === "f32" ? Float64Array.from(this.ws.f32View(ptr, count)) : this.ws.takeF64(ptr, count);
    return { U: transpose({ rows: r, cols: m, data: take(ut, r * m) }), V: { rows: d, cols: r, data: take(v, d * r) } };
  }

  #check(): void {
    if (!this.#open) throw new Error("TrainingSession: used outside withMaskedTraining's body");
  }

  /** @internal */
  close(): void {
    this.#open = false;
  }
}

/**
 * Set up a training run in wasm memory, hand it to `body`, and free it when body returns.
 * The session runs chunks of epochs; see TrainingSession. Validates the options first.
 */
export function withMaskedTraining<R>(options: TrainOptions, body: (session: TrainingSession) => R): R {
  const sizes = validate(options);
  const { N, d, m, r } = sizes;
  const dtype = options.dtype ?? "f64";
  const ws = engine(options.build ?? "release");
  return ws.scoped(() => {
    const put = (values: Float64Array) => (dtype === "f32" ? ws.putF32(values) : ws.putF64(values));
    const yt = put(transpose(options.targets).data);
    const xt = options.inputs ? put(transpose(options.inputs).data) : 0;
    const ut = put(transpose(options.initialU).data);
    const v = put(options.initialV.data);
    const order = ws.alloc(N * 4);
    const scratch = ws.alloc(ws.kernels.trainScratchBytes(dtype === "f32" ? 4 : 8, d, m, r, options.batchSize));
    const widened = ws.alloc(ws.kernels.widenBytes(d, m, r));
    const fields = maskKernelFields(ws, options.mask);
    const objective = options.deterministicObjective ? putObjective(ws, options.deterministicObjective) : 0;
    const pb = ws.allocF64(TrainSlot.Count);
    const [k0, k1] = seedKey(options.seed);
    const [schedule, a, b] = scheduleFields(options.schedule ?? { kind: "constant" });
    const block = ws.f64View(pb, TrainSlot.Count);
    const set = (slot: TrainSlot, value: number) => (block[slot] = value);
    set(TrainSlot.N, N);
    set(TrainSlot.D, d);
    set(TrainSlot.M, m);
    set(TrainSlot.R, r);
    set(TrainSlot.BatchSize, options.batchSize);
    set(TrainSlot.Theta, options.mask.keepProbability);
    set(TrainSlot.Family, fields.family);
    set(TrainSlot.BlockSize, fields.blockSize);
    set(TrainSlot.PerBatch, options.maskScope === "batch" ? 1 : 0);
    set(TrainSlot.LastLayer, fields.lastLayer);
    set(TrainSlot.Factorisation, options.inputs ? 0 : 1);
    set(TrainSlot.Xt, xt);
    set(TrainSlot.Yt, yt);
    set(TrainSlot.Ut, ut);
    set(TrainSlot.V, v);
    set(TrainSlot.Order, order);
    set(TrainSlot.Scratch, scratch);
    set(TrainSlot.Patterns, fields.table.patterns);
    set(TrainSlot.Cumulative, fields.table.cumulative);
    set(TrainSlot.PatternCount, fields.table.count);
    set(TrainSlot.Key0, k0);
    set(TrainSlot.Key1, k1);
    set(TrainSlot.MaskStream, Stream.mask);
    set(TrainSlot.MaskSubstream, 0);
    set(TrainSlot.OrderStream, Stream.order);
    set(TrainSlot.LearningRate, options.learningRate);
    set(TrainSlot.LearningRateScale, 1);
    set(TrainSlot.Schedule, schedule);
    set(TrainSlot.ScheduleA, a);
    set(TrainSlot.ScheduleB, b);
    set(TrainSlot.Epochs, options.epochs);
    set(TrainSlot.Objective, objective);
    set(TrainSlot.LastEpochSteps, 0);
    set(TrainSlot.Diverged, 0);
    const session = new TrainingSession(ws, options, pb, sizes, widened);
    try {
      return body(session);
    } finally {
      session.close();
    }
  });
}

/** Train for options.epochs epochs (or until divergence); the curves of every epoch. */
export function trainMasked(options: TrainOptions): TrainResult {
  return withMaskedTraining(options, (session): TrainResult => {
    const curves: TrainCurves = { stochasticLoss: [], learningRate: [] };
    if (options.deterministicObjective) curves.deterministicObjective = [];
    const observe = options.onEpoch;
    const stops = observe
      ? [...new Set(options.observeEpochs ?? Array.from({ length: options.epochs }, (_, i) => i + 1))]
          .filter((e) => Number.isInteger(e) && e >= 1 && e <= options.epochs)
          .sort((x, y) => x - y)
      : [];
    let next = 0;
    while (session.epoch < options.epochs) {
      while (next < stops.length && stops[next]! <= session.epoch) next++;
      const until = next < stops.length ? stops[next]! : options.epochs;
      const chunk = session.run(until - session.epoch);
      curves.stochasticLoss.push(...chunk.stochasticLoss);
      curves.learningRate.push(...chunk.learningRate);
      if (chunk.deterministicObjective) curves.deterministicObjective!.push(...chunk.deterministicObjective);
      if (chunk.diverged) break;
      if (observe && session.epoch === until && next < stops.length) {
        const { U, V } = session.weights();
        observe(session.epoch, U, V);
      }
    }
    const { U, V } = session.weights();
    const result: TrainResult = {
      U,
      V,
      curves,
      status: session.divergedAtEpoch === undefined ? "completed" : "diverged",
      steps: session.steps,
    };
    if (session.initialObjective !== undefined) result.initialObjective = session.initialObjective;
    if (session.divergedAtEpoch !== undefined) result.divergedAtEpoch = session.divergedAtEpoch;
    return result;
  });
}
