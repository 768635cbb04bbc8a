// The SGD loop of masked training (shared/numerics/train.ts documents its semantics): a chunk
// of epochs in one call, with no JavaScript per step. For each epoch e: the order
// permutation(N) from the order stream (substream e), the steps of the epoch (train.ts) at the
// step sizes of the schedule, then the epoch's record (EpochField): the stochastic loss, the
// first step's size and the deterministic objective after the epoch (objective.ts, in f64).
// Everything an epoch does is a function of the weights and e alone, so a run split into
// chunks of any lengths gives the same bits as one call: a caller may look at the records
// between chunks (a stopping rule) and change the learning-rate scale for the next chunk.
import { EpochField, ScheduleCode, TrainSlot } from "./layout";
import { objectiveValue } from "./objective";
import { rngPermutation, rngSetStream } from "./rng";
import { bindRun, trainStep } from "./train";

@inline function slot(pb: usize, s: i32): f64 {
  return load<f64>(pb + (<usize>s << 3));
}

/** Step size of step `step` (0-based): THEORY-free bookkeeping of shared/numerics/train.ts. */
export function learningRateAt(kind: i32, learningRate: f64, a: f64, b: f64, step: f64, stepsPerEpoch: f64, epochs: f64): f64 {
  const t = step / stepsPerEpoch;
  if (kind == ScheduleCode.Step) return learningRate * Math.pow(a, Math.floor(Math.floor(t) / b));
  if (kind == ScheduleCode.InverseTime) return learningRate / (1 + a * t);
  if (kind == ScheduleCode.Cosine) return learningRate * (a + ((1 - a) * (1 + Math.cos((Math.PI * t) / epochs))) / 2);
  return learningRate;
}

/** Every one of the n values of T at p is finite: x - x is +0 for a finite x, NaN otherwise. */
function allFinite<T>(p: usize, n: i32): bool {
  const bytes = <usize>n << alignof<T>();
  let a = v128.splat<i64>(0), b = a;
  let k: usize = 0;
  for (; k + 32 <= bytes; k += 32) {
    const x = v128.load(p + k), y = v128.load(p + k, 16);
    if (sizeof<T>() == 4) {
      a = f32x4.add(a, f32x4.sub(x, x));
      b = f32x4.add(b, f32x4.sub(y, y));
    } else {
      a = f64x2.add(a, f64x2.sub(x, x));
      b = f64x2.add(b, f64x2.sub(y, y));
    }
  }
  // a + b is +0 in every lane exactly when no NaN or infinity was met.
  if (v128.any_true(sizeof<T>() == 4 ? f32x4.add(a, b) : f64x2.add(a, b))) return false;
  for (; k < bytes; k += sizeof<T>()) if (!isFinite(load<T>(p + k))) return false;
  return true;
}

/** f64 copies of U^T and V at dst (r x m, then d x r) for the objective; returns V's copy. */
function widen<T>(dst: usize, ut: usize, v: usize, utCount: i32, vCount: i32): usize {
  const vDst = dst + (((<usize>utCount << 3) + 15) & ~(<usize>15));
  for (let i = 0; i < utCount; i++) store<f64>(dst + (<usize>i << 3), <f64>load<T>(ut + (<usize>i << alignof<T>())));
  for (let i = 0; i < vCount; i++) store<f64>(vDst + (<usize>i << 3), <f64>load<T>(v + (<usize>i << alignof<T>())));
  return vDst;
}

/** Bytes trainEpochs needs at `objectiveScratch` beyond trainScratchBytes: f64 copies of U, V. */
export function widenBytes(d: i32, m: i32, r: i32): i32 {
  return (m * r + d * r) * 8 + 32;
}

/**
 * Epochs first .. first + count - 1 of the run in `pb` (TrainSlot); writes count records of
 * EpochField.Count f64 at `records`. Stops after an epoch whose loss, weights or objective is
 * not finite and returns the number of epochs run; TrainSlot.Diverged says whether the last
 * one diverged and TrainSlot.LastEpochSteps holds its steps.
 */
