// The deep experiment through the pipeline: a tiny `experiment: deep` cell planned from a spec,
// computed by the same worker as linear cells, read back in the common result format. The
// closed form is checked against THEORY.md's Dropout soft threshold computed here by hand
// (a flat spectrum makes DropBlock's closed form Dropout's), not against shared/theory.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { deepOutcome } from "../../shared/experiments/deep.js";
import { logSpacedEpochs } from "../../shared/experiments/experiment.js";
import { tolerances } from "../../shared/claims/list.js";
import type { DeepCellResult } from "../../shared/deep/cell.js";
import { aggregate } from "../../shared/pipeline/aggregate.js";
import type { DeepMetrics } from "../../shared/results/metrics.js";
import type { Summary } from "../../shared/results/summary.js";
import { type ManifestItem } from "../../shared/pipeline/contract.js";
import { keys } from "../../shared/store/layout.js";
import { plan, submitSpec } from "../../shared/pipeline/plan.js";
import { runWorker } from "../../shared/pipeline/worker.js";
import { readResult, type CellResult } from "../../shared/results/result.js";
import { resolveCell, type DeepCell } from "../../shared/spec/cell.js";
import { FileStore } from "../../shared/store/fs.js";

const root = mkdtempSync(join(tmpdir(), "dropsweep-deep-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const decode = (bytes: Uint8Array | undefined) => new TextDecoder().decode(bytes);

// 100 digits (10 a class), r = 10, k = 2, theta = 0.5, three epochs: a second of compute.
const spec = `
name: tiny-deep
sections:
  - name: deep
    experiment: deep
    samples: 100
    hiddenUnits: 10
    firstHiddenUnits: 16
    epochs: 3
    batchSize: 50
    seeds: [4]
    grid:
      mask:
        - { family: dropblock, keepProbability: 0.5, blockSize: 2 }
        - { family: contiguous-dropblock, keepProbability: 0.5, blockSize: 2 }
  - name: linear
    experiment: linear-factorisation
    sizes: { m: 4, n: 3, hiddenUnits: 2 }
    mask: { family: dropout, keepProbability: 0.5 }
    optimiser: { epochs: 5 }
    monteCarloSamples: 10
`;

describe("deep cells in the pipeline", () => {
  it("are planned, computed by the worker beside linear cells, and stored in the common result format", async () => {
    const store = new FileStore(join(root, "store"));
    const { event, sweep } = await submitSpec(store, spec);
    const planned = await plan(store, event);
    expect(sweep.cells.map((c) => c.cell.experiment)).toEqual(["deep", "deep", "linear-factorisation"]);
    const items = decode(await store.get(keys.manifest(planned.sweepId)))
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as ManifestItem);
    const done = await runWorker(store, { Items: items, BatchInput: { sweepId: planned.sweepId } });
    expect(done.failed).toEqual([]);
    expect(done.computed).toHaveLength(3);

    const results: CellResult[] = [];
    for (const c of sweep.cells) {
      const read = await readResult(store, c.hash);
      if (read.state !== "valid") throw new Error(`no result for ${c.hash}`);
      results.push(read.result);
      expect(JSON.parse(decode(await store.get(keys.timings(c.hash))))).toMatchObject({ hash: c.hash });
    }
    // Deep cells' metrics (shared/results/metrics.ts; the Worker checked them against it).
    const [partitioned, contiguous] = results as [CellResult & { metrics: DeepMetrics }, CellResult & { metrics: DeepMetrics }];
    // Row fields every kind carries; null where a kind has no such measurement.
    for (const r of results)
      for (const field of ["objectiveGap", "spectrumError", "balanceRatio", "learnedRank", "closedFormRank", "representable"])
        expect(r.metrics).toHaveProperty(field);

    // Flat sigma(Y) = sqrt(10): Dropout's soft threshold tau = lambda sum sigma / (r + lambda rho)
    // with lambda = 1, r = 10, rho = 10 gives w = sqrt(10) / 2 for all ten.
    const sigma = Math.sqrt(10);
    const w = sigma - (1 * 10 * sigma) / (10 + 1 * 10);
    expect(partitioned.spectra.target).toHaveLength(10);
    partitioned.spectra.target!.forEach((s) => expect(s).toBeCloseTo(sigma, 12));
    partitioned.spectra.closedForm!.forEach((x) => expect(x).toBeCloseTo(w, 12));
    expect(partitioned.spectra.learned).toHaveLength(10);
    // Spectrum error recomputed from the stored spectra.
    const learned = partitioned.spectra.learned!;
    const error = Math.sqrt(learned.reduce((s, x) => s + (x - w) ** 2, 0) / (10 * w * w));
    expect(partitioned.metrics.spectrumError).toBeCloseTo(error, 12);
    expect(partitioned.metrics).toMatchObject({
      closedFormRank: 10,
      representable: true,
      learnedRank: learned.filter((x) => x > tolerances.rankThreshold * sigma).length,
    });
    expect(partitioned.metrics.balanceRatio).toBeGreaterThanOrEqual(1);

    // Curves: one entry per epoch, 1-based like linear cells.
    expect(partitioned.curves.epoch).toEqual([1, 2, 3]);
    for (const name of ["stochasticLoss", "deterministicObjective", "fit", "regulariser", "learningRate", "spectrumError"])
      expect(partitioned.curves[name]).toHaveLength(3);
    partitioned.curves.deterministicObjective!.forEach((f, i) =>
      expect(f).toBeCloseTo(partitioned.curves.fit![i]! + partitioned.curves.regulariser![i]!, 8),
    );
    expect(partitioned.metrics.finalObjective).toBe(partitioned.curves.deterministicObjective![2]);
    expect(partitioned.metrics.objectiveCheckpoints).toEqual({ epoch: [1, 2, 3], value: partitioned.curves.deterministicObjective });
    // Block norms of the b = 5 blocks over epochs, ending at the final ones.
    expect(partitioned.curves["blockNorm.epoch"]).toEqual([1, 2, 3]);
    const finalNorms = partitioned.metrics.blockNorms as number[];
    expect(finalNorms).toHaveLength(5);
    finalNorms.forEach((norm, g) => expect(partitioned.curves[`blockNorm.${g + 1}`]!.at(-1)).toBeCloseTo(norm, 12));

    // Contiguous windows have no closed form of their own: row fields null, the partitioned
    // comparison kept under its own name, as for linear contiguous cells.
    expect(contiguous.metrics).toMatchObject({
      objectiveGap: null,
      spectrumError: null,
      balanceRatio: null,
      closedFormRank: null,
      representable: null,
    });
    expect(contiguous.spectra.closedForm).toBeUndefined();
    expect(contiguous.metrics.partitionedClosedForm).toMatchObject({ minimum: partitioned.metrics.closedFormMinimum });

    // Aggregate evaluates claims 6 and 7 on them: far from converged after 3 epochs (their stopping
    // rule says so), so both are inconclusive and say what to change; the rows carry the status.
    expect([partitioned.metrics.trainingStatus, contiguous.metrics.trainingStatus]).toEqual(["max-epochs", "max-epochs"]);
    await aggregate(store, { sweepId: planned.sweepId });
    const summary = JSON.parse(decode(await store.get(keys.report(planned.sweepId, "summary.json")))) as Summary;
    const claim = (id: string) => summary.claims.find((c) => c.id === id)!;
    expect(claim("6")).toMatchObject({ status: "inconclusive", cells: 1, measured: null });
    expect(claim("6").reason).toMatch(/1 deep cell stopped at epochs = 3 before converging: raise it/);
    expect(claim("7")).toMatchObject({ status: "inconclusive", cells: 2 });
    expect(summary.rows.map((r) => r.trainingStatus)).toEqual(["max-epochs", "max-epochs", "max-epochs"]);
  }, 60_000);

  it("reject bad parameters at plan time, each naming its field", () => {
    const check = resolveCell({
      experiment: "deep",
      seed: 1,
      hiddenUnits: 20,
      samples: 9000,
      mask: { family: "dropblock", keepProbability: 1.5, blockSize: 3 },
    });
    expect(check.ok).toBe(false);
    if (check.ok) return;
    const paths = check.problems.map((p) => p.path).sort();
    expect(paths).toEqual(["mask.blockSize", "mask.keepProbability", "samples"]);
    // The words of the one mask schema (shared/masks.ts), as for linear cells.
    expect(check.problems.find((p) => p.path === "mask.keepProbability")!.message).toBe("expected a number > 0 and <= 1, got 1.5");
    expect(check.problems.find((p) => p.path === "mask.blockSize")!.message).toBe(
      "expected a divisor of hiddenUnits = 20 (partitioned DropBlock splits the units into blocks), got 3",
    );
    expect(check.problems.find((p) => p.path === "samples")!.message).toMatch(
      /^expected at most 8635 with equal class proportions .*, got 9000$/,
    );
  });

  it("map a diverged run to a diverged result", () => {
    const cell = resolveCell({ experiment: "deep", seed: 1, mask: { family: "dropout", keepProbability: 0.5 } });
    if (!cell.ok) throw new Error("cell");
    const nan: DeepCellResult = {
      status: "diverged",
      params: cell.cell as unknown as DeepCellResult["params"],
      spectra: { learned: [1], closedForm: [1], target: [2] },
      metrics: {
        lambda: 1,
        blocks: 40,
        mu: 1 / 40,
        epochsRun: 1,
        objective: { fit: 1, regulariser: 1, objective: 2 },
        closedFormObjective: 1,
        objectiveGap: 1,
        spectrumError: 0,
        representable: true,
        blockNorms: [1],
        balanceRatio: 1,
        balanceTarget: 1,
        trainingAccuracy: 0,
        classCounts: [1],
      },
      curves: { epoch: [0], stochasticLoss: [1], objective: [2], fit: [1], regulariser: [1], spectrumError: [null], learningRate: [0.1] },
    };
    const outcome = deepOutcome(cell.cell as DeepCell, nan);
    expect(outcome.status).toBe("diverged");
    expect(outcome.metrics.trainingStatus).toBe("diverged");
    expect(outcome.curves!.spectrumError).toBeUndefined();
  });

  it("keep block norms at log-spaced epochs, 1-based like the other curves", () => {
    const cell = resolveCell({ experiment: "deep", seed: 1, mask: { family: "dropblock", keepProbability: 0.5, blockSize: 20 } });
    if (!cell.ok) throw new Error("cell");
    const epochs = 30;
    const series = (f: (e: number) => number) => Array.from({ length: epochs }, (_, e) => f(e));
    const result: DeepCellResult = {
      status: "max-epochs",
      params: cell.cell as unknown as DeepCellResult["params"],
      spectra: { learned: [1], closedForm: [1], target: [2] },
      metrics: {
        lambda: 1,
        blocks: 2,
        mu: 0.5,
        epochsRun: epochs,
        objective: { fit: 1, regulariser: 1, objective: 2 },
        closedFormObjective: 1,
        objectiveGap: 1,
        spectrumError: 0,
        representable: true,
        blockNorms: [29, 58],
        balanceRatio: 2,
        balanceTarget: 1,
        trainingAccuracy: 0,
        classCounts: [1],
      },
      curves: {
        epoch: series((e) => e),
        stochasticLoss: series(() => 1),
        objective: series(() => 2),
        fit: series(() => 1),
        regulariser: series(() => 1),
        spectrumError: series(() => 0),
        learningRate: series(() => 0.1),
        blockNorms: Array.from({ length: epochs }, (_, e) => [e, 2 * e]),
      },
    };
    const curves = deepOutcome(cell.cell as DeepCell, result).curves!;
    const kept = logSpacedEpochs(epochs);
    expect(curves["blockNorm.epoch"]).toEqual(kept);
    // Entry e (0-based) of the deep curves is epoch e + 1.
    expect(curves["blockNorm.1"]).toEqual(kept.map((e) => e - 1));
    expect(curves["blockNorm.2"]).toEqual(kept.map((e) => 2 * (e - 1)));
    expect(curves["blockNorm.3"]).toBeUndefined();
  });
});
