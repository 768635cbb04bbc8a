// The stopping rule (THEORY.md "Step size and stopping rule", shared/experiments/stopping.ts):
// its schedule replayed step size by step size through the session API, its decision checked on
// the values it recorded, the cap, divergence and restarts, and determinism.
import { describe, expect, it } from "vitest";
import { runLinear } from "../../shared/experiments/linear.js";
import { initialWeights } from "../../shared/experiments/initialWeights.js";
import { resolveCell, type LinearCell } from "../../shared/spec/cell.js";
import {
  cycleLength,
  FIRST_CYCLE,
  HALVINGS,
  QUIET_CYCLES,
  RESTARTS,
  trainUntilConverged,
  type StoppingProblem,
} from "../../shared/experiments/stopping.js";
import { automaticLearningRate } from "../../shared/experiments/stepSize.js";
import { gaussianMatrix, Stream } from "../../shared/numerics/rng.js";
import { withMaskedTraining } from "../../shared/numerics/train.js";
import { canonicalJson } from "../../shared/spec/canonical.js";
import { createDeterministicObjective } from "../../shared/theory/index.js";
import type { MaskFamily } from "../../shared/masks.js";

function problem(overrides: Partial<StoppingProblem> = {}, mask: MaskFamily = { family: "dropblock", keepProbability: 0.5, blockSize: 2 }) {
  const targets = gaussianMatrix(6, 5, 7, Stream.targets);
  const r = 4;
  const objective = createDeterministicObjective({ targets, inputs: null, mask, hiddenUnits: r });
  const initial = initialWeights(targets, null, r, 7);
  const base: StoppingProblem = {
    targets,
    inputs: null,
    initialU: initial.U,
    initialV: initial.V,
    mask,
    maskScope: "sample",
    batchSize: 5,
    seed: 7,
    dtype: "f64",
    objective,
    learningRate: automaticLearningRate({ targets, inputs: null, mask, hiddenUnits: r, batchSize: 5 }),
    automatic: true,
    epochs: 100_000,
    tolerance: 3e-4,
    balanceBlockSize: mask.family === "dropblock" ? mask.blockSize : 1,
  };
  return { ...base, ...overrides };
}

/** The same problem with other targets (and the shapes that follow from them). */
function resize(p: StoppingProblem, targets: ReturnType<typeof gaussianMatrix>): StoppingProblem {
  const r = 8;
  const objective = createDeterministicObjective({ targets, inputs: null, mask: p.mask, hiddenUnits: r });
  const initial = initialWeights(targets, null, r, 3);
  return {
    ...p,
    targets,
    objective,
    initialU: initial.U,
    initialV: initial.V,
    batchSize: targets.cols,
    seed: 3,
    learningRate: automaticLearningRate({ targets, inputs: null, mask: p.mask, hiddenUnits: r, batchSize: targets.cols }),
  };
}

