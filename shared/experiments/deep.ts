// The deep-network experiment (THEORY.md "Deep networks, dropout on the last layer"; claims 6
// and 7): one cell is one `runDeepCell` of shared/deep, its result mapped onto the format of
// the linear cells (spectra learned / closedForm / target, the six row metrics, per-epoch
// curves), so deep and linear cells share the workers, the claims and the report.
// tfjs is loaded on the first deep cell only: sweeps without deep cells never pay for it.
import type { DeepCellResult } from "../deep/cell.js";
import type { DeepMetrics, RowMetrics } from "../results/metrics.js";
import type { DeepCell } from "../spec/cell.js";
import { blockNormCurves, logSpacedEpochs, objectiveCheckpoints, type Experiment, type Outcome } from "./experiment.js";
import { rankAbove } from "./rank.js";

/** Map a deep cell's result onto the common result format. */
export function deepOutcome(cell: DeepCell, result: DeepCellResult): Outcome<DeepMetrics> {
  const { metrics, spectra } = result;
  // Contiguous DropBlock has no closed form of its own (its windows overlap); the deep module
  // measures it against the partitioned one with the same k, which is claim 7's question, not
  // a convergence measurement: those numbers are kept under their own names, the row fields
  // stay null as for linear contiguous cells.
  const analysed = cell.mask.family !== "contiguous-dropblock";
  const common: RowMetrics = {
    objectiveGap: analysed ? metrics.objectiveGap : null,
    spectrumError: analysed ? metrics.spectrumError : null,
    balanceRatio: analysed ? metrics.balanceRatio : null,
    learnedRank: rankAbove(spectra.learned, spectra.target[0] ?? 0),
    closedFormRank: analysed ? spectra.closedForm.filter((w) => w > 0).length : null,
    representable: analysed ? metrics.representable : null,
    trainingStatus: result.status,
  };
  const out: DeepMetrics = {
    ...common,
    trainingStatus: result.status,
    // E_z L_z at the final weights, under the name linear cells use (claim 7 pairs read it).
    finalObjective: metrics.objective.objective,
    objectiveCheckpoints: objectiveCheckpoints(result.curves.objective),
    fit: metrics.objective.fit,
    regulariser: metrics.objective.regulariser,
    epochsRun: metrics.epochsRun,
    trainingAccuracy: metrics.trainingAccuracy,
    classCounts: metrics.classCounts,
    lambda: metrics.lambda,
    blocks: metrics.blocks,
    mu: metrics.mu,
    blockNorms: metrics.blockNorms,
    ...(analysed
      ? { closedFormMinimum: metrics.closedFormObjective, balanceTarget: metrics.balanceTarget }
      : {
          partitionedClosedForm: {
            minimum: metrics.closedFormObjective,
            objectiveGap: metrics.objectiveGap,
            spectrumError: metrics.spectrumError,
            balanceRatio: metrics.balanceRatio,
          },
        }),
  };
  const c = result.curves;
  const curves: Record<string, number[]> = {
    // 1-based like linear curves: entry i is the state after epoch i + 1.
    epoch: c.epoch.map((e) => e + 1),
    stochasticLoss: c.stochasticLoss,
    deterministicObjective: c.objective,
    fit: c.fit,
    regulariser: c.regulariser,
    learningRate: c.learningRate,
  };
  if (c.spectrumError.every((e): e is number => e !== null)) curves.spectrumError = c.spectrumError;
  // Block norms at log-spaced epochs only (as linear cells record them), on their own epoch axis.
  if (c.blockNorms && c.blockNorms.length === c.epoch.length) {
    const wanted = new Set(logSpacedEpochs(c.epoch.length));
    Object.assign(
      curves,
      blockNormCurves(c.blockNorms.flatMap((norms, i) => (wanted.has(i + 1) ? [{ epoch: c.epoch[i]! + 1, norms }] : []))),
    );
  }
  return {
    status: result.status === "diverged" ? "diverged" : "ok",
    metrics: out,
    spectra: {
      learned: spectra.learned,
      target: spectra.target,
      ...(analysed ? { closedForm: spectra.closedForm } : {}),
    },
    curves,
  };
}

export const deep: Experiment<DeepCell> = {
  kind: "deep",
  async run(cell) {
    const { runDeepCell } = await import("../deep/cell.js");
    const { experiment: _, ...params } = cell;
    return deepOutcome(cell, await runDeepCell(params));
  },
};
