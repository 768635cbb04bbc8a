// Claim 4 (shared/claims/balance.ts): block products equalise, on cells strictly above the
// representability bound; passing and failing cells side by side.
import { describe, expect, it } from "vitest";
import { byId, deep, dropblock, evidence, factorisation } from "./evidence.js";
import { aboveAtAndBelowTheBound, good } from "./representable.js";

describe("claim 4: balanced blocks", () => {
  it("passes on balanced cells above the bound, whatever the cells at it and below it", () => {
    expect(byId(aboveAtAndBelowTheBound())["4"]).toMatchObject({ status: "pass", measured: 1.01, cells: 1 });
  });

  it("is skipped, with the reason, when no linear cell lies strictly above the bound", () => {
    const reason = "no linear cell strictly above the representability bound with a balance ratio";
    // Cells at the bound and below it (imbalanced, as they may be) are not evidence for it.
    expect(byId(aboveAtAndBelowTheBound().slice(1))["4"]).toMatchObject({ status: "skipped", cells: 0, reason });
    expect(byId([evidence(deep({ family: "dropout", keepProbability: 0.5 }), { balanceRatio: 9 })])["4"]).toMatchObject({
      status: "skipped",
      cells: 0,
      reason,
    });
  });

  it("fails on imbalance", () => {
    expect(
      byId([evidence(factorisation(dropblock), { ...good, objectiveGap: 0.01, balanceRatio: 1.5, learnedRank: 3 })])["4"]!.status,
    ).toBe("fail");
  });

  it("judges converged cells only: an imbalanced cell that stopped at its cap makes the claim inconclusive, not failed", () => {
    const stopped = evidence(factorisation(dropblock), { ...good, balanceRatio: 3, trainingStatus: "max-epochs" });
    const alone = byId([stopped])["4"]!;
    expect(alone).toMatchObject({ status: "inconclusive", cells: 1, hashes: [stopped.hash] });
    expect(alone.reason).toMatch(/1 cell stopped at optimiser\.epochs = 10 before converging/);
    const beside = byId([evidence(factorisation(dropblock, 1), good), stopped])["4"]!;
    expect(beside).toMatchObject({ status: "pass", measured: 1.01, cells: 2 });
  });
});
