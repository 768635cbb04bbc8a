// Mask families of THEORY.md ("Mask families"): the one description of a mask. The zod schema
// below is what the spec (shared/spec/cell.ts), the deep experiment's parameters
// (shared/experiments/deepParams.ts), the wasm samplers (shared/numerics/masks.ts), the theory
// (shared/theory) and `dropsweep theory` check masks with, and `MaskFamily` is its output type.
// Every family scales kept units by 1/keepProbability (theta).
//
// A mask is checked against the r hidden units it masks in one place too (`maskRuleProblems`): a
// partitioned block size divides r, a window fits in r, a custom pattern has r entries. Each
// rule has one wording (with the reason for the family in hand), naming r as the caller's input
// names it (`sizes.hiddenUnits` in a linear spec, `hiddenUnits` in a deep one, `--hidden` on the
// command line):
//   mask.blockSize: expected a divisor of sizes.hiddenUnits = 12 (partitioned DropBlock splits
//   the units into blocks), got 5
import * as z from "zod";
import { integer, isPlainObject, number, oneOf, variants } from "./spec/fields.js";
import { formatProblem, issuesToProblems, joinPath, specErrorMap, type Problem } from "./spec/problems.js";

const keepProbability = number({ gt: 0, le: 1 }).default(0.5);
const blockSize = integer({ ge: 1 });
const zeroOrOne = z.number({ error: "expected 0 or 1" }).refine((x): boolean => x === 0 || x === 1, { error: "expected 0 or 1" });

/** r, the hidden units a mask covers. */
export const hiddenUnitsSchema = integer({ ge: 1 });

/** Each family's fields, in the order "expected one of" lists them. */
export const maskFamilies = {
  /** z_i ~ Bernoulli(theta) iid over the r hidden units. */
  dropout: z.strictObject({ family: z.literal("dropout"), keepProbability }),
  /** Partitioned DropBlock: b = r / k contiguous blocks of blockSize k, one Bernoulli(theta) each. */
  dropblock: z.strictObject({ family: z.literal("dropblock"), keepProbability, blockSize }),
  /** Bernoulli(theta) on every weight of one layer: "first" is V (input -> hidden), "last" is U. */
  dropconnect: z.strictObject({
    family: z.literal("dropconnect"),
    keepProbability,
    layer: oneOf(["first", "last"]).default("last"),
  }),
  /**
   * The original DropBlock (Ghiasi et al. 2018) in 1-D: seeds at rate gamma, each drops a window
   * of blockSize consecutive units. Windows wrap around circularly, so every unit is covered by
   * exactly k windows and the keep rate is theta everywhere: gamma = 1 - theta^(1/k), mean theta*1.
   */
  "contiguous-dropblock": z.strictObject({ family: z.literal("contiguous-dropblock"), keepProbability, blockSize }),
  /**
   * Any finite distribution over 0/1 mask vectors of length r: pattern j with probability p_j
   * (uniform over the patterns when `probabilities` is left out). Its mean and covariance are
   * known exactly; the mean need not be theta*1.
   */
  custom: z.strictObject({
    family: z.literal("custom"),
    keepProbability,
    patterns: z.array(z.array(zeroOrOne).min(1)).min(1),
    probabilities: z.array(number({ ge: 0, le: 1 })).optional(),
  }),
};

const parsedMaskSchema = variants("family", maskFamilies);
type ParsedMask = z.output<typeof parsedMaskSchema>;

/** A mask with every default filled (a custom mask's probabilities included). */
export type MaskFamily =
  Exclude<ParsedMask, { family: "custom" }> | (Extract<ParsedMask, { family: "custom" }> & { probabilities: number[] });

function withProbabilities(mask: ParsedMask): MaskFamily {
  if (mask.family !== "custom" || mask.probabilities !== undefined) return mask as MaskFamily;
  return { ...mask, probabilities: mask.patterns.map(() => 1 / mask.patterns.length) };
}

/**
 * A mask's own fields (THEORY.md "Mask families"). Fields only another family uses are dropped,
 * so a grid axis may span families (`mask.family: [dropout, dropblock]` with a blockSize only
 * dropblock reads).
 */
export const maskSchema = parsedMaskSchema.transform(withProbabilities);

/** r as the caller's input names it, for the messages of the rules. */
export interface HiddenUnits {
  /** The value given for r (anything: a rule whose inputs are not usable is not checked). */
  count: unknown;
  /** "sizes.hiddenUnits", "hiddenUnits", "--hidden". */
  name: string;
}

export interface MaskRuleOptions {
  /**
   * The caller measures contiguous DropBlock against partitioned DropBlock's closed form with
   * the same k (deep cells, shared/deep/cell.ts: the closed form, the block norms and claim 7's
   * comparison all use the partition into r / k blocks), so its k must divide r too, not only
   * fit in it. @default false
   */
  partitionedClosedForm?: boolean;
}

