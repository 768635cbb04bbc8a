// Parameters of one deep-network cell (THEORY.md "Deep networks, dropout on the last layer"):
// the schema that a spec's `experiment: deep` cells (shared/spec/cell.ts) and `runDeepCell`
// (shared/deep/cell.ts) are checked with. Apart from shared/deep so that validating a spec does
// not load tfjs.
import * as z from "zod";
import { digitClasses, mnistSelectionProblems } from "../deep/mnistSelection.js";
import { UsageError } from "../errors.js";
import { hiddenUnitsSchema, maskFamilies, maskRuleProblems } from "../masks.js";
import { isPlainObject, variants } from "../spec/fields.js";
import { formatProblem, issuesToProblems, specErrorMap, type Problem } from "../spec/problems.js";

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

/** The value the schema gives a field left out (its default: one place). */
const defaultOf = <T>(schema: z.ZodType<T, unknown>): T => schema.parse(undefined);

/**
 * The rules across a deep cell's fields, on raw (unparsed) parameters, each at the field to
 * change; a field left out counts as its default, a field whose value is unusable (the schema
 * reports it) leaves its rules unchecked. Beside the schema rather than a zod refinement, so
 * they are reported with the fields' own problems (zod skips refinements once a field fails):
 *   - every block family is compared with partitioned DropBlock's closed form, so k divides r
 *     (shared/masks.ts says why per family);
 *   - the digits asked for exist (shared/deep/mnistSelection.ts: counts only, the digits are not
 *     loaded, so a spec is checked without the `mnist` package).
 * `resolveDeepCellParams` and a spec's deep cells (shared/spec/cell.ts) both check with this.
 */
export function deepParamProblems(raw: unknown): Problem[] {
  const given = (name: keyof typeof deepCellParamsSchema.shape): unknown => (isPlainObject(raw) ? raw[name] : undefined);
  const or = <T>(value: unknown, schema: z.ZodType<T, unknown>): unknown => (value === undefined ? defaultOf(schema) : value);
  const shape = deepCellParamsSchema.shape;
  const hiddenUnits = or(given("hiddenUnits"), shape.hiddenUnits);
  const problems = maskRuleProblems(given("mask"), { count: hiddenUnits, name: "hiddenUnits" }, ["mask"], { partitionedClosedForm: true });
  const samples = or(given("samples"), shape.samples);
  const proportions = given("classProportions");
  // Entries that are not 10 non-negative numbers are the schema's to report; all zero is ours.
  const usableProportions =
    proportions === undefined ||
    (Array.isArray(proportions) &&
      proportions.length === digitClasses &&
      proportions.every((p) => typeof p === "number" && Number.isFinite(p) && p >= 0));
  if (typeof samples === "number" && Number.isInteger(samples) && samples >= 1 && usableProportions)
    problems.push(
      ...mnistSelectionProblems({
        samples,
        seed: 0, // the counts do not depend on it
        ...(proportions !== undefined ? { classProportions: proportions as number[] } : {}),
      }),
    );
  return problems;
}

/**
 * Validate and fill defaults; every problem at once, each naming its field (the schema's, then
 * `deepParamProblems` at the fields the schema found nothing wrong with).
 */
export function resolveDeepCellParams(params: DeepCellParams): ResolvedDeepCellParams {
  const parsed = deepCellParamsSchema.safeParse(params, { error: specErrorMap, reportInput: true });
  const problems = parsed.success ? [] : issuesToProblems(parsed.error.issues);
  const reported = new Set(problems.map((p) => p.path));
  problems.push(...deepParamProblems(params).filter((p) => !reported.has(p.path)));
  if (problems.length || !parsed.success) throw new UsageError(`deep cell: ${problems.map(formatProblem).join("; ")}`);
  return parsed.data;
}
