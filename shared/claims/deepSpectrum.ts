// Claim 6 (THEORY.md "Deep networks, dropout on the last layer"): a deep network trained with
// last-layer Dropout or partitioned DropBlock has output singular values near the closed form.
// Evidence: deep cells' `spectrumError` (contiguous DropBlock cells have no closed form of their
// own: claim 7 reads them). docs/DEEP.md has the measurements.
import type { Claim } from "./claim.js";
import { finite, type DeepEvidence } from "./evidence.js";
import { judgeConverged } from "./training.js";
import { check, range, thisSweep, verdict, worstFirst } from "./verdict.js";
import { counted } from "../text.js";

export const tolerances = {
  /** Deep-network spectrum error ||sigma(U Phi) - w|| / ||w||. */
  deepSpectrumError: 0.05,
} as const;

export const deepSpectrum: Claim = {
  id: "6",
  title: "Deep networks",
  statement: () =>
    "A deep network trained with last-layer DropBlock has output singular values near the closed-form prediction prox(σ(Y)) with μ = λ/b.",
  measured: (result) =>
    `The largest relative spectrum error ‖σ(U Φ) − w‖ / ‖w‖ ${thisSweep(result, "converged deep-network cell")} with Dropout or partitioned DropBlock.`,
  tolerances,
  justification: () =>
    "Measured in docs/DEEP.md: spectrum errors 0.011–0.028 over 13 cells at N = 1000, r = 40, θ = 0.5 (training noise: finite epochs, sampled masks); " +
    "0.05 is about twice the worst and 5–10 times below the errors of a wrong prediction (no shrinkage: 0.25; Dropout's closed form in place of DropBlock's on imbalanced classes: 0.13).",
  remedy: () =>
    "Open the linked cells (largest error first): the output spectrum reaches the prediction only once training has converged, so train longer (epochs) or on more samples; a mismatch concentrated in the small singular values of imbalanced classes points to the block size (the prediction is for partitioned blocks of k units).",
  plots: [],

  evaluate(evidence) {
    // The spectrum of a trained network: only converged cells (their stopping rule's
    // "converged", shared/deep/train.ts) are judged (training.ts).
    const deep = evidence.filter((e): e is DeepEvidence => e.kind === "deep" && e.cell.mask.family !== "contiguous-dropblock");
    const split = judgeConverged(
      deepSpectrum,
      deep,
      (e) => e.status === "ok" && finite(e.metrics.spectrumError),
      evidence.some((e) => e.kind === "deep")
        ? "no deep-network cells with dropout or partitioned DropBlock in this sweep"
        : "no deep-network cells in this sweep",
    );
    if ("result" in split) return split.result;
    const { cells, notConverged, stopped, unjudged } = split;
    const errors = cells.map((e) => e.metrics.spectrumError as number);
    const gaps = cells.map((e) => e.metrics.objectiveGap).filter(finite);
    const notes = [
      `spectrum error ${range(errors)} on ${counted(cells.length, "converged cell")}`,
      `objective gap ${range(gaps)} (reported, not claimed)`,
      ...stopped.map((note) => `not judged: ${note}`),
    ];
    const bearing = cells.map((e) => ({ hash: e.hash, badness: e.metrics.spectrumError as number }));
    const checks = [check("max spectrum error", Math.max(0, ...errors), "<=", tolerances.deepSpectrumError, cells.length)];
    return verdict(deepSpectrum, cells.length + notConverged.length, checks, notes, [...worstFirst(bearing), ...unjudged]);
  },
};
