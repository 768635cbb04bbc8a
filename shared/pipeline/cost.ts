// A cell's expected compute time, from its definition alone: what Plan orders the manifest by
// (the most expensive cells first, so a run does not end on a few long cells while the other
// workers idle) and what a run's progress weighs cells by (infra/local/progress.ts), instead of
// counting a deep cell (seconds) like a linear one (tens of milliseconds).
//
// The unit is seconds on one core of the machine the coefficients were fitted on (timings.json
// of runs of sweeps/paper.yaml, 2026-12-03, Xeon Sapphire Rapids: deep cells 3.3-7.8 s at
// KERNEL_VERSION 5; linear cells under the stopping rule at KERNEL_VERSION 6 (the same at 7), 5-240 ms, their
// coefficient set from the same run's deep-to-linear ratio): only the ratios between cells
// matter to the order, and a run learns the machine's actual speed from the cells it finishes.
import type { Cell } from "../spec/cell.js";

/** Seconds per multiply-add of the linear training loop (a sample's forward and backward pass, r (m + inputs)). */
const linearSecondsPerUnit = 1.3e-9;
/** DropConnect masks every weight: measured 1.6-2.3 times a DropBlock cell of the same size. */
const dropconnectFactor = 1.8;
/**
 * A linear cell's `epochs` is a cap: the stopping rule (THEORY.md "Step size and stopping rule")
 * ends most cells long before it. The paper sweep's 363 linear cells ran 2,000 to 100,000
 * epochs, median 13,187: the expected count is that, or the cap when it is lower. Which cells
 * need more is not known before training.
 */
const typicalLinearEpochs = 13_000;
/** Seconds per multiply-add of the deep network's forward pass (tfjs wasm; the backward pass included). */
const deepSecondsPerUnit = 3.1e-10;
/** MNIST digits are 28 x 28 pixels; 10 classes. */
const deepInputs = 784;
const deepClasses = 10;
/**
 * A cell's fixed cost outside the experiment: reading its definition, checking for and writing
 * its result and timings (each write synced to disk). The paper run's two workers were busy
 * 130 s for 123 s of compute (timings.json) over 381 cells: about 20 ms a cell.
 */
const overheadSeconds = 0.02;
/** The noop experiment's xorshift loop. */
const noopSecondsPerIteration = 1e-9;

/**
 * Expected seconds to compute `cell` on one core. A deep cell's epochs are a maximum (its
 * stopping rule usually ends earlier): the coefficient was fitted on cells that stopped as
 * usual, so the estimate is of a typical cell.
 */
export function expectedSeconds(cell: Cell): number {
  switch (cell.experiment) {
    case "linear-factorisation":
    case "linear-regression": {
      const { m, hiddenUnits } = cell.sizes;
      const samples = cell.experiment === "linear-factorisation" ? cell.sizes.n : cell.sizes.N;
      const inputs = cell.experiment === "linear-factorisation" ? cell.sizes.n : cell.sizes.d;
      const perPass = samples * hiddenUnits * (m + inputs);
      // Training passes, then the Monte Carlo check's masked losses at the trained weights.
      const units = perPass * (Math.min(cell.optimiser.epochs, typicalLinearEpochs) + cell.monteCarloSamples);
      const family = cell.mask.family === "dropconnect" ? dropconnectFactor : 1;
      return overheadSeconds + units * linearSecondsPerUnit * family;
    }
    case "deep": {
      const perSample = deepInputs * cell.firstHiddenUnits + cell.firstHiddenUnits * cell.hiddenUnits + cell.hiddenUnits * deepClasses;
      return overheadSeconds + cell.epochs * cell.samples * perSample * deepSecondsPerUnit;
    }
    case "noop":
      return overheadSeconds + cell.work.iterations * noopSecondsPerIteration;
  }
}
