// Masked training of the single-hidden-layer linear network (THEORY.md "Setting") by
// minibatch SGD, on the wasm step kernel (wasm/assembly/train.ts).
//
// Exact semantics of trainMasked:
// - Model: Yhat = U diag(z / theta) V^T X with U (m x r), V (d x r), data X (d x N), targets
//   Y (m x N). `inputs` null/absent is factorisation mode X = I (so d = N): sample j's hidden
//   layer is row j of V, never a product with I. Dropconnect masks the weights of one layer
//   instead of the hidden units ("first" = V, "last" = U), also scaled by 1/theta.
// - Epoch e (0-based) visits the samples in the order permutation(N, seed, Stream.order, e),
//   in batches of `batchSize` (the last batch of an epoch may be smaller). Each step moves U
//   and V together along minus the gradient of the batch MEAN of the per-sample losses
//   ||y_j - U diag(z_j/theta) V^T x_j||^2, at step size learningRate * schedule(step).
// - Masks (Stream.mask, substream 0): maskScope "sample" draws a fresh mask for each sample,
//   mask index = e * N + position in the epoch's order; "batch" draws one mask per step,
//   mask index = the global step number, shared by all samples of the batch.
// - Curves (one entry per epoch, THEORY's scale = a sum over all N samples):
//   stochasticLoss[e] = N * mean of the masked per-sample losses seen during epoch e (each
//   evaluated at the weights its step started from); deterministicObjective[e] = the caller's
//   function at the weights after epoch e; learningRate[e] = the step size of its first step.
// - Divergence: a non-finite loss, weight or objective stops training and is reported
//   (status "diverged", divergedAtEpoch = the 1-based epoch), never thrown.
// - f32 trains in single precision (data, weights, arithmetic); the result is widened to f64.
// Same options -> bit-identical results on every machine and thread (one RNG, wasm-only math).
import { type Build, engine } from "./engine.js";
import { type Matrix, transpose } from "./matrix.js";
import { type Dtype } from "./gemm.js";
import { type MaskFamily } from "../masks.js";
import { assertMaskFamily, familyCode, putMaskTable } from "./masks.js";
import { Stream, seedKey, selectStream } from "./rng.js";
import { pow } from "./libm.js";

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
  epochs: number;
  batchSize: number;
  seed: number;
  /** @default "f64" */
  dtype?: Dtype;
  /** THEORY.md's deterministic objective E_z L_z at (U, V); provided by shared/theory. */
  deterministicObjective?: (U: Matrix, V: Matrix) => number;
  /** Called after every epoch (1-based) with copies of the weights. */
  onEpoch?: (epoch: number, U: Matrix, V: Matrix) => void;
  /**
   * Kernel build. "relaxed" lets GEMM fuse multiply-adds (faster; last bits depend on the host,
   * so never for sweeps, and it needs Node >= 22 or --experimental-wasm-relaxed-simd).
   * @default "release"
   */
  build?: Build;
}

export interface TrainCurves {
  stochasticLoss: number[];
  /** Present when deterministicObjective was given. */
  deterministicObjective?: number[];
  learningRate: number[];
}

export interface TrainResult {
  U: Matrix;
  V: Matrix;
  curves: TrainCurves;
  /** deterministicObjective(U0, V0), when the function was given. */
  initialObjective?: number;
  status: "completed" | "diverged";
  /** 1-based epoch in which divergence was detected. */
  divergedAtEpoch?: number;
  /** SGD steps taken. */
  steps: number;
}

/** Step size of step `step` (0-based) under a schedule. */
export function learningRateAt(
  schedule: LearningRateSchedule, learningRate: number, step: number, stepsPerEpoch: number, epochs: number,
): number {
  const t = step / stepsPerEpoch;
  switch (schedule.kind) {
    case "constant":
      return learningRate;
    case "step":
      return learningRate * pow(schedule.factor, Math.floor(Math.floor(t) / schedule.everyEpochs)); // wasm libm: same on every host
    case "inverse-time":
      return learningRate / (1 + schedule.decay * t);
    case "cosine": {
      const f = schedule.finalFraction ?? 0;
      const cos = engine().kernels.mathCos as (x: number) => number; // wasm libm: same on every host
      return learningRate * (f + ((1 - f) * (1 + cos((Math.PI * t) / epochs))) / 2);
    }
  }
}

// Parameter block slots of wasm/assembly/train.ts.
const P = {
  N: 0, D: 1, M: 2, R: 3, START: 4, BATCH: 5, MAXBATCH: 6, LR: 7, THETA: 8, FAMILY: 9, BLOCK: 10,
  SCOPE: 11, LAYER: 12, FIRSTMASK: 13, FACTOR: 14, XT: 15, YT: 16, U: 17, V: 18, PERM: 19,
  SCRATCH: 20, PATTERNS: 21, CUM: 22, NPAT: 23, K0: 24, K1: 25, STREAM: 26, SUBSTREAM: 27,
} as const;
const PARAM_SLOTS = 28;

