// The metrics contract (shared/results/metrics.ts): what each experiment writes fits its kind's
// schema, a field the schema does not declare (a misspelt name) is refused naming it, and the
// pipeline acts on that: the Worker fails such a cell instead of writing it, and Aggregate does
// not take intact bytes with such metrics as evidence.
import { afterEach, describe, expect, it, vi } from "vitest";
import { deepOutcome } from "../../shared/experiments/deep.js";
import { runLinear } from "../../shared/experiments/linear.js";
import { noop } from "../../shared/experiments/noop.js";
import type { DeepCellResult } from "../../shared/deep/cell.js";
import { aggregate } from "../../shared/pipeline/aggregate.js";
import { type ManifestItem } from "../../shared/pipeline/contract.js";
import { keys } from "../../shared/store/layout.js";
import { plan, submitSpec } from "../../shared/pipeline/plan.js";
import { runWorker } from "../../shared/pipeline/worker.js";
import { checkMetrics, emptyMetrics } from "../../shared/results/metrics.js";
import { RESULT_FORMAT, writeResult } from "../../shared/results/result.js";
import { resolveCell, type Cell, type DeepCell, type LinearCell, type NoopCell } from "../../shared/spec/cell.js";
import { MemoryStore } from "../report/fixtures.js";

function resolved(fields: Record<string, unknown>): Cell {
  const check = resolveCell(fields);
  if (!check.ok) throw new Error(JSON.stringify(check.problems));
  return check.cell;
}

