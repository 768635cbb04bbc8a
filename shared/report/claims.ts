// What each of THEORY.md's seven claims says, what the measured number is, and why its
// tolerance is what it is: the paragraphs the report prints under the claims table, so a
// reader judges a pass or a fail without opening the code. Tolerance values come from the
// summary (the pipeline decides them); this text explains where such a value comes from and
// fills in the numbers of this sweep.
import type { ClaimId, SummaryClaim } from "./summary.js";
import { formatPercent, formatQuantity } from "./format.js";
import { tolerances } from "../pipeline/claims.js";

export interface ClaimText {
  /** The claim in one sentence (THEORY.md, "Claims the pipeline checks"). */
  statement: string;
  /** What "measured" is. */
  measured: string;
  /** Why the tolerance has the size it has. */
  tolerance: (claim: SummaryClaim, cellCount: number) => string;
}

/** Probability that at least one of n independent standard normals leaves [-z, z]. */
export function familywiseExceedance(n: number, z: number): number {
  // P(|N(0,1)| > z) = erfc(z / sqrt 2). Math has no erfc: Abramowitz-Stegun 7.1.26 (absolute
  // error < 1.5e-7), ample for a sentence in the report.
  const x = z / Math.SQRT2;
  const t = 1 / (1 + 0.3275911 * x);
  const poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
  const tail = poly * Math.exp(-x * x);
  return 1 - Math.pow(1 - tail, n);
}

export const claimTexts: Record<ClaimId, ClaimText> = {
  "1": {
    statement: "The Monte Carlo mean of the stochastic loss L_z equals the deterministic objective E_z L_z, for every mask family.",
    measured: "The largest |Monte Carlo mean − deterministic objective| over the cells, in standard errors of the mean.",
    tolerance: (claim, n) => {
      const bound = typeof claim.tolerance === "number" ? claim.tolerance : 3;
      const chance = familywiseExceedance(Math.max(n, 1), bound);
      return (
        `The deterministic objective is exact; the only error is the Monte Carlo one, whose standard error s/√M is estimated from the same M mask draws. ` +
        `If the identity holds, each cell's difference is approximately standard normal in those units, so |z| ≤ ${formatQuantity(bound)} fails by chance in ${formatPercent(familywiseExceedance(1, bound))} of cells. ` +
        `Over the ${n} cells of this sweep the chance that at least one exceeds it with the identity true is ${formatPercent(chance)}: one cell just above the bound is weak evidence; a wrong regulariser gives differences of many standard errors that grow with M.`
      );
    },
  },
  "2": {
    statement: "DropConnect equals Dropout: on the last layer always; on the first layer exactly when X Xᵀ is diagonal.",
    measured: "The largest relative difference |DropConnect − Dropout| / Dropout between the two regularisers at the same weights, over the DropConnect cells where the theory says they are equal (last layer; first layer with X Xᵀ diagonal).",
    tolerance: (claim) =>
      `Both regularisers are evaluated in closed form at the same weights, so where the theory says they are equal the difference is rounding only: a few ulps of the sums, far below ${formatQuantity(claim.tolerance)}. ` +
      `A tolerance that loose still catches a wrong formula, because the first-layer penalty with a non-diagonal X Xᵀ differs by the off-diagonal mass of X Xᵀ, which these sweeps make order one; those cells are shown beside the others as the counter-example, not counted against the claim.`,
  },
  "3": {
    statement: "SGD with sampled DropBlock masks reaches the closed-form global minimum, on representable cells.",
    measured: "The largest relative objective gap (E_z L_z at the trained weights − closed-form minimum) / closed-form minimum over representable linear cells; a representable cell whose training diverged fails the claim outright. The spectrum error is in the cells table beside it.",
    tolerance: (claim) =>
      `Training uses sampled masks, so the iterates never stop moving: with step size η the stochastic gradient's variance keeps the deterministic objective a distance of order η·(gradient variance) above its minimum (the SGD noise floor), and a finite number of epochs adds an optimisation error on top. ` +
      `The tolerance ${formatQuantity(claim.tolerance)} sits above that floor for the sweep's step sizes and epochs and far below the gaps of a wrong closed form (a wrong μ = λk/r, or the Dropout minimum in place of DropBlock's, moves the minimum by order λ). ` +
      `Non-representable cells (fewer blocks than the closed form needs) are expected to stay above the minimum and are excluded from the claim; THEORY.md records one cell exactly at the representability bound that stayed 2e-5 above it, which is why the bound is necessary, not sufficient.`,
  },
  "4": {
    statement: "At convergence all block products U_g V_gᵀ have the same Frobenius norm, ‖A*‖₍ₖ₎ / b.",
    measured: "The largest ratio max_g ‖U_g V_gᵀ‖_F / min_g ‖U_g V_gᵀ‖_F over representable linear cells (1 is perfect balance).",
    tolerance: (claim) =>
      `Balance is a first-order optimality condition: rebalancing the blocks while keeping U Vᵀ fixed changes the regulariser quadratically in the imbalance, so a cell within relative objective gap ε of the minimum can still be imbalanced by about √ε. ` +
      `So the tolerance on the ratio, ${formatQuantity(claim.tolerance)}, follows from claim 3's gap tolerance: √${formatQuantity(tolerances.objectiveGap)} ≈ ${formatQuantity(Math.sqrt(tolerances.objectiveGap))} of imbalance, with a margin for the SGD noise. An optimum of the wrong regulariser (one not equalising the block products) gives ratios far above it.`,
  },
  "5": {
    statement: "The learned product has the rank of the closed-form minimiser, rank(A*).",
    measured: "The number of representable linear cells whose learned rank differs from rank(A*).",
    tolerance: (claim) =>
      `Ranks are integers and must match exactly (tolerance ${formatQuantity(claim.tolerance)}). The learned rank counts singular values above a relative threshold that lies between the SGD noise floor (singular values that should be zero only decay toward it) and the smallest nonzero closed-form singular value; a cell where the two are not separated is a convergence problem and shows in claim 3 as well.`,
  },
  "6": {
    statement: "A deep network trained with last-layer DropBlock has output singular values near the closed-form prediction prox(σ(Y)) with μ = λ/b.",
    measured: "The largest relative spectrum error ‖σ(U Φ) − w‖ / ‖w‖ over the deep-network cells.",
    tolerance: (claim) =>
      `The prediction assumes the network can realise any features Φ and that training reaches the global minimum; a finite network trained for finitely many epochs with sampled masks only approaches it, so the tolerance ${formatQuantity(claim.tolerance)} is looser than claim 3's and is read as "approaches", as THEORY.md states the claim.`,
  },
  "7": {
    statement: "How far the analysed (partitioned) DropBlock is from the original contiguous scheme, in training curves and final spectra.",
    measured: "The largest relative difference between the final objectives of a contiguous DropBlock cell and its partitioned twin (the same cell but for the mask family: same data, seed, block size and keep probability); the plot adds their training curves and final spectra.",
    tolerance: (claim) =>
      `This is a measurement, not an identity: contiguous windows overlap, so its covariance is not block diagonal and the theory's closed form does not apply to it. The tolerance ${formatQuantity(claim.tolerance)} is the distance below which we call the schemes practically equivalent; a fail here says the analysed scheme is a poor stand-in for the original at these settings, not that the code is wrong.`,
  },
};

export function claimText(id: string): ClaimText | undefined {
  return (claimTexts as Record<string, ClaimText>)[id];
}
