// The stopping rule of linear cells (THEORY.md "Step size and stopping rule"): SGD with sampled
// masks in annealing cycles, until the annealed objective stops moving. `optimiser.epochs` caps
// it; the outcome is "converged", "max-epochs" or "diverged", the vocabulary of the deep cells'
// rule (shared/deep/train.ts).
//
// A cycle holds the peak step size for a ninth of its epochs, then halves it eight times, one
// ninth each (down to peak / 256): the end of a cycle is an annealed iterate, whose exact
// deterministic objective is not dominated by the mask noise a constant step leaves. The first
// cycle has `FIRST_CYCLE` epochs and each next one half as many again (1000, 1500, 2250, ...);
// restarting at the peak keeps slow directions moving at a large step. Training has converged
// when two consecutive cycles each lowered the best annealed objective so far by at most
// `tolerance` (relative; as the deep cells' rule counts progress) and moved every block-product
// norm ||U_g V_g^T X||_F by at most BALANCE_TOLERANCE of the largest (balance is the slowest
// thing SGD settles and barely moves the objective). The cap cuts the last cycle short, so the
// final weights are annealed even then. The run reports the weights of the cycle end with the
// lowest annealed objective (`weightsEpoch`): a quiet cycle can end above the best one.
//
// Every decision is taken at epochs fixed by the cell (cycle and stair boundaries) on exact
// values, so the result is a pure function of the cell (shared/numerics/train.ts: chunking never
// changes bits). The exact objective is evaluated at those epochs and at the curve's sample
// epochs only, not after every epoch: it costs more than an epoch of training at most sizes.
import type { MaskFamily } from "../masks.js";
import { type Matrix, zeros } from "../numerics/matrix.js";
import type { Dtype } from "../numerics/gemm.js";
import { withMaskedTraining, type TrainingSession } from "../numerics/train.js";
import type { DeterministicObjective } from "../theory/index.js";
import { multiplyTransposeLeft, squaredNorm } from "../theory/dense.js";
import { logSpacedEpochs } from "./experiment.js";

/** Epochs of the first cycle; each next cycle has half as many again. */
export const FIRST_CYCLE = 1000;
/** Halvings of the step size in a cycle (the last stair runs at peak / 2^HALVINGS). */
export const HALVINGS = 8;
/** Consecutive quiet cycles (no progress of the best annealed objective, block norms settled) that make training converged. */
export const QUIET_CYCLES = 2;
/** Largest change of a block-product norm between cycle ends, as a fraction of the largest norm, that counts as quiet. */
const BALANCE_TOLERANCE = 0.1;
/** With the automatic step size, a diverged run restarts from the initial weights at half the step, this many times at most. */
export const RESTARTS = 4;
/** Curve samples per doubling of the epoch count (the result keeps curves at these epochs, not every epoch). */
const CURVE_SAMPLES_PER_OCTAVE = 16;

type TrainingStatus = "converged" | "max-epochs" | "diverged";

export interface StoppingProblem {
  targets: Matrix;
  inputs: Matrix | null;
  initialU: Matrix;
  initialV: Matrix;
  mask: MaskFamily;
  maskScope: "sample" | "batch";
  batchSize: number;
  seed: number;
  dtype: Dtype;
  objective: DeterministicObjective;
  /** Peak step size of every cycle. */
  learningRate: number;
  /** The step size is the automatic one: a diverged run restarts at half of it (RESTARTS times at most). */
  automatic: boolean;
  /** The cap (optimiser.epochs). */
  epochs: number;
  /** Relative decrease of the best annealed objective that counts as progress (optimiser.tolerance). */
  tolerance: number;
  /** Units per block of the balance test: the partition whose block-product norms are invariant for this family. */
  balanceBlockSize: number;
  /** Epochs (1-based) after which the block-product norms are recorded (claim 4 over epochs). */
  normEpochs?: readonly number[];
}

interface TrainingCurves {
  /** The epochs sampled (1-based): log-spaced, with every cycle's end and the last epoch. */
  epoch: number[];
  /** N times the mean masked loss per sample over the epochs since the previous sample. */
  stochasticLoss: number[];
  /** The exact deterministic objective after the sampled epoch. */
  deterministicObjective: number[];
  /** The step size of the sampled epoch's steps. */
  learningRate: number[];
}

