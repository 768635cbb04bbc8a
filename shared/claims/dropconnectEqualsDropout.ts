// Claim 2 (THEORY.md "Claims the pipeline checks"): DropConnect's regulariser equals Dropout's
// on the last layer always, and on the first layer exactly when X Xᵀ is diagonal. Evidence:
// linear DropConnect cells' `regularisers` (both closed forms at the trained weights), and
// their sampled loss (`monteCarlo`) against Dropout's objective where the theory says they differ.
import { regularisersPanel } from "../report/panels/regularisers.js";
import type { LinearCell } from "../spec/cell.js";
import { counted } from "../text.js";
import type { Claim } from "./claim.js";
import { finite } from "./evidence.js";
import type { ClaimCheck } from "./result.js";
import { bonferroniThreshold } from "./statistics.js";
import { tolerances as claim1 } from "./deterministicEqualsStochastic.js";
import { check, range, reported, roleCount, short, skipped, verdict, worstFirst } from "./verdict.js";

export const tolerances = {
  /** Relative difference of the two regularisers where the theory says they are equal. */
  dropconnectRelative: 1e-9,
  /** Smallest relative difference where the theory says they differ. */
  dropconnectDifference: 1e-6,
} as const;

/** THEORY.md: DropConnect's regulariser is Dropout's on the last layer, and on the first iff X X^T is diagonal. */
function dropconnectPredictedEqual(cell: LinearCell): boolean {
  if (cell.mask.family !== "dropconnect") return false;
  return cell.mask.layer === "last" || cell.experiment === "linear-factorisation" || cell.data.generator === "orthogonal";
}

