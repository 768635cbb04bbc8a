import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { kSupportNorm } from "../../shared/theory/kSupportNorm.js";
import { squaredKSupportProx } from "../../shared/theory/squaredKSupportProx.js";
import { dualKSupport, maxAbsDiff } from "./helpers.js";

// Entries are 0, ties, or in [1e-6, 10]: subnormal "singular values" only test rounding.
const spectrum = fc.array(fc.oneof(fc.double({ min: 1e-6, max: 10, noNaN: true }), fc.constantFrom(0, 1, 2)), {
  minLength: 1,
  maxLength: 12,
});
const muArb = fc.double({ min: 1e-3, max: 20, noNaN: true });

/** Test oracle: s by bisection on sum clip(sigma/s - mu, 0, 1) = k, then the THEORY formula. */
function bisectionProx(sigma: number[], k: number, mu: number): number[] {
  const positive = sigma.filter((x) => x > 0).length;
  if (positive <= k) return sigma.map((x) => x / (1 + mu));
  const g = (s: number) => sigma.reduce((acc, x) => acc + Math.min(1, Math.max(0, x / s - mu)), 0);
  let lo = 0;
  let hi = Math.max(...sigma) / mu + 1;
  for (let it = 0; it < 300; it++) {
    const mid = (lo + hi) / 2;
    if (g(mid) > k) lo = mid;
    else hi = mid;
  }
  const s = (lo + hi) / 2;
  return sigma.map((x) => {
    const a = Math.min(1, Math.max(0, x / s - mu));
    return a === 0 ? 0 : (x * a) / (a + mu);
  });
}

describe('exact prox of the squared k-support norm (THEORY.md "Exact prox")', () => {
  it("matches a bisection oracle", () => {
    fc.assert(
      fc.property(spectrum, fc.integer({ min: 1, max: 8 }), muArb, (sigma, k, mu) => {
        const exact = squaredKSupportProx(sigma, k, mu).values;
        const oracle = bisectionProx(sigma, k, mu);
        expect(maxAbsDiff(exact, oracle)).toBeLessThanOrEqual(1e-9 * (1 + Math.max(...sigma)));
      }),
      { numRuns: 400, seed: 1 },
    );
  });

  it("satisfies the optimality condition sigma - w = mu ||w||_(k) u with ||u||_* <= 1, <u, w> = ||w||_(k)", () => {
    fc.assert(
      fc.property(spectrum, fc.integer({ min: 1, max: 8 }), muArb, (sigma, k, mu) => {
        const w = Array.from(squaredKSupportProx(sigma, k, mu).values);
        const norm = kSupportNorm(w, k).norm;
        const scale = 1 + Math.max(...sigma);
        if (norm === 0) {
          // w = 0 is optimal iff sigma is in the subdifferential at 0: ||sigma||_* <= 0, i.e. sigma = 0.
          expect(Math.max(...sigma)).toBe(0);
          return;
        }
        const u = sigma.map((x, i) => (x - w[i]!) / (mu * norm));
        expect(dualKSupport(u, k)).toBeLessThanOrEqual(1 + 1e-9 * scale);
        const pairing = u.reduce((acc, ui, i) => acc + ui * w[i]!, 0);
        expect(Math.abs(pairing - norm)).toBeLessThanOrEqual(1e-9 * scale);
      }),
      { numRuns: 400, seed: 2 },
    );
  });

  it("beats random perturbations of itself on the prox objective", () => {
    const objective = (w: number[], sigma: number[], k: number, mu: number) =>
      0.5 * w.reduce((acc, x, i) => acc + (x - sigma[i]!) ** 2, 0) + 0.5 * mu * kSupportNorm(w, k).normSquared;
    fc.assert(
      fc.property(
        spectrum,
        fc.integer({ min: 1, max: 6 }),
        muArb,
        fc.array(fc.double({ min: -0.1, max: 0.1, noNaN: true }), { minLength: 12, maxLength: 12 }),
        (sigma, k, mu, delta) => {
          const w = Array.from(squaredKSupportProx(sigma, k, mu).values);
          const moved = w.map((x, i) => x + delta[i]!);
          expect(objective(w, sigma, k, mu)).toBeLessThanOrEqual(objective(moved, sigma, k, mu) + 1e-12);
        },
      ),
      { numRuns: 300, seed: 3 },
    );
  });

  it("is sign- and permutation-equivariant, and its weights sum to k when more than k entries are non-zero", () => {
    const { values, weights } = squaredKSupportProx([-3, 1, 0, 2, -0.5], 2, 0.4);
    const sorted = squaredKSupportProx([3, 2, 1, 0.5, 0], 2, 0.4).values;
    expect(Array.from(values.map(Math.abs))).toEqual([sorted[0], sorted[2], 0, sorted[1], sorted[3]]);
    expect(values[0]).toBeLessThan(0);
    expect(weights.reduce((a, b) => a + b, 0)).toBeCloseTo(2, 12);
  });

  it("is ridge sigma/(1+mu) with at most k non-zero entries and the identity for mu = 0", () => {
    expect(Array.from(squaredKSupportProx([4, 2, 0, 0], 2, 1).values)).toEqual([2, 1, 0, 0]);
    expect(Array.from(squaredKSupportProx([4, 2, 1], 1, 0).values)).toEqual([4, 2, 1]);
  });

  it("rejects bad k, mu and entries", () => {
    expect(() => squaredKSupportProx([1], 0, 1)).toThrow(/k must be/);
    expect(() => squaredKSupportProx([1], 1, -1)).toThrow(/mu must be/);
    expect(() => squaredKSupportProx([Number.POSITIVE_INFINITY], 1, 1)).toThrow(/not finite/);
  });
});