export interface StoppedTraining {
  status: TrainingStatus;
  /** Epochs of the run that produced the weights (after any restarts). */
  epochsRun: number;
  /** Peak step size of that run. */
  learningRate: number;
  /** Runs started again at half the step after diverging (automatic step size only). */
  restarts: number;
  /** The 1-based epoch that diverged (status "diverged"). */
  divergedAtEpoch?: number;
  /** The cycle end whose weights U, V are: the one with the lowest annealed objective (the last epoch when diverged). */
  weightsEpoch: number;
  U: Matrix;
  V: Matrix;
  curves: TrainingCurves;
  /** Block-product norms at the requested epochs that were reached. */
  normCurve: { epoch: number; norms: number[] }[];
  /** Every cycle's end: the epoch, the annealed objective, and how far the block norms moved since the previous end (a fraction of the largest; null for the first). */
  cycles: { epoch: number; objective: number; normChange: number | null }[];
}

/** ||U_g V_g^T X||_F for each block g of `blockSize` consecutive units (THEORY.md "Balance"). */
export function blockProductNorms(U: Matrix, V: Matrix, inputs: Matrix | null, blockSize: number): number[] {
  const r = U.cols;
  const W = inputs ? multiplyTransposeLeft(V, inputs) : transposeOf(V); // r x N
  const norms: number[] = [];
  for (let g = 0; g < r / blockSize; g++) {
    const m = U.rows;
    const N = W.cols;
    let sum = 0;
    for (let i = 0; i < m; i++)
      for (let j = 0; j < N; j++) {
        let x = 0;
        for (let l = g * blockSize; l < (g + 1) * blockSize; l++) x += U.data[i * r + l]! * W.data[l * N + j]!;
        sum += x * x;
      }
    norms.push(Math.sqrt(sum));
  }
  return norms;
}

function transposeOf(a: Matrix): Matrix {
  const t = zeros(a.cols, a.rows);
  for (let i = 0; i < a.rows; i++) for (let j = 0; j < a.cols; j++) t.data[j * a.rows + i] = a.data[i * a.cols + j]!;
  return t;
}

/** Length of cycle i: FIRST_CYCLE, then half as many again each time (integer arithmetic). */
export function cycleLength(index: number): number {
  let length = FIRST_CYCLE;
  for (let i = 0; i < index; i++) length += Math.floor(length / 2);
  return length;
}

/** Offsets (from the cycle's start) of its HALVINGS + 1 stairs: equal ninths, the last taking the remainder. */
function stairStarts(length: number): number[] {
  return Array.from({ length: HALVINGS + 1 }, (_, s) => Math.floor((s * length) / (HALVINGS + 1)));
}

/** Train under the stopping rule; restarts at half the step after a divergence when the step size is automatic. */
export function trainUntilConverged(problem: StoppingProblem): StoppedTraining {
  let learningRate = problem.learningRate;
  for (let restarts = 0; ; restarts++) {
    const run = trainOnce(problem, learningRate);
    if (run.status !== "diverged" || !problem.automatic || restarts === RESTARTS) return { ...run, learningRate, restarts };
    learningRate /= 2;
  }
}

