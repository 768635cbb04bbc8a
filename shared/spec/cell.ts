// One cell of a sweep: a fully resolved experiment configuration (every default filled), the
// unit of work a Worker computes and the thing that is hashed (shared/spec/hash.ts).
// The schema is the one description of what a cell may hold; shared/spec/spec.ts builds cells
// from a spec's fields and grid. Names follow THEORY.md: Y (m x N) targets, X (d x N) data,
// r = hiddenUnits, theta = keepProbability, k = blockSize.
import * as z from "zod";
import { deepCellParamsSchema, deepParamProblems } from "../experiments/deepParams.js";
import { hiddenUnitsSchema, maskRuleProblems, maskSchema } from "../masks.js";
import { flag, integer, isPlainObject, number, oneOf, variants } from "./fields.js";
import { issuesToProblems, specErrorMap, type Problem } from "./problems.js";

const units = integer({ ge: 1 });

/** The default cap on a linear cell's epochs (optimiser.epochs). */
export const DEFAULT_EPOCHS = 100_000;

const noise = number({ ge: 0 }).default(0);

/**
 * Targets Y. `gaussian`: iid N(0, 1) entries. The others: random orthogonal singular vectors
 * with a prescribed spectrum (flat: all 1; decaying: decay^i; spiky: `spikes` values of
 * `spikeHeight`, the rest 1; low-rank: `rank` ones, the rest 0). `noise` adds iid N(0, noise^2).
 */
const targetSchema = variants("generator", {
  gaussian: z.strictObject({ generator: z.literal("gaussian"), noise }),
  flat: z.strictObject({ generator: z.literal("flat"), noise }),
  decaying: z.strictObject({ generator: z.literal("decaying"), decay: number({ gt: 0, lt: 1 }).default(0.7), noise }),
  spiky: z.strictObject({
    generator: z.literal("spiky"),
    spikes: integer({ ge: 1 }).default(1),
    spikeHeight: number({ gt: 1 }).default(10),
    noise,
  }),
  "low-rank": z.strictObject({ generator: z.literal("low-rank"), rank: integer({ ge: 1 }), noise }),
});

/**
 * Data X (d x N) of the regression experiment. `orthogonal`: rows orthogonal, so X X^T is
 * diagonal (THEORY.md claim 2: first-layer DropConnect equals Dropout); `gaussian`: iid N(0, 1);
 * `correlated`: features with correlation^|i-j| between rows i and j.
 */
const dataSchema = variants("generator", {
  gaussian: z.strictObject({ generator: z.literal("gaussian") }),
  orthogonal: z.strictObject({ generator: z.literal("orthogonal") }),
  correlated: z.strictObject({ generator: z.literal("correlated"), correlation: number({ ge: 0, lt: 1 }).default(0.5) }),
});

/**
 * How linear cells train (THEORY.md "Step size and stopping rule", shared/experiments/stopping.ts):
 * SGD with sampled masks in annealing cycles until the annealed objective stops moving.
 */
const autoOrPositive = 'expected "auto" or a number > 0';

const optimiserSchema = z.strictObject({
  /** Peak step size of every cycle; "auto" derives it from the problem's scale (shared/experiments/stepSize.ts). */
  learningRate: z
    .custom<number | "auto">((v) => v === "auto" || (typeof v === "number" && Number.isFinite(v) && v > 0), { error: autoOrPositive })
    .default("auto"),
  /** The cap: training stops here if it has not converged ("max-epochs"). */
  epochs: integer({ ge: 1 }).default(DEFAULT_EPOCHS),
  /** Relative change of the annealed objective between cycles below which training has converged. */
  tolerance: number({ gt: 0, lt: 1 }).default(3e-4),
  /** Samples per step; defaults to the full batch (N). */
  batchSize: integer({ ge: 1 }).optional(),
  /** One mask per sample (THEORY.md default) or one per minibatch. */
  maskScope: oneOf(["sample", "batch"]).default("sample"),
  dtype: oneOf(["f64", "f32"]).default("f64"),
});

