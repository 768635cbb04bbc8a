// The one table of constants shared by the kernels and their TypeScript wrappers: mask family
// codes, learning-rate schedule codes, and the slots of the parameter blocks through which
// TypeScript hands a training run, a deterministic objective and a Monte Carlo check to the
// kernels. This file is both AssemblyScript (wasm/assembly/*.ts import it) and TypeScript
// (shared/numerics/*.ts import it as ../../wasm/assembly/layout.js): plain enums only, so the
// two sides cannot drift apart. A parameter block is an array of f64, one per slot; pointers
// and integers are stored as exact f64 values (every pointer and count is below 2^53).

/** Mask families of THEORY.md "Mask families" (shared/masks.ts), as the samplers know them. */
export enum MaskFamilyCode {
  Dropout = 0,
  DropBlock = 1,
  DropConnect = 2,
  ContiguousDropBlock = 3,
  Custom = 4,
}

/** Learning-rate schedules (shared/numerics/train.ts `LearningRateSchedule`). */
export enum ScheduleCode {
  /** learningRate throughout. */
  Constant = 0,
  /** learningRate * factor^floor(floor(t) / everyEpochs); A = factor, B = everyEpochs. */
  Step = 1,
  /** learningRate / (1 + decay t); A = decay. */
  InverseTime = 2,
  /** learningRate (f + (1 - f)(1 + cos(pi t / epochs)) / 2); A = f. */
  Cosine = 3,
}

/** Slots of a training run's parameter block (wasm/assembly/loop.ts reads them). */
export enum TrainSlot {
  /** Samples N. */
  N = 0,
  /** Input dimension d (= N in factorisation mode). */
  D,
  /** Outputs m. */
  M,
  /** Hidden units r. */
  R,
  /** Batch size B (the last batch of an epoch may be smaller). */
  BatchSize,
  /** Keep probability theta. */
  Theta,
  /** MaskFamilyCode. */
  Family,
  /** Block size k (1 for families without blocks). */
  BlockSize,
  /** 1: one mask per batch; 0: one per sample. */
  PerBatch,
  /** 1: DropConnect on the last layer (U); 0: on the first (V). */
  LastLayer,
  /** 1: factorisation mode X = I; 0: data X. */
  Factorisation,
  /** Pointer: X^T (N x d) in the working precision (0 in factorisation mode). */
  Xt,
  /** Pointer: Y^T (N x m) in the working precision. */
  Yt,
  /** Pointer: U^T (r x m), the output weights, transposed. */
  Ut,
  /** Pointer: V (d x r). */
  V,
  /** Pointer: N u32, the epoch's sample order. */
  Order,
  /** Pointer: trainScratchBytes(...) bytes. */
  Scratch,
  /** Custom family: pointer to P x r bytes of 0/1 patterns. */
  Patterns,
  /** Custom family: pointer to P f64 cumulative probabilities. */
  Cumulative,
  /** Custom family: P. */
  PatternCount,
  /** Philox key: low and high 32 bits of the seed. */
  Key0,
  Key1,
  /** Stream and substream of the training masks. */
  MaskStream,
  MaskSubstream,
  /** Stream of the minibatch order (substream = epoch). */
  OrderStream,
  /** Base learning rate. */
  LearningRate,
  /** Multiplies the schedule's step size (1 unless a caller lowers it between chunks). */
  LearningRateScale,
  /** ScheduleCode and its parameters A, B. */
  Schedule,
  ScheduleA,
  ScheduleB,
  /** Total epochs of the run (the cosine schedule's horizon). */
  Epochs,
  /** Pointer: an objective block (ObjectiveSlot), or 0 for no deterministic objective. */
  Objective,
  /** Out: SGD steps taken in the last epoch the kernel ran (fewer than a full epoch on divergence). */
  LastEpochSteps,
  /** Out: 1 if the last epoch the kernel ran diverged (a non-finite loss, weight or objective). */
  Diverged,
  /** Number of slots. */
  Count,
}

/**
 * Per-epoch record written by trainEpochs: `EpochField.Count` f64 per epoch, in this order.
 * Objective is NaN when there is no objective block or when training diverged in that epoch.
 */
export enum EpochField {
  /** N * mean of the masked per-sample losses of the epoch (each at its step's start). */
  StochasticLoss = 0,
  /** Step size of the epoch's first step. */
  LearningRate,
  /** The deterministic objective at the weights after the epoch. */
  Objective,
  Count,
}

/** Slots of a deterministic objective's block (wasm/assembly/objective.ts). Data in f64. */
export enum ObjectiveSlot {
  N = 0,
  D,
  M,
  R,
  /** Pointer: Y^T (N x m). */
  Yt,
  /** Pointer: X^T (N x d), or 0 in factorisation mode. */
  Xt,
  /** Pointer: S = X X^T (d x d), or 0 in factorisation mode (S = I). */
  Gram,
  /** Pointer: E[z] / theta (r). */
  UnitMean,
  /** Pointer: Cov[z] / theta^2 (r x r), or 0 for first-layer DropConnect. */
  UnitWeight,
  /** First-layer DropConnect: lambda = (1 - theta) / theta (its regulariser uses diag(S)). */
  ConnectLambda,
  /** Pointer: objectiveScratchBytes(...) bytes. */
  Scratch,
  Count,
}

/** Slots of a Monte Carlo check's block (wasm/assembly/monteCarlo.ts). */
export enum MonteCarloSlot {
  /** Pointer: the objective block of the same problem (data, sizes). */
  Objective = 0,
  /** Pointers: U^T (r x m) and V (d x r) in f64, the weights to check. */
  Ut,
  V,
  /** MaskFamilyCode, theta, block size, DropConnect layer (1 = last). */
  Family,
  Theta,
  BlockSize,
  LastLayer,
  /** Custom family's table (as in TrainSlot). */
  Patterns,
  Cumulative,
  PatternCount,
  /** Number of mask draws. */
  Draws,
  /** Philox key, stream and substream of the draws. */
  Key0,
  Key1,
  Stream,
  Substream,
  /** Pointer: Draws f64, the masked loss of each draw. */
  Out,
  /** Pointer: monteCarloScratchBytes(...) bytes. */
  Scratch,
  Count,
}
