// Hand-made evidence for the claims' tests: small cells of every kind, and a cell's evidence
// from the metrics a test names (the other row metrics null).
import type { CellEvidence } from "../../shared/claims/evidence.js";
import { evaluateClaims } from "../../shared/claims/list.js";
import type { ClaimResult } from "../../shared/claims/result.js";
import { emptyMetrics, type DeepMetrics, type LinearMetrics, type NoopMetrics } from "../../shared/results/metrics.js";
import type { CellResult } from "../../shared/results/result.js";
import type { Cell, DeepCell, LinearFactorisationCell, LinearRegressionCell } from "../../shared/spec/cell.js";

const optimiser = { learningRate: 0.1, epochs: 10, tolerance: 3e-4, batchSize: 4, maskScope: "sample", dtype: "f64" } as const;

export const factorisation = (mask: LinearFactorisationCell["mask"], seed = 0): LinearFactorisationCell => ({
  experiment: "linear-factorisation",
  sizes: { m: 4, n: 4, hiddenUnits: 4 },
  target: { generator: "gaussian", noise: 0 },
  mask,
  optimiser,
  seed,
  monteCarloSamples: 10,
});

export const regression = (mask: LinearRegressionCell["mask"], data: LinearRegressionCell["data"], seed = 0): LinearRegressionCell => ({
  experiment: "linear-regression",
  sizes: { m: 4, d: 3, N: 8, hiddenUnits: 4 },
  data,
  target: { generator: "gaussian", noise: 0 },
  mask,
  optimiser,
  seed,
  monteCarloSamples: 10,
});

export const deep = (mask: DeepCell["mask"], seed = 1): DeepCell => ({
  experiment: "deep",
  samples: 100,
  hiddenUnits: 20,
  firstHiddenUnits: 16,
  lastActivation: "linear",
  mask,
  epochs: 5,
  learningRate: 0.003,
  batchSize: 50,
  seed,
  stopping: { tolerance: 1e-3, patience: 5, learningRateDecay: 0.25, decays: 3 },
});

export const noop = (): Cell => ({ experiment: "noop", seed: 0, work: { iterations: 0, fail: false } });

export const dropblock = { family: "dropblock", keepProbability: 0.5, blockSize: 2 } as const;
export const contiguous = { ...dropblock, family: "contiguous-dropblock" } as const;

/** The metrics a test gives, of any kind (a claim reads only those of its cells' kind). */
export type TestMetrics = Partial<LinearMetrics> & Partial<DeepMetrics> & Partial<NoopMetrics>;

let n = 0;

/**
 * A cell's evidence with the metrics the test names; the rest of the row metrics are null and
 * the kind's other fields absent (a claim must cope with what a test leaves out). Cells that
 * train have converged unless the test says otherwise (or the cell diverged).
 */
export function evidence(
  cell: Cell,
  metrics: TestMetrics,
  status: "ok" | "diverged" = "ok",
  spectra?: CellResult["spectra"],
): CellEvidence {
  const training = cell.experiment === "noop" ? null : status === "diverged" ? "diverged" : "converged";
  const all = { ...emptyMetrics(), trainingStatus: training, ...metrics };
  const kinded =
    cell.experiment === "deep"
      ? { kind: "deep" as const, cell, metrics: all as DeepMetrics }
      : cell.experiment === "noop"
        ? { kind: "noop" as const, cell, metrics: all as NoopMetrics }
        : { kind: "linear" as const, cell, metrics: all as LinearMetrics };
  return { ...kinded, hash: String(n++), status, ...(spectra ? { spectra } : {}) };
}

export const byId = (items: CellEvidence[]) =>
  Object.fromEntries(evaluateClaims(items).map((c) => [c.id, c])) as Record<string, ClaimResult>;