/**
 * The rules between a mask and its r hidden units, each in its one wording, at `at` + the mask
 * field to change. Reads whatever is usable of a raw mask, beside the schema rather than as a
 * zod refinement: zod skips a refinement once a field has failed (a non-integer, a keep
 * probability of 1.5), and a user fixes everything in one pass only if both are reported.
 */
export function maskRuleProblems(
  mask: unknown,
  r: HiddenUnits,
  at: (string | number)[] = ["mask"],
  options: MaskRuleOptions = {},
): Problem[] {
  if (!isPlainObject(mask)) return [];
  const problems: Problem[] = [];
  const report = (path: (string | number)[], message: string) => problems.push({ path: joinPath([...at, ...path]), message });
  const units = positiveInteger(r.count);
  if (mask.family === "dropblock" || mask.family === "contiguous-dropblock") {
    const k = positiveInteger(mask.blockSize);
    if (units !== undefined && k !== undefined) {
      // Why k must divide r, for the family in hand: partitioned DropBlock's blocks are a
      // partition; a contiguous one measured against that closed form needs the same partition.
      const reason =
        mask.family === "dropblock"
          ? "partitioned DropBlock splits the units into blocks"
          : "a deep cell measures contiguous DropBlock against partitioned DropBlock's closed form with the same block size, which splits the units into blocks";
      if ((mask.family === "dropblock" || options.partitionedClosedForm) && units % k !== 0)
        report(["blockSize"], `expected a divisor of ${r.name} = ${units} (${reason}), got ${k}`);
      else if (k > units)
        report(["blockSize"], `expected at most ${r.name} = ${units} (a window of blockSize units must fit in them), got ${k}`);
    }
  }
  if (mask.family === "custom" && Array.isArray(mask.patterns)) {
    const { patterns, probabilities } = mask;
    if (units !== undefined)
      patterns.forEach((pattern, i) => {
        if (Array.isArray(pattern) && pattern.length !== units)
          report(["patterns", i], `expected ${units} entries (${r.name}), got ${pattern.length}`);
      });
    if (Array.isArray(probabilities)) {
      if (probabilities.length !== patterns.length)
        report(["probabilities"], `expected ${patterns.length} entries (one per pattern), got ${probabilities.length}`);
      else if (probabilities.every((p) => typeof p === "number")) {
        const total = (probabilities as number[]).reduce((a, b) => a + b, 0);
        if (Math.abs(total - 1) > 1e-9) report(["probabilities"], `expected entries summing to 1, got a sum of ${total}`);
      }
    }
  }
  return problems;
}

function positiveInteger(value: unknown): number | undefined {
  return typeof value === "number" && Number.isInteger(value) && value >= 1 ? value : undefined;
}

/**
 * Every problem of a mask over `hiddenUnits` units (r itself, the mask's fields, the rules
 * between them), in the spec's words. `at`: the mask's path in messages (`mask.blockSize`;
 * [] gives `blockSize`); `hiddenUnitsName`: how r is named.
 */
export function maskProblems(
  mask: unknown,
  hiddenUnits: number,
  naming: { at?: (string | number)[]; hiddenUnitsName?: string } = {},
): Problem[] {
  const name = naming.hiddenUnitsName ?? "hiddenUnits";
  const at = naming.at ?? ["mask"];
  const problems: Problem[] = [];
  const r = hiddenUnitsSchema.safeParse(hiddenUnits, { error: specErrorMap, reportInput: true });
  if (!r.success) problems.push(...issuesToProblems(r.error.issues).map((p) => ({ ...p, path: name })));
  const parsed = maskSchema.safeParse(mask, { error: specErrorMap, reportInput: true });
  if (!parsed.success) problems.push(...issuesToProblems(parsed.error.issues, at));
  // A field with a problem of its own is not checked again by a rule.
  const reported = new Set(problems.map((p) => p.path));
  problems.push(...maskRuleProblems(mask, { count: hiddenUnits, name }, at).filter((p) => !reported.has(p.path)));
  return problems;
}

/** `maskProblems` as "path: message" lines. */
export function maskProblemLines(...args: Parameters<typeof maskProblems>): string[] {
  return maskProblems(...args).map(formatProblem);
}

/** `maskProblems` as one line, or undefined when the mask is usable. */
export function maskProblemText(...args: Parameters<typeof maskProblems>): string | undefined {
  const lines = maskProblemLines(...args);
  return lines.length ? lines.join("; ") : undefined;
}

/** lambda = (1 - theta) / theta (THEORY.md "Setting"). */
export function dropoutLambda(keepProbability: number): number {
  return (1 - keepProbability) / keepProbability;
}

/** Block size of a family in the sense of the k-support norm (1 for dropout and dropconnect). */
export function blockSizeOf(mask: MaskFamily): number {
  return mask.family === "dropblock" || mask.family === "contiguous-dropblock" ? mask.blockSize : 1;
}
