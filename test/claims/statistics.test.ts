// The distributions of claims 1 and 2 (shared/claims/statistics.ts, from @stdlib) against
// independent computations: numerical integration of the normal density, and the closed-form
// chi-square tail for even degrees of freedom.
import { describe, expect, it } from "vitest";
import { bonferroniThreshold, chiSquareQuantile, chiSquareTail, twoSidedNormalTail } from "../../shared/claims/statistics.js";

/** P(|Z| > z) by Simpson's rule on the normal density over [0, z]. */
function integratedTail(z: number): number {
  const steps = 20_000;
  const h = z / steps;
  const density = (x: number) => Math.exp((-x * x) / 2) / Math.sqrt(2 * Math.PI);
  let sum = density(0) + density(z);
  for (let i = 1; i < steps; i++) sum += (i % 2 ? 4 : 2) * density(i * h);
  return 1 - 2 * ((sum * h) / 3);
}

/** P(chi-square(2k) > x) = e^{-x/2} sum_{j<k} (x/2)^j / j!, exact for even degrees of freedom. */
function evenChiSquareTail(dof: number, x: number): number {
  let term = 1;
  let sum = 1;
  for (let j = 1; j < dof / 2; j++) {
    term *= x / 2 / j;
    sum += term;
  }
  return Math.exp(-x / 2) * sum;
}

describe("claim statistics", () => {
  it("normal tail and Bonferroni threshold agree with integrating the density", () => {
    for (const z of [0.5, 1.96, 3, 4.2]) expect(twoSidedNormalTail(z)).toBeCloseTo(integratedTail(z), 9);
    for (const [cells, alpha] of [
      [1, 0.05],
      [300, 0.005],
      [20, 0.01],
    ] as const) {
      const threshold = bonferroniThreshold(cells, alpha);
      // n cells each exceeding with probability tail(threshold): the union bound is alpha.
      expect(cells * integratedTail(threshold)).toBeCloseTo(alpha, 6);
    }
  });

  it("chi-square tail and quantile agree with the exact tail for even degrees of freedom", () => {
    for (const dof of [20, 300]) {
      for (const x of [dof * 0.8, dof, dof * 1.3]) expect(Math.abs(chiSquareTail(dof, x) - evenChiSquareTail(dof, x))).toBeLessThan(1e-3);
      const q = chiSquareQuantile(dof, 0.005);
      expect(evenChiSquareTail(dof, q) / 0.005).toBeGreaterThan(0.85);
      expect(evenChiSquareTail(dof, q) / 0.005).toBeLessThan(1.15);
    }
  });

  it("chi-square tail and quantile are exact, not approximations: relative error of rounding size, far into the tail", () => {
    for (const dof of [2, 20, 300])
      for (const x of [dof * 0.5, dof, dof * 1.5, dof * 3]) {
        const exact = evenChiSquareTail(dof, x);
        expect(Math.abs(chiSquareTail(dof, x) - exact) / exact, `dof ${dof}, x ${x}`).toBeLessThan(1e-9);
      }
    for (const dof of [2, 20, 300])
      for (const p of [0.05, 0.005, 1e-6]) expect(evenChiSquareTail(dof, chiSquareQuantile(dof, p)) / p).toBeCloseTo(1, 8);
  });
});
