// Claim 3 (shared/claims/convergence.ts): SGD reaches the closed-form minimum on cells strictly
// above the representability bound; passing and failing cells side by side.
import { describe, expect, it } from "vitest";
import { byId, dropblock, evidence, factorisation } from "./evidence.js";
import { aboveAtAndBelowTheBound, good } from "./representable.js";

describe("claim 3: convergence to the closed form", () => {
  it("reads cells strictly above the representability bound; cells at it and below it are reported, not claimed", () => {
    const claims = byId(aboveAtAndBelowTheBound());
    expect(claims["3"]).toMatchObject({ status: "pass", measured: 1e-4, cells: 1 });
    expect(claims["3"]!.checks!.map((c) => c.measured)).toEqual([1e-4, 1e-3]);
    expect(claims["3"]!.reason).toMatch(/1 cell exactly at the bound, gap 0\.002/);
    expect(claims["3"]!.reason).toMatch(/1 non-representable cell, gap 0\.5/);
  });

  it("fails on a large gap, a large spectrum error or a diverged cell", () => {
    expect(
      byId([evidence(factorisation(dropblock), { ...good, objectiveGap: 0.01, balanceRatio: 1.5, learnedRank: 3 })])["3"]!.status,
    ).toBe("fail");
    const spectrum = byId([evidence(factorisation(dropblock), { ...good, spectrumError: 0.2 })])["3"]!;
    expect(spectrum.status).toBe("fail");
    expect(spectrum.checks!.map((c) => c.pass)).toEqual([true, false]);
    const diverged = byId([
      evidence(factorisation(dropblock), good),
      evidence(factorisation(dropblock, 1), { representable: true }, "diverged"),
    ]);
    expect(diverged["3"]).toMatchObject({ status: "fail", cells: 2 });
    expect(diverged["3"]!.reason).toMatch(/1 representable cell diverged/);
  });

  it("is skipped when no linear cell lies strictly above the bound", () => {
    expect(byId(aboveAtAndBelowTheBound().slice(1))["3"]).toMatchObject({ status: "skipped", cells: 0 });
  });
});