function trainEpochs<T>(pb: usize, first: i32, count: i32, records: usize, widened: usize): i32 {
  bindRun<T>(pb);
  const N = <i32>slot(pb, TrainSlot.N), B = <i32>slot(pb, TrainSlot.BatchSize);
  const d = <i32>slot(pb, TrainSlot.D), m = <i32>slot(pb, TrainSlot.M), r = <i32>slot(pb, TrainSlot.R);
  const k0 = <u32>slot(pb, TrainSlot.Key0), k1 = <u32>slot(pb, TrainSlot.Key1);
  const maskStream = <u32>slot(pb, TrainSlot.MaskStream), maskSubstream = <u32>slot(pb, TrainSlot.MaskSubstream);
  const orderStream = <u32>slot(pb, TrainSlot.OrderStream);
  const perBatch = slot(pb, TrainSlot.PerBatch) == 1;
  const lr0 = slot(pb, TrainSlot.LearningRate), lrScale = slot(pb, TrainSlot.LearningRateScale);
  const kind = <i32>slot(pb, TrainSlot.Schedule), a = slot(pb, TrainSlot.ScheduleA), b = slot(pb, TrainSlot.ScheduleB);
  const epochs = slot(pb, TrainSlot.Epochs);
  const ut = <usize>slot(pb, TrainSlot.Ut), v = <usize>slot(pb, TrainSlot.V), order = <usize>slot(pb, TrainSlot.Order);
  const objective = <usize>slot(pb, TrainSlot.Objective);
  const stepsPerEpoch = (N + B - 1) / B;
  store<f64>(pb + (<usize>TrainSlot.Diverged << 3), 0);
  for (let c = 0; c < count; c++) {
    const e = first + c;
    rngSetStream(k0, k1, orderStream, <u32>e);
    rngPermutation(order, N);
    rngSetStream(k0, k1, maskStream, maskSubstream);
    let lossSum: f64 = 0;
    let steps = 0;
    const rec = records + (<usize>(c * EpochField.Count) << 3);
    for (let s = 0; s < stepsPerEpoch; s++) {
      const start = s * B;
      const step = <f64>e * <f64>stepsPerEpoch + <f64>s;
      const lr = learningRateAt(kind, lr0, a, b, step, <f64>stepsPerEpoch, epochs) * lrScale;
      if (s == 0) store<f64>(rec + (<usize>EpochField.LearningRate << 3), lr);
      const firstMask = perBatch ? step : <f64>e * <f64>N + <f64>start;
      const loss = trainStep<T>(start, min(B, N - start), <T>lr, firstMask);
      steps++;
      lossSum += loss;
      if (!isFinite(loss)) break;
    }
    store<f64>(rec + (<usize>EpochField.StochasticLoss << 3), lossSum);
    store<f64>(pb + (<usize>TrainSlot.LastEpochSteps << 3), <f64>steps);
    let finite = isFinite(lossSum) && allFinite<T>(ut, r * m) && allFinite<T>(v, d * r);
    let value: f64 = NaN;
    if (finite && objective != 0) {
      if (sizeof<T>() == 8) value = objectiveValue(objective, ut, v);
      else value = objectiveValue(objective, widened, widen<T>(widened, ut, v, r * m, d * r));
      finite = isFinite(value);
    }
    store<f64>(rec + (<usize>EpochField.Objective << 3), finite ? value : NaN);
    if (!finite) {
      store<f64>(pb + (<usize>TrainSlot.Diverged << 3), 1);
      return c + 1;
    }
  }
  return count;
}

export function trainEpochsF32(pb: usize, first: i32, count: i32, records: usize, widened: usize): i32 {
  return trainEpochs<f32>(pb, first, count, records, widened);
}

export function trainEpochsF64(pb: usize, first: i32, count: i32, records: usize, widened: usize): i32 {
  return trainEpochs<f64>(pb, first, count, records, widened);
}

/** cos from this module's libm port, so schedules computed in JavaScript match the loop's. */
export function mathCos(x: f64): f64 {
  return Math.cos(x);
}
