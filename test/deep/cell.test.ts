// runDeepCell end to end on a few hundred real digits: bit-identical reruns, the direction of
// the shrinkage the theory predicts, and input validation. Small networks keep this fast; the
// convergence numbers of docs/DEEP.md come from bench-sized cells.
import { describe, expect, it } from "vitest";
import { runDeepCell, type DeepCellParams } from "../../shared/deep/cell.js";
import { UsageError } from "../../shared/errors.js";
import { relativeError } from "../../shared/deep/measure.js";

const small = (overrides: Partial<DeepCellParams> = {}): DeepCellParams => ({
  samples: 300,
  hiddenUnits: 20,
  firstHiddenUnits: 64,
  mask: { family: "dropblock", keepProbability: 0.5, blockSize: 4 },
  epochs: 100,
  learningRate: 0.003,
  batchSize: 50,
  seed: 12,
  ...overrides,
});

describe("runDeepCell", () => {
  it("gives bit-identical results for the same parameters", async () => {
    const params = small({ epochs: 3 });
    const a = await runDeepCell(params);
    const b = await runDeepCell(params);
    expect(JSON.stringify(a)).toBe(JSON.stringify(b));
    const c = await runDeepCell({ ...params, seed: 13 });
    expect(c.spectra.learned).not.toEqual(a.spectra.learned);
  });

  it("trains on real digits: objective falls, curves per epoch, spectrum shrunk as predicted", async () => {
    const progress: number[] = [];
    const regularised = await runDeepCell(small(), { onEpoch: (e) => progress.push(e.epoch) });
    const plain = await runDeepCell(small({ mask: { family: "dropblock", keepProbability: 1, blockSize: 4 } }));
    const { metrics, curves, spectra } = regularised;
    expect(["converged", "max-epochs"]).toContain(regularised.status);
    expect(progress).toEqual(curves.epoch);
    expect(curves.objective).toHaveLength(metrics.epochsRun);
    expect(curves.objective.at(-1)!).toBeLessThan(0.6 * curves.objective[0]!);
    expect(metrics.trainingAccuracy).toBeGreaterThan(0.9);
    // One-hot targets: sigma(Y) = sqrt(n_c) = sqrt(30); the closed form shrinks it (mu > 0).
    spectra.target.forEach((s) => expect(s).toBeCloseTo(Math.sqrt(30), 10));
    spectra.closedForm.forEach((w) => expect(w).toBeLessThan(Math.sqrt(30)));
    // Theta < 1 shrinks every singular value below the unregularised network's.
    expect(spectra.learned).toHaveLength(10);
    spectra.learned.forEach((s, i) => expect(s).toBeLessThan(plain.spectra.learned[i]!));
    // ... and toward the closed form rather than toward sigma(Y).
    expect(metrics.spectrumError).toBeLessThan(0.1);
    expect(metrics.spectrumError).toBeLessThan(relativeError(spectra.learned, spectra.target) / 3);
    expect(plain.metrics.mu).toBe(0);
    expect(plain.metrics.objective.regulariser).toBe(0);
    expect(metrics.objective.objective).toBeGreaterThanOrEqual(metrics.closedFormObjective);
    expect(metrics.blockNorms).toHaveLength(5);
  }, 60_000);

  it("rejects bad parameters with every problem named, before any work", async () => {
    const bad = small({ hiddenUnits: 20, mask: { family: "dropblock", keepProbability: 1.5, blockSize: 3 } });
    await expect(runDeepCell(bad)).rejects.toThrow(UsageError);
    await expect(runDeepCell(bad)).rejects.toThrow(/mask.keepProbability/);
    await expect(runDeepCell(small({ mask: { family: "dropblock", keepProbability: 0.5, blockSize: 3 } }))).rejects.toThrow(
      /mask.blockSize: expected a divisor of hiddenUnits = 20 \(partitioned DropBlock splits the units into blocks\), got 3/,
    );
    await expect(runDeepCell(small({ samples: 9000 }))).rejects.toThrow(/samples: expected at most 8635 with equal class proportions/);
  });
});