function trainOnce(problem: StoppingProblem, learningRate: number): Omit<StoppedTraining, "learningRate" | "restarts"> {
  const { objective, inputs, epochs: cap } = problem;
  const samples = new Set(logSpacedEpochs(cap, CURVE_SAMPLES_PER_OCTAVE));
  const normEpochs = new Set(problem.normEpochs ?? []);
  // f at machine level counts as zero, so a run that fits the targets exactly (keep probability 1) can stop.
  const floor = 1e-12 * squaredNorm(problem.targets);
  return withMaskedTraining(
    {
      inputs,
      targets: problem.targets,
      initialU: problem.initialU,
      initialV: problem.initialV,
      mask: problem.mask,
      maskScope: problem.maskScope,
      learningRate,
      epochs: cap,
      batchSize: problem.batchSize,
      seed: problem.seed,
      dtype: problem.dtype,
    },
    (session) => {
      const curves: TrainingCurves = { epoch: [], stochasticLoss: [], deterministicObjective: [], learningRate: [] };
      const normCurve: { epoch: number; norms: number[] }[] = [];
      const cycles: StoppedTraining["cycles"] = [];
      let lossSum = 0;
      let lossEpochs = 0;
      let lastRate = learningRate;
      let divergedAtEpoch: number | undefined;
      let value = Number.NaN;
      const sample = () => {
        const { U, V } = session.weights();
        value = objective.value(U, V);
        if (curves.epoch.at(-1) !== session.epoch) {
          curves.epoch.push(session.epoch);
          curves.stochasticLoss.push(lossSum / lossEpochs);
          curves.deterministicObjective.push(value);
          curves.learningRate.push(lastRate);
        }
        lossSum = 0;
        lossEpochs = 0;
        if (normEpochs.has(session.epoch) && normCurve.at(-1)?.epoch !== session.epoch)
          normCurve.push({ epoch: session.epoch, norms: blockProductNorms(U, V, inputs, problem.balanceBlockSize) });
        return { U, V };
      };
      /** Runs up to `until`, stopping at every sample epoch; false when training diverged. */
      const runTo = (until: number): boolean => {
        while (session.epoch < until) {
          let next = session.epoch + 1;
          while (next < until && !samples.has(next) && !normEpochs.has(next)) next++;
          const chunk = session.run(next - session.epoch);
          for (let i = 0; i < chunk.epochs; i++) {
            if (chunk.diverged && i === chunk.epochs - 1) break;
            lossSum += chunk.stochasticLoss[i]!;
            lossEpochs++;
            lastRate = chunk.learningRate[i]!;
          }
          if (chunk.diverged) {
            divergedAtEpoch = session.epoch;
            return false;
          }
          if (samples.has(session.epoch) || normEpochs.has(session.epoch)) sample();
        }
        return true;
      };

      let status: "converged" | "max-epochs" | "diverged" = "max-epochs";
      let previous: number[] | undefined;
      let best = Number.POSITIVE_INFINITY;
      let quiet = 0;
      /** The cycle end with the lowest annealed objective so far, whose weights the run reports. */
      let annealed: { U: Matrix; V: Matrix; epoch: number } | undefined;
      cycles: for (let index = 0; session.epoch < cap; index++) {
        const start = session.epoch;
        const length = Math.min(cycleLength(index), cap - start);
        const stairs = stairStarts(length);
        for (let s = 0; s < stairs.length; s++) {
          setScale(session, s);
          const end = start + (s + 1 < stairs.length ? stairs[s + 1]! : length);
          if (!runTo(end)) {
            status = "diverged";
            break cycles;
          }
        }
        const { U, V } = sample();
        const norms = blockProductNorms(U, V, inputs, problem.balanceBlockSize);
        const largest = Math.max(0, ...norms);
        if (previous) {
          const moved = Math.max(0, ...norms.map((n, g) => Math.abs(n - previous![g]!)));
          const improved = best - value > problem.tolerance * Math.max(Math.abs(value), floor);
          quiet = !improved && moved <= BALANCE_TOLERANCE * largest ? quiet + 1 : 0;
          cycles.push({
            epoch: session.epoch,
            objective: value,
            normChange: largest > 0 ? moved / largest : moved > 0 ? Number.MAX_VALUE : 0,
          });
        } else cycles.push({ epoch: session.epoch, objective: value, normChange: null });
        previous = norms;
        if (value < best) annealed = { U, V, epoch: session.epoch };
        best = Math.min(best, value);
        if (quiet >= QUIET_CYCLES) {
          status = "converged";
          break;
        }
      }
      // A quiet cycle may end above the best annealed objective (mask noise at the end of its
      // last stair): the run reports the best cycle end's weights, not the last iterate's.
      const { U, V } = status !== "diverged" && annealed ? annealed : session.weights();
      if (status === "diverged") finitePrefix(curves, normCurve);
      return {
        status,
        epochsRun: session.epoch,
        weightsEpoch: status !== "diverged" && annealed ? annealed.epoch : session.epoch,
        ...(divergedAtEpoch !== undefined ? { divergedAtEpoch } : {}),
        U,
        V,
        curves,
        normCurve,
        cycles,
      };
    },
  );
}

/** Before a divergence weights can grow past what a double holds: keep the samples up to the first non-finite one. */
function finitePrefix(curves: TrainingCurves, normCurve: { epoch: number; norms: number[] }[]): void {
  const finite = (i: number) =>
    Number.isFinite(curves.stochasticLoss[i]) &&
    Number.isFinite(curves.deterministicObjective[i]) &&
    Number.isFinite(curves.learningRate[i]);
  let end = 0;
  while (end < curves.epoch.length && finite(end)) end++;
  for (const series of Object.values(curves) as number[][]) series.length = end;
  let normEnd = 0;
  while (normEnd < normCurve.length && normCurve[normEnd]!.norms.every(Number.isFinite)) normEnd++;
  normCurve.length = normEnd;
}

/** Stair s of a cycle runs at peak / 2^s (exact powers of two, by repeated halving). */
function setScale(session: TrainingSession, stair: number): void {
  let scale = 1;
  for (let i = 0; i < stair; i++) scale *= 0.5;
  session.learningRateScale = scale;
}