/** A cell's seed; a spec's `seeds` list holds these (so a listed seed is a valid cell seed). */
export const seedSchema = integer({ ge: 0, le: 0xffffffff });
const seed = seedSchema;
const monteCarloSamples = integer({ ge: 0 }).default(1000);

const linearCommon = {
  target: targetSchema.prefault({ generator: "gaussian" }),
  mask: maskSchema,
  optimiser: optimiserSchema.prefault({}),
  seed,
  monteCarloSamples,
};

const experimentSchemas = {
  /** X = I: Y (m x n) is factorised as U V^T (THEORY.md "Induced regulariser and closed-form global minimum"). */
  "linear-factorisation": z.strictObject({
    experiment: z.literal("linear-factorisation"),
    sizes: z.strictObject({ m: units, n: units, hiddenUnits: hiddenUnitsSchema }),
    ...linearCommon,
  }),
  /** Y (m x N) ~ U V^T X with data X (d x N) (THEORY.md "Data matrix"). */
  "linear-regression": z.strictObject({
    experiment: z.literal("linear-regression"),
    sizes: z.strictObject({ m: units, d: units, N: units, hiddenUnits: hiddenUnitsSchema }),
    data: dataSchema.prefault({ generator: "gaussian" }),
    ...linearCommon,
  }),
  /**
   * A deep network on MNIST digits with a mask on its last hidden layer (THEORY.md "Deep
   * networks, dropout on the last layer"; claims 6, 7): the parameters of `runDeepCell` (shared/experiments/deepParams.ts),
   * one schema.
   */
  deep: deepCellParamsSchema.safeExtend({ experiment: z.literal("deep") }),
  /**
   * Does nothing measurable: for the overhead of the pipeline itself. `iterations` of a
   * deterministic integer loop stand in for compute; `fail` makes the cell fail, to exercise
   * failure reporting end to end.
   */
  noop: z.strictObject({
    experiment: z.literal("noop"),
    seed,
    work: z.strictObject({ iterations: integer({ ge: 0 }).default(0), fail: flag().default(false) }).prefault({}),
  }),
};

/**
 * Fields of another experiment (and `sizes` keys of the other linear one) are dropped, so a
 * grid axis may span experiments; a spec reports the ones no cell reads (shared/spec/spec.ts).
 */
const cellSchema = variants("experiment", experimentSchemas, ["sizes"]);

/** The top-level fields a cell of `experiment` has (`seed` included), or undefined for an unknown kind. */
export function experimentFields(experiment: unknown): string[] | undefined {
  if (typeof experiment !== "string" || !Object.hasOwn(experimentSchemas, experiment)) return undefined;
  const fields = Object.keys(experimentSchemas[experiment as keyof typeof experimentSchemas].shape);
  return ["experiment", ...fields.filter((f) => f !== "experiment")];
}

export const experimentKinds = ["linear-factorisation", "linear-regression", "deep", "noop"] as const;

// The types a cell's code reads are the schema's output (one description), with the one
// field resolveCell derives after parsing: batchSize, the full batch when left out.
type ParsedCell = z.output<typeof cellSchema>;
type Resolved<C> = C extends { optimiser: infer O } ? { [K in keyof C]: K extends "optimiser" ? O & { batchSize: number } : C[K] } : C;

export type Cell = Resolved<ParsedCell>;
export type LinearFactorisationCell = Extract<Cell, { experiment: "linear-factorisation" }>;
export type LinearRegressionCell = Extract<Cell, { experiment: "linear-regression" }>;
export type DeepCell = Extract<Cell, { experiment: "deep" }>;
export type NoopCell = Extract<Cell, { experiment: "noop" }>;
export type LinearCell = LinearFactorisationCell | LinearRegressionCell;

export type CellCheck = { ok: true; cell: Cell } | { ok: false; problems: Problem[] };

/**
 * Validate raw cell fields, fill every default, check constraints across fields. The
 * constraints are checked even when some fields are invalid (on the values that are usable),
 * so one pass reports everything.
 */
