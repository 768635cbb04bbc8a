// The metrics of a cell result, one schema per experiment kind: what each experiment writes
// into result.json's `metrics` (shared/experiments), what the Worker checks before writing it,
// and what Aggregate, the claims (shared/claims) and the report read back, by these types.
// Field meanings are THEORY.md's ("Claims the pipeline checks", "Representability").
//
// The seven row metrics are in every kind (null where a kind has no such measurement): they are
// the columns of summary.json's rows. The rest is the kind's own. The Worker checks strictly: a
// field an experiment writes must be declared here, so a misspelt name fails the cell instead
// of silently missing from the claims that read it. Readers ignore fields they do not know (a
// result of another build), and refuse only a missing or mistyped one.
import * as z from "zod";
import type { Cell, DeepCell, LinearCell, NoopCell } from "../spec/cell.js";
import { issuesToProblems, formatProblem, specErrorMap } from "../spec/problems.js";

const number = z.number();

const trainingStatuses = ["converged", "max-epochs", "diverged"] as const;
const trainingStatusSchema = z.enum(trainingStatuses);
export type TrainingStatus = z.infer<typeof trainingStatusSchema>;
const count = z.number().int().nonnegative();

/** The measurements every summary row shows; null where a kind of cell has none. */
export const rowMetricsShape = {
  /** (final objective - closed-form minimum) / closed-form minimum. */
  objectiveGap: number.nullable(),
  /** || learned spectrum - closed-form spectrum || / || closed-form spectrum ||. */
  spectrumError: number.nullable(),
  /** max / min Frobenius norm of the block products U_g V_g^T X (1 when balanced). */
  balanceRatio: number.nullable(),
  /** Singular values of the learned product above claim 5's threshold (shared/experiments/rank.ts). */
  learnedRank: count.nullable(),
  /** rank(A*), exactly (singular values > 0). */
  closedFormRank: count.nullable(),
  /** Enough blocks to attain the closed form (THEORY.md "Representability"). */
  representable: z.boolean().nullable(),
  /**
   * How training ended, in every trained cell's words (THEORY.md "Step size and stopping rule";
   * deep cells: shared/deep/train.ts): "converged", "max-epochs" (stopped at the cap first) or
   * "diverged". Claims that presume a trained optimum judge converged cells only. Null for
   * cells that do not train.
   */
  trainingStatus: trainingStatusSchema.nullable(),
};

/** The deterministic objective at epochs 1, 2, 4, ... and the last (claim 7 compares twins' curves). */
const objectiveCheckpoints = z.object({ epoch: z.array(count), value: z.array(number) });

/** Linear factorisation and regression cells (shared/experiments/linear.ts). */
const linearMetricsSchema = z.object({
  ...rowMetricsShape,
  // Where the closed form applies (dropout, partitioned DropBlock, DropConnect where it equals Dropout):
  /** Its objective, the global minimum of the deterministic objective. */
  closedFormMinimum: number.optional(),
  /** ||A*||_(k) / b: every block product's norm at a balanced optimum (claim 4). */
  balanceTarget: number.optional(),
  /** b = r / k, and the blocks A* needs: claims 3-5 tell cells at the bound (b = blocksNeeded) from those above it. */
  blocks: count.optional(),
  blocksNeeded: count.optional(),
  /** rank(A*) counted above claim 5's threshold, as learnedRank is (claim 5 compares the two). */
  closedFormRankAtThreshold: count.optional(),
  /** ||U_g V_g^T X||_F of every block at the trained weights. */
  blockNorms: z.array(number).optional(),
  // Trained to the end (status "ok"):
  /** The deterministic objective E_z L_z at the trained weights. */
  finalObjective: number.optional(),
  objectiveCheckpoints: objectiveCheckpoints.optional(),
  /** Claim 1: Monte Carlo mean of L_z over `samples` masks, its standard error, and the deterministic objective. */
  monteCarlo: z.object({ mean: number, standardError: number.nonnegative(), deterministic: number, samples: count }).optional(),
  /** Claim 2 (DropConnect cells): both regularisers at the trained weights. */
  regularisers: z.object({ dropout: number, dropconnect: number }).optional(),
  /** Diverged cells: the epoch training blew up at (null when not known). */
  divergedAtEpoch: count.nullable().optional(),
  /** Epochs of the run that produced the weights (optimiser.epochs when it stopped at the cap). */
  epochsRun: count.optional(),
  /** The cycle end whose weights the metrics are of: the one with the lowest annealed objective (THEORY.md "Step size and stopping rule"). */
  weightsEpoch: count.optional(),
  /** The peak step size it ran at (optimiser.learningRate, or the automatic one, halved at each restart). */
  learningRate: number.positive().optional(),
  /** Automatic step size only: runs started again at half the step after diverging. */
  restarts: count.optional(),
});
export type LinearMetrics = z.infer<typeof linearMetricsSchema>;

