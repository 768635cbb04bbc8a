// Claim 3 (THEORY.md "Claims the pipeline checks"): SGD with sampled masks reaches the
// closed-form global minimum, on cells that can represent it. Evidence: linear cells strictly
// above the representability bound (evidence.ts), their `objectiveGap` and `spectrumError`;
// cells at the bound and non-representable ones are reported beside it, not claimed.
import { objectiveGapPanel } from "../report/panels/objectiveGap.js";
import { spectraPanel } from "../report/panels/spectra.js";
import { trainingCurvesPanel } from "../report/panels/trainingCurves.js";
import { counted } from "../text.js";
import type { Claim } from "./claim.js";
import { finite, representable, setAsideByBound, type CellEvidence } from "./evidence.js";
import { converged, judgeConverged } from "./training.js";
import { check, range, roleCount, short, thisSweep, verdict, worstFirst } from "./verdict.js";

export const tolerances = {
  /** Relative objective gap to the closed-form minimum. */
  objectiveGap: 4e-3,
  /** ||sigma(learned) - w|| / ||w||. */
  spectrumError: 5e-2,
} as const;

export const convergence: Claim = {
  id: "3",
  title: "Convergence to the closed form",
  statement: () => "SGD with sampled DropBlock masks reaches the closed-form global minimum, on representable cells.",
  measured: (result) => {
    const setAside = [
      roleCount(result, "at the bound") ? `${counted(roleCount(result, "at the bound"), "cell")} exactly at the bound` : "",
      roleCount(result, "not representable") ? `${counted(roleCount(result, "not representable"), "non-representable cell")}` : "",
    ].filter(Boolean);
    return (
      `The largest relative objective gap (E_z L_z at the trained weights − closed-form minimum) / closed-form minimum, and the largest spectrum error ‖σ(learned) − w‖ / ‖w‖, ${thisSweep(result, "converged linear cell")} strictly above the representability bound; ` +
      "cells whose training stopped at the cap or diverged are counted, not judged." +
      (setAside.length ? ` Reported beside it, not judged: ${setAside.join(" and ")} (converged ones).` : "")
    );
  },
  tolerances,
  justification: () =>
    "On cells strictly above the representability bound, SGD with sampled masks under the default stopping rule leaves a relative objective gap of up to 2.0e-3 on converged cells (1.5e-3 over paper.yaml's 135, 1.9e-3 over the convergence grid's 56, 2.0e-3 on one of the README example's 36) and a spectrum error of at most 0.025: " +
    "the mask noise's floor, mostly a few percent of imbalance between blocks, not a disagreement (deterministic gradient descent from the 2.0e-3 cell's weights reaches the closed form to 1e-15). " +
    "The tolerances 4e-3 and 0.05 are about twice those worst cases. The spectrum error follows from the gap: f(A) − f* ≥ ‖A − A*‖², so ‖σ − w‖/‖w‖ ≤ √(gap · f*)/‖w‖. " +
    "Cells exactly at the bound are not claimed: deterministic gradient descent without mask noise stays 1.8e-3 above the closed form on one of them (the bound is necessary, not sufficient), and SGD left gaps up to 3.5e-3 on them (calibration sweep).",
  remedy: () =>
    "The judged cells converged by the stopping rule, so a gap above the tolerance is not a matter of training longer. Open the linked cells (worst first) in the training curves: " +
    "if the deterministic objective (red) was still creeping down when the rule stopped, tighten optimiser.tolerance (default 3e-4); if it jumps around, set optimiser.learningRate below the automatic step (the cell's result.json records it) or use the full batch (optimiser.batchSize = the number of samples), whose steps carry no sampling noise. " +
    "A gap that stays at the same value under both is a disagreement with the closed form: check the cell's spec against the theory's assumptions (docs/THEORY.md).",
  plots: [spectraPanel, trainingCurvesPanel, objectiveGapPanel],

  evaluate(evidence) {
    // Cells that did not converge are counted, not judged (training.ts): a gap left by training
    // that stopped early says nothing about the theory.
    const split = judgeConverged(
      convergence,
      representable(evidence),
      (e) => e.status === "ok" && finite(e.metrics.objectiveGap),
      "no linear cell strictly above the representability bound with an objective gap",
      // How close the defaults got: a gap already within the tolerance says raising the cap is
      // likely to settle it, a large one that training was far from the optimum.
      (stopped) => {
        const gaps = stopped.map((e) => e.metrics.objectiveGap).filter(finite);
        return gaps.length ? [`gap ${range(gaps)} where they stopped (the tolerance is ${short(tolerances.objectiveGap)})`] : [];
      },
    );
    if ("result" in split) return split.result;
    const { cells, notConverged, stopped, unjudged } = split;
    const gapOf = (e: CellEvidence) => e.metrics.objectiveGap as number;
    const gaps = cells.map(gapOf);
    const spectra = cells.map((e) => e.metrics.spectrumError).filter(finite);
    const checks = [check("max relative objective gap", Math.max(0, ...gaps), "<=", tolerances.objectiveGap, cells.length)];
    if (spectra.length) checks.push(check("max spectrum error", Math.max(...spectra), "<=", tolerances.spectrumError, spectra.length));
    // Cells read but not judged: reported beside the verdict (their roles go into the result);
    // like the judged ones, only converged cells say something about the closed form.
    const setAside = setAsideByBound(evidence, (e) => converged(e) && finite(e.metrics.objectiveGap));
    const gapsIn = (role: string) => {
      const hashes = new Set(setAside.find((g) => g.role === role)?.hashes);
      return evidence.filter((e) => hashes.has(e.hash)).map(gapOf);
    };
    const atBound = gapsIn("at the bound");
    const others = gapsIn("not representable");
    const notes = [
      `gap ${range(gaps)} on ${counted(cells.length, "converged cell")} strictly above the representability bound`,
      ...stopped.map((note) => `not judged: ${note}`),
      ...(atBound.length ? [`not claimed: ${counted(atBound.length, "cell")} exactly at the bound, gap ${range(atBound)}`] : []),
      others.length
        ? `not claimed: ${counted(others.length, "non-representable cell")}, gap ${range(others)}`
        : "no non-representable cell in this sweep",
    ];
    const bearing = cells.map((e) => ({
      hash: e.hash,
      badness: Math.max(
        gapOf(e) / tolerances.objectiveGap,
        finite(e.metrics.spectrumError) ? e.metrics.spectrumError / tolerances.spectrumError : 0,
      ),
    }));
    const result = verdict(convergence, cells.length + notConverged.length, checks, notes, [...worstFirst(bearing), ...unjudged]);
    return setAside.length ? { ...result, roles: setAside } : result;
  },
};
