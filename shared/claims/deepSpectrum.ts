// Claim 6 (THEORY.md "Deep networks, dropout on the last layer"): a deep network trained with
// last-layer Dropout or partitioned DropBlock has output singular values near the closed form.
// Evidence: deep cells' `spectrumError` (contiguous DropBlock cells have no closed form of their
// own: claim 7 reads them). docs/DEEP.md has the measurements.
import type { Claim } from "./claim.js";
import { finite, type DeepEvidence } from "./evidence.js";
import { check, range, skipped, thisSweep, verdict, worstFirst } from "./verdict.js";
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
    `The largest relative spectrum error ‖σ(U Φ) − w‖ / ‖w‖ ${thisSweep(result, "deep-network cell")} with Dropout or partitioned DropBlock.`,
  tolerances,
  justification: () =>
    "Measured in docs/DEEP.md: spectrum errors 0.011–0.028 over 13 cells at N = 1000, r = 40, θ = 0.5 (training noise: finite epochs, sampled masks); " +
    "0.05 is about twice the worst and 5–10 times below the errors of a wrong prediction (no shrinkage: 0.25; Dropout's closed form in place of DropBlock's on imbalanced classes: 0.13).",
  remedy: () =>
    "Open the linked cells (largest error first): the output spectrum reaches the prediction only once training has converged, so train longer (epochs) or on more samples; a mismatch concentrated in the small singular values of imbalanced classes points to the block size (the prediction is for partitioned blocks of k units).",
  plots: [],

  evaluate(evidence) {
    const deep = evidence.filter((e): e is DeepEvidence => e.kind === "deep" && e.cell.mask.family !== "contiguous-dropblock");
    const cells = deep.filter((e) => e.status === "ok" && finite(e.metrics.spectrumError));
    const diverged = deep.filter((e) => e.status === "diverged").length;
    if (!cells.length && !diverged)
      return skipped(
        deepSpectrum,
        evidence.some((e) => e.kind === "deep")
          ? "no deep-network cells with dropout or partitioned DropBlock in this sweep"
          : "no deep-network cells in this sweep",
      );
    const errors = cells.map((e) => e.metrics.spectrumError as number);
    const gaps = cells.map((e) => e.metrics.objectiveGap).filter(finite);
    const notes = [
      `spectrum error ${range(errors)} on ${counted(cells.length, "cell")}`,
      `objective gap ${range(gaps)} (reported, not claimed)`,
    ];
    const bearing = deep
      .filter((e) => e.status === "diverged" || cells.includes(e))
      .map((e) => ({ hash: e.hash, badness: e.status === "diverged" ? Number.POSITIVE_INFINITY : (e.metrics.spectrumError as number) }));
    const checks = [check("max spectrum error", Math.max(0, ...errors), "<=", tolerances.deepSpectrumError, cells.length)];
    return verdict(
      deepSpectrum,
      cells.length + diverged,
      checks,
      notes,
      worstFirst(bearing),
      diverged ? `${counted(diverged, "deep cell")} diverged` : undefined,
    );
  },
};
