// How the report reads block norms out of a stored result (shared/report/cells.ts): on their
// own epoch axis (what the experiments write), aligned with the loss curves (older results),
// or only the final ones.
import { describe, expect, it } from "vitest";
import { fromCellResult } from "../../shared/report/cells.js";
import { emptyMetrics, type LinearMetrics } from "../../shared/results/metrics.js";
import { RESULT_FORMAT, type CellResult } from "../../shared/results/result.js";

const result = (curves: Record<string, number[]>, metrics: Partial<LinearMetrics> = {}): CellResult => ({
  format: RESULT_FORMAT,
  hash: "ab".repeat(32),
  kernelVersion: 1,
  cell: {
    experiment: "linear-factorisation",
    sizes: { m: 4, n: 4, hiddenUnits: 4 },
    target: { generator: "gaussian", noise: 0 },
    mask: { family: "dropblock", keepProbability: 0.5, blockSize: 2 },
    optimiser: { learningRate: 0.1, epochs: 10, tolerance: 3e-4, batchSize: 4, maskScope: "sample", dtype: "f64" },
    seed: 0,
    monteCarloSamples: 0,
  },
  status: "ok",
  metrics: { ...emptyMetrics(), ...metrics },
  spectra: {},
  curves,
});

describe("fromCellResult block norms", () => {
  const loss = Array.from({ length: 10 }, (_, i) => 10 - i);

  it("reads blockNorm.1..b at the epochs of blockNorm.epoch, apart from the loss curves", () => {
    const cell = fromCellResult(
      result({
        epoch: loss.map((_, i) => i + 1),
        deterministicObjective: loss,
        "blockNorm.epoch": [1, 2, 4, 8, 10],
        "blockNorm.1": [1, 2, 3, 4, 5],
        "blockNorm.2": [5, 4, 3, 2, 1],
      }),
    );
    expect(cell.curve).toHaveLength(10);
    expect(cell.blockNorms).toEqual([
      { epoch: 1, blockNorms: [1, 5] },
      { epoch: 2, blockNorms: [2, 4] },
      { epoch: 4, blockNorms: [3, 3] },
      { epoch: 8, blockNorms: [4, 2] },
      { epoch: 10, blockNorms: [5, 1] },
    ]);
  });

  it("reads block norms recorded at every epoch against the loss curves' epochs", () => {
    const cell = fromCellResult(result({ epoch: [5, 6, 7], stochasticLoss: [3, 2, 1], "blockNorm.1": [0.1, 0.2, 0.3] }));
    expect(cell.blockNorms).toEqual([0.1, 0.2, 0.3].map((v, i) => ({ epoch: 5 + i, blockNorms: [v] })));
  });

  it("falls back to the final block norms at the last epoch", () => {
    const cell = fromCellResult(result({ deterministicObjective: loss }, { blockNorms: [0.5, 0.6] }));
    expect(cell.blockNorms).toEqual([{ epoch: 10, blockNorms: [0.5, 0.6] }]);
    expect(fromCellResult(result({})).blockNorms).toBeUndefined();
  });
});
