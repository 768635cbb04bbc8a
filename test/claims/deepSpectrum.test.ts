// Claim 6 (shared/claims/deepSpectrum.ts): deep networks' output spectra near the closed form;
// passing and failing cells side by side.
import { describe, expect, it } from "vitest";
import { tolerances } from "../../shared/claims/deepSpectrum.js";
import { byId, deep, dropblock, evidence, factorisation } from "./evidence.js";

describe("claim 6: deep networks", () => {
  it("reads dropout and partitioned DropBlock deep cells, not contiguous ones", () => {
    const claim = byId([
      evidence(deep({ family: "dropout", keepProbability: 0.5 }), { spectrumError: 0.02, objectiveGap: 0.05 }),
      evidence(deep({ family: "dropblock", keepProbability: 0.5, blockSize: 4 }), { spectrumError: 0.03, objectiveGap: 0.06 }),
      evidence(deep({ family: "contiguous-dropblock", keepProbability: 0.5, blockSize: 4 }), { spectrumError: 0.4 }),
      evidence(factorisation(dropblock), { spectrumError: 0.5 }),
    ])["6"]!;
    expect(claim).toMatchObject({ status: "pass", measured: 0.03, cells: 2, tolerance: tolerances.deepSpectrumError });
    expect(claim.hashes).toHaveLength(2);
  });

  it("fails on a spectrum error above the tolerance of a converged cell", () => {
    expect(byId([evidence(deep({ family: "dropout", keepProbability: 0.5 }), { spectrumError: 0.13 })])["6"]!.status).toBe("fail");
  });

  it("judges converged cells only; inconclusive when none converged", () => {
    const dropout = { family: "dropout", keepProbability: 0.5 } as const;
    const diverged = byId([evidence(deep(dropout), { spectrumError: 0.01 }), evidence(deep(dropout, 2), {}, "diverged")])["6"]!;
    expect(diverged).toMatchObject({ status: "pass", cells: 2 });
    expect(diverged.reason).toMatch(/not judged: 1 deep cell diverged at learningRate = 0\.003: lower it/);
    const capped = byId([
      evidence(deep(dropout), { spectrumError: 0.2, trainingStatus: "max-epochs" }),
      evidence(deep(dropout, 2), { spectrumError: 0.3, trainingStatus: "max-epochs" }),
    ])["6"]!;
    expect(capped).toMatchObject({ status: "inconclusive", cells: 2 });
    expect(capped.reason).toMatch(/2 deep cells stopped at epochs = 5 before converging: raise it$/);
  });

  it("is skipped without deep cells, or with only contiguous ones, saying which", () => {
    expect(byId([evidence(factorisation(dropblock), { spectrumError: 0.5 })])["6"]!.reason).toBe("no deep-network cells in this sweep");
    expect(
      byId([evidence(deep({ family: "contiguous-dropblock", keepProbability: 0.5, blockSize: 4 }), { spectrumError: 0.4 })])["6"]!.reason,
    ).toBe("no deep-network cells with dropout or partitioned DropBlock in this sweep");
  });
});
