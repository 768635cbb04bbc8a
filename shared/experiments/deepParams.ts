// Parameters of one deep-network cell (THEORY.md "Deep networks, dropout on the last layer"):
// the schema that a spec's `experiment: deep` cells (shared/spec/cell.ts) and `runDeepCell`
// (shared/deep/cell.ts) are checked with. Apart from shared/deep so that validating a spec does
// not load tfjs.
import * as z from "zod";
import { digitClasses, mnistSelectionProblems } from "../deep/mnistSelection.js";
import { UsageError } from "../errors.js";
import { hiddenUnitsSchema, maskFamilies, maskRuleProblems } from "../masks.js";
import { variants } from "../spec/fields.js";
import { formatProblem, issuesToProblems, specErrorMap } from "../spec/problems.js";

const positiveInteger = z.number().int().min(1);

/** The masks of the last hidden layer: the families of shared/masks.ts that have a closed form to compare with. */
const lastLayerMaskSchema = variants("family", {
  dropout: maskFamilies.dropout,
  dropblock: maskFamilies.dropblock,
  "contiguous-dropblock": maskFamilies["contiguous-dropblock"],
});

/** Parameters of a cell, in the paper's words; every field but `mask` and `seed` has a default. */
export const deepCellParamsSchema = z.strictObject({
  /** N: training digits. */
  samples: positiveInteger.default(1000),
  /** r: units of the last hidden layer (the masked one). */
  hiddenUnits: hiddenUnitsSchema.default(40),
  /** Width of the first (ReLU) hidden layer. */
  firstHiddenUnits: positiveInteger.default(256),
  lastActivation: z.enum(["linear", "relu"]).default("linear"),
  mask: lastLayerMaskSchema,
  /** Maximum epochs (the stopping rule usually ends training earlier). */
  epochs: positiveInteger.default(150),
  /** Adam's initial step size. */
  learningRate: z.number().gt(0).default(0.003),
  batchSize: positiveInteger.default(100),
  seed: z.number().int().min(0).max(0xffffffff),
  /** Share of each digit class 0..9 in the training set; equal shares by default. */
  classProportions: z.array(z.number().min(0)).length(digitClasses).optional(),
  stopping: z
    .strictObject({
      tolerance: z.number().gt(0).default(1e-3),
      patience: positiveInteger.default(5),
      learningRateDecay: z.number().gt(0).lt(1).default(0.25),
      decays: z.number().int().min(0).default(3),
    })
    .prefault({}),
});

export type DeepCellParams = z.input<typeof deepCellParamsSchema>;
export type ResolvedDeepCellParams = z.output<typeof deepCellParamsSchema>;

/**
 * Validate and fill defaults; every problem at once, each naming its field. Across fields:
 * every block family is compared with the partitioned closed form, so its k divides r; the
 * digits asked for must exist.
 */
export function resolveDeepCellParams(params: DeepCellParams): ResolvedDeepCellParams {
  const parsed = deepCellParamsSchema.safeParse(params, { error: specErrorMap, reportInput: true });
  if (!parsed.success) throw new UsageError(`deep cell: ${issuesToProblems(parsed.error.issues).map(formatProblem).join("; ")}`);
  const p = parsed.data;
  const problems = [
    ...maskRuleProblems(p.mask, { count: p.hiddenUnits, name: "hiddenUnits" }, ["mask"], { partitioned: true }).map(formatProblem),
    ...mnistSelectionProblems({ samples: p.samples, seed: p.seed, classProportions: p.classProportions }),
  ];
  if (problems.length) throw new UsageError(`deep cell: ${problems.join("; ")}`);
  return p;
}
