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

  it("fails on a spectrum error above the tolerance or a diverged cell", () => {
    expect(byId([evidence(deep({ family: "dropout", keepProbability: 0.5 }), { spectrumError: 0.13 })])["6"]!.status).toBe("fail");
    const diverged = byId([
      evidence(deep({ family: "dropout", keepProbability: 0.5 }), { spectrumError: 0.01 }),
      evidence(deep({ family: "dropout", keepProbability: 0.5 }, 2), {}, "diverged"),
    ])["6"]!;
    expect(diverged.status).toBe("fail");
  });

  it("is skipped without deep cells, or with only contiguous ones, saying which", () => {
    expect(byId([evidence(factorisation(dropblock), { spectrumError: 0.5 })])["6"]!.reason).toBe("no deep-network cells in this sweep");
    expect(
      byId([evidence(deep({ family: "contiguous-dropblock", keepProbability: 0.5, blockSize: 4 }), { spectrumError: 0.4 })])["6"]!.reason,
    ).toBe("no deep-network cells with dropout or partitioned DropBlock in this sweep");
  });
});
