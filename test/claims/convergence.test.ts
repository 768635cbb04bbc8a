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

  it("fails on a large gap or a large spectrum error of a converged cell", () => {
    expect(
      byId([evidence(factorisation(dropblock), { ...good, objectiveGap: 0.01, balanceRatio: 1.5, learnedRank: 3 })])["3"]!.status,
    ).toBe("fail");
    const spectrum = byId([evidence(factorisation(dropblock), { ...good, spectrumError: 0.2 })])["3"]!;
    expect(spectrum.status).toBe("fail");
    expect(spectrum.checks!.map((c) => c.pass)).toEqual([true, false]);
  });

  it("judges converged cells only: the others are counted, with what to change, never failed", () => {
    // A diverged cell and one capped far below convergence beside one converged cell: the
    // converged one decides, the note says what happened to the rest.
    const capped = { ...factorisation(dropblock, 2), optimiser: { ...factorisation(dropblock).optimiser, epochs: 20 } };
    const mixed = byId([
      evidence(factorisation(dropblock), good),
      evidence(factorisation(dropblock, 1), { representable: true, trainingStatus: "diverged" }, "diverged"),
      evidence(capped, { ...good, objectiveGap: 0.5, trainingStatus: "max-epochs" }),
    ]);
    expect(mixed["3"]).toMatchObject({ status: "pass", measured: 1e-4, cells: 3 });
    expect(mixed["3"]!.checks![0]!.cells).toBe(1);
    expect(mixed["3"]!.reason).toMatch(
      /not judged: 1 cell stopped at optimiser\.epochs = 20 before converging: raise it \(the default is 100,000\)/,
    );
    expect(mixed["3"]!.reason).toMatch(/not judged: 1 cell diverged at optimiser\.learningRate = 0\.1: lower it/);
    // How far they got: the capped cell's gap (the diverged one has none).
    expect(mixed["3"]!.reason).toMatch(/not judged: gap 0\.5 where they stopped \(the tolerance is 0\.004\)/);
    // The converged cells' verdict is still a verdict: a wrong one among them fails the claim.
    const wrong = byId([
      evidence(factorisation(dropblock), { ...good, objectiveGap: 0.05 }),
      evidence(capped, { ...good, trainingStatus: "max-epochs" }),
    ]);
    expect(wrong["3"]!.status).toBe("fail");
  });

  it("is inconclusive, never failed, when no cell it bears on converged, and says how many and what to change", () => {
    const capped = (seed: number) => ({
      ...factorisation(dropblock, seed),
      optimiser: { ...factorisation(dropblock).optimiser, epochs: 20 },
    });
    const cells = [0, 1, 2, 3].map((seed) =>
      evidence(capped(seed), { ...good, objectiveGap: 0.6 + 0.1 * seed, trainingStatus: "max-epochs" }),
    );
    const claim = byId(cells)["3"]!;
    expect(claim).toMatchObject({ status: "inconclusive", measured: null, tolerance: null, cells: 4, checks: [] });
    expect(claim.reason).toBe(
      "no cell it bears on converged, so nothing is judged: 4 cells stopped at optimiser.epochs = 20 before converging: raise it (the default is 100,000); gap 0.6 to 0.9 where they stopped (the tolerance is 0.004)",
    );
    expect(claim.hashes).toEqual(cells.map((e) => e.hash));
    // Diverged at the automatic step size: what to set instead.
    const auto = { ...factorisation(dropblock), optimiser: { ...factorisation(dropblock).optimiser, learningRate: "auto" as const } };
    const diverged = byId([evidence(auto, { ...good, learningRate: 0.0625, trainingStatus: "diverged" }, "diverged")])["3"]!;
    expect(diverged.status).toBe("inconclusive");
    expect(diverged.reason).toMatch(
      /1 cell diverged even at the automatic step size halved at every restart: set optimiser\.learningRate below 0\.0625/,
    );
  });

  it("is skipped when no linear cell lies strictly above the bound", () => {
    expect(byId(aboveAtAndBelowTheBound().slice(1))["3"]).toMatchObject({ status: "skipped", cells: 0 });
  });
});