describe("the stopping rule", () => {
  it("cycles as documented: a ninth at the peak, then eight halvings, a ninth each; lengths 1000, 1500, 2250, ...", () => {
    expect([0, 1, 2, 3].map(cycleLength)).toEqual([1000, 1500, 2250, 3375]);
    // A run capped at the end of the first cycle, replayed with the session API step size by
    // step size: bit for bit the same weights.
    const p = problem({ epochs: FIRST_CYCLE });
    const run = trainUntilConverged(p);
    const replay = withMaskedTraining(
      { ...p, inputs: null, learningRate: p.learningRate, epochs: FIRST_CYCLE, schedule: { kind: "constant" } },
      (session) => {
        let scale = 1;
        for (let stair = 0; stair <= HALVINGS; stair++) {
          session.learningRateScale = scale;
          const end = Math.floor(((stair + 1) * FIRST_CYCLE) / (HALVINGS + 1));
          session.run(end - session.epoch);
          scale /= 2;
        }
        return session.weights();
      },
    );
    expect(run.status).toBe("max-epochs");
    expect(run.epochsRun).toBe(FIRST_CYCLE);
    expect(Array.from(run.U.data)).toEqual(Array.from(replay.U.data));
    expect(Array.from(run.V.data)).toEqual(Array.from(replay.V.data));
    expect(run.curves.learningRate.at(-1)).toBe(p.learningRate / 2 ** HALVINGS);
  });

  for (const [name, overrides, mask] of [
    ["a small dropblock cell", {}, undefined],
    ["a slower dropout cell", { targets: gaussianMatrix(12, 10, 3, Stream.targets) }, { family: "dropout", keepProbability: 0.5 }],
  ] as const)
    it(`stops when two cycles in a row neither improved the best annealed objective by the tolerance nor moved a block norm 10%: ${name}`, () => {
      const base = problem({}, mask);
      const p = "targets" in overrides ? resize(base, overrides.targets) : base;
      const run = trainUntilConverged(p);
      expect(run.status).toBe("converged");
      const ends = run.cycles;
      expect(run.epochsRun).toBe(ends.at(-1)!.epoch);
      // The objective at each cycle's end is the one the curves recorded there.
      for (const c of ends) expect(run.curves.deterministicObjective[run.curves.epoch.indexOf(c.epoch)]).toBe(c.objective);
      const quiet = (i: number) =>
        i > 0 &&
        Math.min(...ends.slice(0, i).map((c) => c.objective)) - ends[i]!.objective <= p.tolerance * ends[i]!.objective &&
        ends[i]!.normChange! <= 0.1;
      // The last QUIET_CYCLES are quiet, and no earlier run of them was.
      for (let i = ends.length - QUIET_CYCLES; i < ends.length; i++) expect(quiet(i), `cycle ${i}`).toBe(true);
      for (let i = QUIET_CYCLES; i < ends.length; i++)
        expect(
          [...Array(QUIET_CYCLES).keys()].every((j) => quiet(i - j)),
          `cycle ${i}`,
        ).toBe(i === ends.length - 1);
      expect(ends.map((c) => c.epoch)).toEqual(ends.map((_, i) => [...Array(i + 1).keys()].reduce((s, j) => s + cycleLength(j), 0)));
      // The weights reported are the best cycle end's.
      const best = ends.reduce((a, c) => (c.objective < a.objective ? c : a));
      expect(run.weightsEpoch).toBe(best.epoch);
      expect(p.objective.value(run.U, run.V)).toBe(best.objective);
    });

  it("reports the best cycle end's weights when the last quiet cycle ended above it (paper.yaml's DropConnect cell, theta = 0.3)", () => {
    const check = resolveCell({
      experiment: "linear-factorisation",
      sizes: { m: 12, n: 10, hiddenUnits: 8 },
      target: { generator: "gaussian" },
      mask: { family: "dropconnect", keepProbability: 0.3, layer: "last" },
      monteCarloSamples: 0,
      seed: 1,
    });
    if (!check.ok) throw new Error(JSON.stringify(check.problems));
    const { metrics, curves } = runLinear(check.cell as LinearCell);
    if (!("weightsEpoch" in metrics)) throw new Error("not a linear result");
    expect(metrics.trainingStatus).toBe("converged");
    const ends: number[] = [];
    for (let i = 0, end = 0; end < metrics.epochsRun!; i++) ends.push((end += cycleLength(i)));
    const objectiveAt = (epoch: number) => curves!["deterministicObjective"]![curves!["epoch"]!.indexOf(epoch)]!;
    const best = Math.min(...ends.map(objectiveAt));
    expect(metrics.weightsEpoch).toBeLessThan(metrics.epochsRun!);
    expect(objectiveAt(metrics.weightsEpoch!)).toBe(best);
    expect(metrics.finalObjective).toBe(best);
    expect(objectiveAt(metrics.epochsRun!)).toBeGreaterThan(best);
    // The last iterate had lost the closed form's fifth direction (learned rank 4 of 5); the best has it.
    expect(metrics.learnedRank).toBe(metrics.closedFormRank);
  });

  it("stops at the cap with max-epochs, the last cycle cut short so it still anneals", () => {
    const run = trainUntilConverged(problem({ epochs: 1200 }));
    expect(run.status).toBe("max-epochs");
    expect(run.epochsRun).toBe(1200);
    expect(run.cycles.map((c) => c.epoch)).toEqual([1000, 1200]);
    // The 200-epoch cycle ends at a 256th of the peak, like a whole one.
    expect(run.curves.learningRate.at(-1)).toBe(run.learningRate / 256);
  });

  it("with a step size the spec gave, a divergence is the outcome; with the automatic one it restarts at half the step", () => {
    const chosen = trainUntilConverged(problem({ learningRate: 1e6, automatic: false }));
    expect(chosen).toMatchObject({ status: "diverged", restarts: 0, learningRate: 1e6 });
    expect(chosen.divergedAtEpoch).toBeGreaterThanOrEqual(1);
    expect(chosen.curves.deterministicObjective.every(Number.isFinite)).toBe(true);
    const hopeless = trainUntilConverged(problem({ learningRate: 1e6, automatic: true }));
    expect(hopeless).toMatchObject({ status: "diverged", restarts: RESTARTS, learningRate: 1e6 / 2 ** RESTARTS });
    // A peak a few times too large: diverges, then trains at half (or a quarter) of it.
    const p = problem();
    const recovered = trainUntilConverged({ ...p, learningRate: p.learningRate * 24 });
    expect(recovered.restarts).toBeGreaterThanOrEqual(1);
    expect(recovered.learningRate).toBe((p.learningRate * 24) / 2 ** recovered.restarts);
    expect(recovered.status).toBe("converged");
  });

  it("is a pure function of its problem", () => {
    const a = trainUntilConverged(problem({}, { family: "dropout", keepProbability: 0.7 }));
    const b = trainUntilConverged(problem({}, { family: "dropout", keepProbability: 0.7 }));
    expect(canonicalJson({ ...a, U: Array.from(a.U.data), V: Array.from(a.V.data) })).toBe(
      canonicalJson({ ...b, U: Array.from(b.U.data), V: Array.from(b.V.data) }),
    );
  });
});
