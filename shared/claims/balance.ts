// Claim 4 (THEORY.md "Claims the pipeline checks", "Balance"): at convergence all block
// products U_g V_gᵀ have the same Frobenius norm. Evidence: linear cells strictly above the
// representability bound (evidence.ts), their `balanceRatio` (max over min block norm).
import { balancePanel } from "../report/panels/balance.js";
import type { Claim } from "./claim.js";
import { finite, representable, setAsideByBound } from "./evidence.js";
import { judgeConverged } from "./training.js";
import { check, range, thisSweep, verdict, worstFirst } from "./verdict.js";

export const tolerances = {
  /** max_g / min_g of the block-product norms. */
  balanceRatio: 1.25,
} as const;

export const balance: Claim = {
  id: "4",
  title: "Balanced blocks",
  statement: () => "At convergence all block products U_g V_gᵀ have the same Frobenius norm, ‖A*‖₍ₖ₎ / b.",
  measured: (result) =>
    `The largest ratio max_g ‖U_g V_gᵀ X‖_F / min_g ‖U_g V_gᵀ X‖_F of the trained weights (X = I for factorisation) ${thisSweep(result, "converged linear cell")} strictly above the representability bound; 1 is perfect balance.`,
  tolerances,
  justification: () =>
    "Rebalancing blocks at a fixed product changes the regulariser only quadratically in the imbalance, so balance is the slowest thing SGD settles: measured max/min block norms up to 1.17 (regression, θ = 0.8, where λ = 0.25 makes that direction flattest) at objective gaps below 1e-4, over the calibration sweep's 131 such cells. " +
    "The tolerance 1.25 is that worst case plus half its excess.",
  remedy: () =>
    "Balance is the last thing SGD settles (the regulariser is flat in that direction): the stopping rule watches the block norms too, so tighten optimiser.tolerance (default 3e-4) for the linked cells. Their block-norm curves show whether the blocks were still moving apart or together when training stopped.",
  plots: [balancePanel],

  evaluate(evidence) {
    // Balance is a property of the optimum: only converged cells are judged (training.ts).
    const split = judgeConverged(
      balance,
      representable(evidence),
      (e) => e.status === "ok" && finite(e.metrics.balanceRatio),
      "no linear cell strictly above the representability bound with a balance ratio",
    );
    if ("result" in split) return split.result;
    const { cells, notConverged, stopped, unjudged } = split;
    const ratios = cells.map((e) => e.metrics.balanceRatio as number);
    const hashes = worstFirst(cells.map((e, i) => ({ hash: e.hash, badness: ratios[i]! })));
    const result = verdict(
      balance,
      cells.length + notConverged.length,
      [check("max block-norm ratio", Math.max(...ratios), "<=", tolerances.balanceRatio, cells.length)],
      [`ratio ${range(ratios)}`, ...stopped.map((note) => `not judged: ${note}`)],
      [...hashes, ...unjudged],
    );
    const setAside = setAsideByBound(evidence, (e) => finite(e.metrics.balanceRatio));
    return setAside.length ? { ...result, roles: setAside } : result;
  },
};