/** Deep-network cells (shared/experiments/deep.ts, mapped from shared/deep/cell.ts). */
const deepMetricsSchema = z.object({
  ...rowMetricsShape,
  /** E_z L_z at the final weights (sums over samples), its fit and regulariser terms. */
  finalObjective: number,
  objectiveCheckpoints,
  fit: number,
  regulariser: number,
  /** How training stopped (shared/deep/train.ts). */
  trainingStatus: trainingStatusSchema,
  epochsRun: count,
  /** Fraction of training digits whose largest output is their class. */
  trainingAccuracy: number,
  classCounts: z.array(count),
  /** lambda = (1 - theta) / theta, b = r / k, mu = lambda / b. */
  lambda: number,
  blocks: count,
  mu: number,
  /** ||U_g Phi_g||_F over the partition into blocks of k units. */
  blockNorms: z.array(number),
  // Dropout and partitioned DropBlock (the analysed schemes):
  closedFormMinimum: number.optional(),
  balanceTarget: number.optional(),
  /** Contiguous DropBlock: measured against the partitioned closed form with the same k (claim 7's question, not a convergence measurement). */
  partitionedClosedForm: z.object({ minimum: number, objectiveGap: number, spectrumError: number, balanceRatio: number }).optional(),
});
export type DeepMetrics = z.infer<typeof deepMetricsSchema>;

/** Noop cells measure nothing but their stand-in work. */
const noopMetricsSchema = z.object({ ...rowMetricsShape, checksum: count });
export type NoopMetrics = z.infer<typeof noopMetricsSchema>;

export type RowMetrics = Pick<LinearMetrics, keyof typeof rowMetricsShape>;

export type CellMetrics = LinearMetrics | DeepMetrics | NoopMetrics;

/** The row metrics of a cell with no such measurements (noop cells, and a base to fill in). */
export const emptyMetrics = (): RowMetrics => ({
  objectiveGap: null,
  spectrumError: null,
  balanceRatio: null,
  learnedRank: null,
  closedFormRank: null,
  representable: null,
  trainingStatus: null,
});

/** A cell and its metrics, typed together by the cell's kind (narrow on `kind`). */
export type KindedMetrics =
  | { kind: "linear"; cell: LinearCell; metrics: LinearMetrics }
  | { kind: "deep"; cell: DeepCell; metrics: DeepMetrics }
  | { kind: "noop"; cell: NoopCell; metrics: NoopMetrics };

/** The same schemas refusing any field they do not declare, for what an experiment writes. */
const strict = {
  linear: z.strictObject(linearMetricsSchema.shape),
  deep: z.strictObject(deepMetricsSchema.shape),
  noop: z.strictObject(noopMetricsSchema.shape),
};

/**
 * Check `metrics` against the schema of `cell`'s experiment and type the two together; the
 * problems name each field that is wrong ("metrics.monteCarlo.mean: expected a number, got
 * null"). `strict`: a field the schema does not declare is wrong too (the Worker's check of
 * what an experiment wrote); otherwise it is left out.
 */
export function checkMetrics(cell: Cell, metrics: unknown, options: { strict?: boolean } = {}): KindedMetrics | { problems: string[] } {
  const settings = { error: specErrorMap, reportInput: true };
  const fail = (error: z.ZodError) => ({ problems: issuesToProblems(error.issues, ["metrics"]).map(formatProblem) });
  switch (cell.experiment) {
    case "linear-factorisation":
    case "linear-regression": {
      const parsed = (options.strict ? strict.linear : linearMetricsSchema).safeParse(metrics, settings);
      return parsed.success ? { kind: "linear", cell, metrics: parsed.data } : fail(parsed.error);
    }
    case "deep": {
      const parsed = (options.strict ? strict.deep : deepMetricsSchema).safeParse(metrics, settings);
      return parsed.success ? { kind: "deep", cell, metrics: parsed.data } : fail(parsed.error);
    }
    case "noop": {
      const parsed = (options.strict ? strict.noop : noopMetricsSchema).safeParse(metrics, settings);
      return parsed.success ? { kind: "noop", cell, metrics: parsed.data } : fail(parsed.error);
    }
  }
}