export const dropconnectEqualsDropout: Claim = {
  id: "2",
  title: "DropConnect = Dropout",
  statement: () => "DropConnect equals Dropout: on the last layer always; on the first layer exactly when X Xᵀ is diagonal.",
  measured: (result) =>
    "The relative difference |DropConnect − Dropout| / Dropout of the two regularisers at the same weights: its largest value over the DropConnect cells where the theory says they are equal (last layer; first layer with X Xᵀ diagonal), " +
    "and its smallest over the cells where it says they differ (first layer, X Xᵀ not diagonal), which must stay above a floor" +
    (result.status === "skipped"
      ? "."
      : `: this sweep has ${roleCount(result, "equal where predicted")} of the first kind and ${roleCount(result, "different where predicted")} of the second.`),
  tolerances,
  justification: () =>
    "Where the theory says the regularisers are equal, both are closed forms at the same weights: measured max relative difference 4e-16 (the calibration sweep, 60 cells) and 2.5e-15 (a run of sweeps/paper.yaml, 60 cells), rounding only; the tolerance 1e-9 leaves six orders of margin. " +
    "Where it says they differ (first layer, X Xᵀ not diagonal), the difference λ Σᵢ ‖uᵢ‖² vᵢᵀ(diag S − S)vᵢ changes sign between cells, so at trained weights it is not bounded away from zero: measured 0.18% to 52% (sweeps/paper.yaml, 12 cells; 3.7% to 110% in the calibration sweep). " +
    "The floor 1e-6 separates a real difference from rounding by nine orders and sits three orders below the smallest measured one. " +
    "Whether 2000 sampled DropConnect masks reject Dropout's objective is reported, not gated: they do in 10 of sweeps/paper.yaml's 12 such cells (|z| up to 27); the two others differ by 0.18% and 0.28%, below the Monte Carlo resolution (standard error about 1% of the regulariser).",
  remedy: (result) =>
    (result.checks ?? []).some((c) => !c.pass && !c.reported && c.relation === "<=")
      ? 'Where the theory predicts equality the two closed forms differ beyond rounding: open the linked cells (largest difference first) and compare both regularisers\' formulas (THEORY.md "Deterministic objective") at their weights; a first-layer cell here must have X Xᵀ diagonal (orthogonal data, or factorisation).'
      : "Where the theory predicts a difference the two are closer than the floor: such a cell's data has X Xᵀ nearly diagonal (little correlation, or few features): use correlated data (data.generator: correlated) to test the 'only if'.",
  plots: [regularisersPanel],

  /** Equality where the theory predicts it, a real difference where it predicts one. */
  evaluate(evidence) {
    const equal: number[] = [];
    const different: { relative: number; z?: number }[] = [];
    const equalCells: string[] = [];
    const differentCells: string[] = [];
    // Badness against the check's tolerance: a difference where none is predicted, or a small one where one is.
    const bearing: { hash: string; badness: number }[] = [];
    for (const e of evidence) {
      if (e.kind !== "linear" || e.cell.mask.family !== "dropconnect") continue;
      const reg = e.metrics.regularisers;
      if (!reg || !finite(reg.dropout) || !finite(reg.dropconnect)) continue;
      const relative = Math.abs(reg.dropconnect - reg.dropout) / Math.max(Math.abs(reg.dropout), Number.MIN_VALUE);
      if (dropconnectPredictedEqual(e.cell)) {
        equal.push(relative);
        equalCells.push(e.hash);
        bearing.push({ hash: e.hash, badness: relative / tolerances.dropconnectRelative });
        continue;
      }
      bearing.push({ hash: e.hash, badness: tolerances.dropconnectDifference / relative });
      differentCells.push(e.hash);
      // The sampled DropConnect loss against Dropout's objective at the same weights.
      const mc = e.metrics.monteCarlo;
      const resolved =
        mc && finite(mc.mean) && finite(mc.standardError) && finite(mc.deterministic) && mc.standardError > 0 ? mc : undefined;
      const fit = finite(e.metrics.finalObjective) ? e.metrics.finalObjective - reg.dropconnect : undefined;
      const z = resolved && fit !== undefined ? Math.abs(resolved.mean - (fit + reg.dropout)) / resolved.standardError : undefined;
      different.push({ relative, ...(z !== undefined ? { z } : {}) });
    }
    if (!equal.length && !different.length) return skipped(dropconnectEqualsDropout, "no DropConnect cell carries both regularisers");
    const checks: ClaimCheck[] = [];
    const notes: string[] = [];
    if (equal.length)
      checks.push(
        check("equal where predicted: max relative difference", Math.max(...equal), "<=", tolerances.dropconnectRelative, equal.length),
      );
    else notes.push("no cell where the theory predicts equality (last layer, or first layer with X Xᵀ diagonal)");
    if (different.length) {
      const relatives = different.map((d) => d.relative);
      checks.push(
        check(
          "different where predicted: min relative difference",
          Math.min(...relatives),
          ">=",
          tolerances.dropconnectDifference,
          different.length,
        ),
      );
      const zs = different.map((d) => d.z).filter(finite);
      if (zs.length) {
        // Whether M mask draws resolve the difference in the sampled loss depends on its size at
        // the trained weights (it changes sign between cells): reported, not gated.
        const threshold = bonferroniThreshold(zs.length, claim1.monteCarloFamilywiseError / 2);
        checks.push(
          reported(
            check(
              "different where predicted: min |z| of sampled DropConnect vs Dropout's objective",
              Math.min(...zs),
              ">=",
              threshold,
              zs.length,
            ),
          ),
        );
        notes.push(
          `the sampled DropConnect loss rejects Dropout's objective in ${zs.filter((z) => z >= threshold).length} of ${zs.length} of them (|z| up to ${short(Math.max(...zs))})`,
        );
      }
      notes.push(`${counted(different.length, "first-layer cell")} with X Xᵀ not diagonal: relative difference ${range(relatives)}`);
    } else notes.push("no cell where the theory predicts a difference (first layer, X Xᵀ not diagonal): the 'only if' is untested");
    const roles = [
      { role: "equal where predicted", hashes: equalCells },
      { role: "different where predicted", hashes: differentCells },
    ].filter((r) => r.hashes.length > 0);
    return { ...verdict(dropconnectEqualsDropout, equal.length + different.length, checks, notes, worstFirst(bearing)), roles };
  },
};