export function resolveCell(raw: unknown): CellCheck {
  const parsed = cellSchema.safeParse(raw, { error: specErrorMap, reportInput: true });
  const problems = parsed.success ? [] : issuesToProblems(parsed.error.issues);
  const seen = new Set(problems.map((p) => p.path));
  for (const p of constraints(raw)) if (!seen.has(p.path)) problems.push(p);
  if (problems.length || !parsed.success) return { ok: false, problems };
  return { ok: true, cell: fillDerived(parsed.data) };
}

/**
 * Whether a cell's resolution depends on its seed only through the `seed` field itself: then
 * the same fields with another valid seed resolve to this cell with that seed, and planning
 * validates one cell per grid combination and the seed of each (shared/spec/spec.ts). Not for
 * deep cells: their checks (deepParamProblems) run for each seed, though today none reads it.
 */
export function seedIndependent(cell: Cell): boolean {
  return cell.experiment !== "deep";
}

/** Number of samples N (columns of Y): the full batch. */
export function sampleCount(cell: LinearCell): number {
  return cell.experiment === "linear-factorisation" ? cell.sizes.n : cell.sizes.N;
}

function fillDerived(cell: ParsedCell): Cell {
  if (cell.experiment === "noop" || cell.experiment === "deep") return cell;
  const samples = cell.experiment === "linear-factorisation" ? cell.sizes.n : cell.sizes.N;
  return { ...cell, optimiser: { ...cell.optimiser, batchSize: cell.optimiser.batchSize ?? samples } };
}

/** A usable value at `path` of the raw fields: a positive integer, or undefined. */
function count(raw: unknown, path: string): number | undefined {
  let node = raw;
  for (const part of path.split(".")) node = isPlainObject(node) ? node[part] : undefined;
  return typeof node === "number" && Number.isInteger(node) && node >= 1 ? node : undefined;
}

function field(raw: unknown, path: string): unknown {
  let node = raw;
  for (const part of path.split(".")) node = isPlainObject(node) ? node[part] : undefined;
  return node;
}

/**
 * Constraints across fields, each reported at the field to change. On the raw values, so they
 * are checked beside the fields' own problems (zod skips refinements once some checks fail).
 */
function constraints(raw: unknown): Problem[] {
  const experiment = field(raw, "experiment");
  if (experiment === "deep") return deepParamProblems(raw);
  if (experiment !== "linear-factorisation" && experiment !== "linear-regression") return [];
  const problems = maskRuleProblems(field(raw, "mask"), { count: field(raw, "sizes.hiddenUnits"), name: "sizes.hiddenUnits" });
  const samplesName = experiment === "linear-factorisation" ? "sizes.n" : "sizes.N";
  const samples = count(raw, samplesName);
  const batchSize = count(raw, "optimiser.batchSize");
  if (samples !== undefined && batchSize !== undefined && batchSize > samples)
    problems.push({ path: "optimiser.batchSize", message: `expected at most ${samplesName} = ${samples}, got ${batchSize}` });
  const m = count(raw, "sizes.m");
  if (m !== undefined && samples !== undefined) {
    const bound = Math.min(m, samples);
    const generator = field(raw, "target.generator");
    const rank = count(raw, "target.rank");
    const spikes = count(raw, "target.spikes");
    if (generator === "low-rank" && rank !== undefined && rank > bound)
      problems.push({ path: "target.rank", message: `expected at most min(sizes.m, ${samplesName}) = ${bound}, got ${rank}` });
    if (generator === "spiky" && spikes !== undefined && spikes > bound)
      problems.push({ path: "target.spikes", message: `expected at most min(sizes.m, ${samplesName}) = ${bound}, got ${spikes}` });
  }
  const d = count(raw, "sizes.d");
  if (experiment === "linear-regression" && d !== undefined && samples !== undefined && d > samples)
    problems.push({
      path: "sizes.d",
      message: `expected at most sizes.N = ${samples} (X X^T must be invertible, THEORY.md "Data matrix"), got ${d}`,
    });
  return problems;
}