function validate(o: TrainOptions): { N: number; d: number; m: number; r: number } {
  const problems: string[] = [];
  const { targets: Y, initialU: U, initialV: V } = o;
  const N = Y.cols, m = Y.rows, r = U.cols;
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
  if (o.dtype !== undefined && o.dtype !== "f32" && o.dtype !== "f64") problems.push(`dtype must be "f32" or "f64", got ${String(o.dtype)}`);
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

export function trainMasked(options: TrainOptions): TrainResult {
  const { N, d, m, r } = validate(options);
  const dtype = options.dtype ?? "f64";
  const schedule = options.schedule ?? { kind: "constant" };
  const scope = options.maskScope ?? "sample";
  const factor = !options.inputs;
  const B = options.batchSize;
  const stepsPerEpoch = Math.ceil(N / B);
  const mask = options.mask;
  const ws = engine(options.build ?? "release");
  const take = (ptr: number, rows: number, cols: number): Matrix => ({
    rows, cols, data: dtype === "f32" ? Float64Array.from(ws.f32View(ptr, rows * cols)) : ws.takeF64(ptr, rows * cols),
  });
  const objective = options.deterministicObjective;
  const initialObjective = objective ? objective(options.initialU, options.initialV) : undefined;

  return ws.scoped((): TrainResult => {
    const put = (values: Float64Array) => (dtype === "f32" ? ws.putF32(values) : ws.putF64(values));
    const yt = put(transpose(options.targets).data);
    const xt = factor ? 0 : put(transpose(options.inputs!).data);
    const u = put(options.initialU.data);
    const v = put(options.initialV.data);
    const perm = ws.alloc(N * 4);
    const elementBytes = dtype === "f32" ? 4 : 8;
    const scratch = ws.alloc((ws.kernels.trainScratchBytes as (...a: number[]) => number)(elementBytes, d, m, r, B));
    const table = putMaskTable(ws, mask);
    const pb = ws.allocF64(PARAM_SLOTS);
    const [k0, k1] = seedKey(options.seed);
    const fixed: [number, number][] = [
      [P.N, N], [P.D, d], [P.M, m], [P.R, r], [P.MAXBATCH, B], [P.THETA, mask.keepProbability],
      [P.FAMILY, familyCode[mask.family]],
      [P.BLOCK, mask.family === "dropblock" || mask.family === "contiguous-dropblock" ? mask.blockSize : 1],
      [P.SCOPE, scope === "batch" ? 1 : 0], [P.LAYER, mask.family === "dropconnect" && mask.layer === "last" ? 1 : 0],
      [P.FACTOR, factor ? 1 : 0], [P.XT, xt], [P.YT, yt], [P.U, u], [P.V, v], [P.PERM, perm], [P.SCRATCH, scratch],
      [P.PATTERNS, table.patterns], [P.CUM, table.cumulative], [P.NPAT, table.count],
      [P.K0, k0], [P.K1, k1], [P.STREAM, Stream.mask], [P.SUBSTREAM, 0],
    ];
    const step = (dtype === "f32" ? ws.kernels.trainStepF32 : ws.kernels.trainStepF64) as (pb: number) => number;
    const permute = ws.kernels.rngPermutation as (out: number, n: number) => void;
    const allFinite = (dtype === "f32" ? ws.kernels.allFiniteF32 : ws.kernels.allFiniteF64) as (p: number, n: number) => number;

    const curves: TrainCurves = { stochasticLoss: [], learningRate: [] };
    if (objective) curves.deterministicObjective = [];
    let steps = 0;
    let divergedAtEpoch: number | undefined;
    for (let epoch = 0; epoch < options.epochs && divergedAtEpoch === undefined; epoch++) {
      selectStream(ws, options.seed, Stream.order, epoch);
      permute(perm, N);
      // Views are made after the callbacks of the previous epoch, which may have grown memory.
      const params = ws.f64View(pb, PARAM_SLOTS);
      for (const [slot, value] of fixed) params[slot] = value;
      let lossSum = 0;
      curves.learningRate.push(learningRateAt(schedule, options.learningRate, steps, stepsPerEpoch, options.epochs));
      for (let start = 0; start < N; start += B) {
        const batch = Math.min(B, N - start);
        params[P.START] = start;
        params[P.BATCH] = batch;
        params[P.LR] = learningRateAt(schedule, options.learningRate, steps, stepsPerEpoch, options.epochs);
        params[P.FIRSTMASK] = scope === "sample" ? epoch * N + start : steps;
        const loss = step(pb);
        steps++;
        lossSum += loss;
        if (!Number.isFinite(loss)) break;
      }
      curves.stochasticLoss.push(lossSum); // N * (mean per-sample loss): every sample is seen once
      let finite = Number.isFinite(lossSum) && allFinite(u, m * r) === 1 && allFinite(v, d * r) === 1;
      if (finite && (objective || options.onEpoch)) {
        // Copies only when a caller looks at the weights (they are d x r: large when X = I).
        const U = take(u, m, r);
        const V = take(v, d, r);
        if (objective) {
          const value = objective(U, V);
          curves.deterministicObjective!.push(value);
          finite = Number.isFinite(value);
        }
        if (finite) options.onEpoch?.(epoch + 1, U, V);
      }
      if (!finite) {
        divergedAtEpoch = epoch + 1;
        break;
      }
    }
    const result: TrainResult = {
      U: take(u, m, r),
      V: take(v, d, r),
      curves,
      status: divergedAtEpoch === undefined ? "completed" : "diverged",
      steps,
    };
    if (initialObjective !== undefined) result.initialObjective = initialObjective;
    if (divergedAtEpoch !== undefined) result.divergedAtEpoch = divergedAtEpoch;
    return result;
  });
}
