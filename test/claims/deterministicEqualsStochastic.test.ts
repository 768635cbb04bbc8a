// Claim 1 (shared/claims/deterministicEqualsStochastic.ts): Monte Carlo = deterministic, tested
// across many cells at one familywise error; passing and failing sweeps side by side.
import { describe, expect, it } from "vitest";
import { tolerances } from "../../shared/claims/deterministicEqualsStochastic.js";
import { bonferroniThreshold } from "../../shared/claims/statistics.js";
import { byId, dropblock, evidence, factorisation } from "./evidence.js";

// z-scores placed at the quantiles (i + 1/2) / n of a standard normal: what n honest cells look like.
const honest = (count: number) =>
  Array.from({ length: count }, (_, i) => bonferroniThreshold(1, 2 * (1 - (i + 0.5) / count)) * (i % 2 ? 1 : -1));
const cells = (zs: number[]) =>
  zs.map((z, i) =>
    evidence(factorisation(dropblock, i), { monteCarlo: { mean: 10 + z * 0.5, standardError: 0.5, deterministic: 10, samples: 10 } }),
  );

describe("claim 1: Monte Carlo = deterministic, tested across many cells", () => {
  it("passes 1000 honest cells whose largest |z| exceeds the naive 3-SE band", () => {
    const zs = honest(1000);
    const worst = Math.max(...zs.map(Math.abs));
    expect(worst).toBeGreaterThan(3);
    const claim = byId(cells(zs))["1"]!;
    expect(claim.status).toBe("pass");
    expect(claim.measured).toBeCloseTo(worst, 12);
    expect(claim.tolerance).toBeCloseTo(bonferroniThreshold(1000, tolerances.monteCarloFamilywiseError / 2), 12);
    expect(claim.checks!.map((c) => c.pass)).toEqual([true, true]);
  });

  it("fails when one cell is far off (Bonferroni) or every cell shares a small bias (chi-square)", () => {
    const zs = honest(300);
    zs[7] = 6;
    const outlier = byId(cells(zs))["1"]!;
    expect(outlier.status).toBe("fail");
    expect(outlier.checks![0]).toMatchObject({ pass: false, measured: 6 });
    const biased = byId(cells(new Array(300).fill(1.5)))["1"]!;
    expect(biased.status).toBe("fail");
    expect(biased.checks!.map((c) => c.pass)).toEqual([true, false]);
  });

  it("passes cells without Monte Carlo spread whose mean is exact, fails one whose mean differs", () => {
    const flat = (mean: number) =>
      evidence(factorisation(dropblock), { monteCarlo: { mean, standardError: 0, deterministic: 10, samples: 10 } });
    const exact = byId([...cells(honest(20)), flat(10)])["1"]!;
    expect(exact.status).toBe("pass");
    const off = byId([...cells(honest(20)), flat(10.5)])["1"]!;
    expect(off.status).toBe("fail");
    expect(off.reason).toMatch(/^1 cell with zero Monte Carlo spread differs from the deterministic objective/);
  });

  it("the false-alarm rate over many simulated honest sweeps stays near the familywise level", () => {
    // Independent: Box-Muller normals from a fixed LCG, 400 sweeps of 50 cells.
    let state = 12345;
    const uniform = () => ((state = (state * 1103515245 + 12345) % 2 ** 31) + 0.5) / 2 ** 31;
    const normal = () => Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform());
    let alarms = 0;
    for (let sweep = 0; sweep < 400; sweep++) {
      const claim = byId(cells(Array.from({ length: 50 }, normal)))["1"]!;
      if (claim.status === "fail") alarms++;
    }
    expect(alarms / 400).toBeLessThan(0.04); // nominal 1%; a fixed 3-SE band fails 13% of such sweeps
  });

  it("is skipped, with the reason, when no cell carries a Monte Carlo estimate", () => {
    const claim = byId([evidence(factorisation(dropblock), { objectiveGap: 1e-4 })])["1"]!;
    expect(claim).toMatchObject({ status: "skipped", cells: 0, reason: "no cell carries a Monte Carlo estimate" });
  });
});