const linear = (mask: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
  resolved({
    experiment: "linear-regression",
    sizes: { m: 4, d: 3, N: 6, hiddenUnits: 4 },
    mask,
    optimiser: { epochs: 30 },
    monteCarloSamples: 5,
    seed: 1,
    ...extra,
  }) as LinearCell;

describe("each experiment's metrics fit its kind's schema", () => {
  it("linear cells of every family, diverged ones too", () => {
    const cells = [
      linear({ family: "dropout", keepProbability: 0.5 }),
      linear({ family: "dropblock", keepProbability: 0.5, blockSize: 2 }),
      linear({ family: "contiguous-dropblock", keepProbability: 0.5, blockSize: 2 }),
      linear({ family: "dropconnect", keepProbability: 0.5, layer: "first" }),
      linear({ family: "dropout", keepProbability: 0.5 }, { optimiser: { learningRate: 1e6, epochs: 20 } }),
    ];
    const outcomes = cells.map(runLinear);
    expect(outcomes.at(-1)!.status).toBe("diverged");
    for (const [i, outcome] of outcomes.entries())
      expect(checkMetrics(cells[i]!, outcome.metrics), cells[i]!.mask.family).toMatchObject({ kind: "linear" });
  });

  it("deep cells, analysed and contiguous", () => {
    for (const mask of [
      { family: "dropblock", keepProbability: 0.5, blockSize: 20 },
      { family: "contiguous-dropblock", keepProbability: 0.5, blockSize: 20 },
    ]) {
      const cell = resolved({ experiment: "deep", seed: 1, mask }) as DeepCell;
      const result: DeepCellResult = {
        status: "max-epochs",
        params: cell as unknown as DeepCellResult["params"],
        spectra: { learned: [1], closedForm: [1], target: [2] },
        metrics: {
          lambda: 1,
          blocks: 2,
          mu: 0.5,
          epochsRun: 2,
          objective: { fit: 1, regulariser: 1, objective: 2 },
          closedFormObjective: 1,
          objectiveGap: 1,
          spectrumError: 0,
          representable: true,
          blockNorms: [1, 2],
          balanceRatio: 2,
          balanceTarget: 1,
          trainingAccuracy: 0,
          classCounts: [1],
        },
        curves: {
          epoch: [0, 1],
          stochasticLoss: [1, 1],
          objective: [2, 2],
          fit: [1, 1],
          regulariser: [1, 1],
          spectrumError: [0, 0],
          learningRate: [0.1, 0.1],
        },
      };
      expect(checkMetrics(cell, deepOutcome(cell, result).metrics), mask.family).toMatchObject({ kind: "deep" });
    }
  });

  it("noop cells", async () => {
    const cell = resolved({ experiment: "noop", seed: 3 }) as NoopCell;
    expect(checkMetrics(cell, (await noop.run(cell)).metrics)).toMatchObject({ kind: "noop" });
  });
});

describe("metrics a schema does not allow", () => {
  const cell = resolved({ experiment: "noop", seed: 3 }) as NoopCell;

  it("are refused naming each field, with a suggestion for a misspelt one where the check is strict", () => {
    expect(checkMetrics(cell, { ...emptyMetrics(), checksum: 1, objectivegap: 0 }, { strict: true })).toEqual({
      problems: [expect.stringMatching(/^metrics\.objectivegap: unknown field \(did you mean objectiveGap\?\)/)],
    });
    // A reader leaves out a field it does not know (a result of another build), and keeps the rest.
    expect(checkMetrics(cell, { ...emptyMetrics(), checksum: 1, objectivegap: 0 })).toEqual({
      kind: "noop",
      cell,
      metrics: { ...emptyMetrics(), checksum: 1 },
    });
    expect(checkMetrics(cell, { ...emptyMetrics(), learnedRank: 1.5 })).toEqual({
      problems: ["metrics.learnedRank: expected an integer, got 1.5", "metrics.checksum: missing (expected a number)"],
    });
    // The same metrics are a linear cell's only if its schema says so: the kind decides.
    expect(
      checkMetrics(linear({ family: "dropout", keepProbability: 0.5 }), { ...emptyMetrics(), checksum: 1 }, { strict: true }),
    ).toHaveProperty("problems");
  });

  describe("in the pipeline", () => {
    afterEach(() => vi.doUnmock("../../shared/experiments/registry.js"));

    it("Aggregate takes intact bytes whose metrics lack a field or mistype one as a corrupt result, not as evidence", async () => {
      const store = new MemoryStore();
      const { event } = await submitSpec(store, "name: m\nexperiment: noop\nseeds: [0, 1]\n");
      const planned = await plan(store, event);
      const items = new TextDecoder()
        .decode(await store.get(keys.manifest(planned.sweepId)))
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l) as ManifestItem);
      await runWorker(store, { Items: [items[0]!], BatchInput: { sweepId: planned.sweepId } });
      const bundle = new TextDecoder().decode(await store.get(keys.definitions(items[1]!.definition.bundle)));
      const definition = JSON.parse(bundle.slice(items[1]!.definition.offset, items[1]!.definition.offset + items[1]!.definition.length));
      await writeResult(store, {
        format: RESULT_FORMAT,
        hash: items[1]!.hash,
        kernelVersion: definition.kernelVersion,
        cell: definition.cell,
        status: "ok",
        metrics: { ...emptyMetrics(), checksum: "1", extra: 2 } as never,
        spectra: {},
        curves: {},
      });
      const out = await aggregate(store, { sweepId: planned.sweepId });
      expect(out.cells).toEqual({ total: 2, computed: 1, cached: 0, failed: 1 });
      const summary = JSON.parse(new TextDecoder().decode(await store.get(out.summaryKey)));
      expect(summary.rows[1]).toMatchObject({ status: "corrupt" });
      expect(summary.rows[1].error).toBe(
        'result is corrupt: its metrics do not match the noop experiment\'s (metrics.checksum: expected a number, got "1")',
      );
    });

    it("the Worker fails a cell whose experiment writes metrics its schema does not allow, and writes no result", async () => {
      vi.resetModules();
      vi.doMock("../../shared/experiments/registry.js", () => ({
        experimentFor: () => ({ kind: "noop", run: () => ({ metrics: { ...emptyMetrics(), checksum: 1, objectivegap: 0 } }) }),
      }));
      const { runWorker: mockedWorker } = await import("../../shared/pipeline/worker.js");
      const store = new MemoryStore();
      const { event } = await submitSpec(store, "name: m\nexperiment: noop\nseeds: [0]\n");
      const planned = await plan(store, event);
      const items = new TextDecoder()
        .decode(await store.get(keys.manifest(planned.sweepId)))
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l) as ManifestItem);
      const done = await mockedWorker(store, { Items: items, BatchInput: { sweepId: planned.sweepId } });
      expect(done.computed).toEqual([]);
      expect(done.failed).toHaveLength(1);
      expect(done.failed[0]!.error).toMatch(
        /^the noop experiment wrote metrics its schema does not allow \(shared\/results\/metrics\.ts\): metrics\.objectivegap: unknown field \(did you mean objectiveGap\?\)/,
      );
      expect(await store.get(keys.result(items[0]!.hash))).toBeUndefined();
    });
  });
});
