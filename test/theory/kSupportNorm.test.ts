import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { kSupportNorm, spectralKSupportNorm } from "../../shared/theory/kSupportNorm.js";
import { dualKSupport, gaussian, lcg, withSpectrum } from "./helpers.js";

// Entries are 0 or of magnitude >= 1e-6 (certificates at denormal scale only test rounding); ties are
// generated on purpose because they are where the index t is delicate.
const entry = fc.oneof(
  fc.double({ min: -10, max: 10, noNaN: true }).map((x) => (Math.abs(x) < 1e-6 ? 0 : x)),
  fc.constantFrom(0, 1, -1, 2),
);
const vector = fc.array(entry, { minLength: 1, maxLength: 9 });

/**
 * Independent bounds on ||w||_(k) for every candidate split t (none taken from the code):
 * - lower: <u, |w|> / ||u||_* for the dual vector u = (z_lead, s, ..., s), valid for any u;
 * - upper: sum of ||v_j|| over an explicit decomposition of w into k-sparse atoms (the tail
 *   ratios z_i / s are a point of the hypersimplex, split into its vertices by systematic
 *   sampling), valid whenever the atoms are k-sparse and sum to |w|.
 */
function certificates(w: number[], k: number): { lower: number; upper: number } {
  const d = Math.max(w.length, k);
  const z = Array.from({ length: d }, (_, i) => Math.abs(w[i] ?? 0)).sort((a, b) => b - a);
  let lower = 0;
  let upper = Infinity;
  for (let t = 0; t < k; t++) {
    const lead = z.slice(0, k - t - 1);
    const tail = z.slice(k - t - 1);
    const s = tail.reduce((a, b) => a + b, 0) / (t + 1);
    const u = [...lead, ...tail.map(() => s)];
    const dual = dualKSupport(u, k);
    if (dual > 0) lower = Math.max(lower, u.reduce((acc, ui, i) => acc + ui * z[i]!, 0) / dual);
    if (s === 0) {
      upper = Math.min(upper, Math.sqrt(lead.reduce((a, b) => a + b * b, 0)));
      continue;
    }
    const ratios = tail.map((x) => x / s);
    if (ratios.some((a) => a > 1 + 1e-12)) continue;
    // Systematic sampling: offsets o in [0,1) pick {i : cumulative interval i holds o + integer}.
    const cumulative = [0];
    for (const a of ratios) cumulative.push(cumulative[cumulative.length - 1]! + a);
    const cuts = [...new Set([0, 1, ...cumulative.map((c) => c - Math.floor(c))])].sort((a, b) => a - b);
    const sum = new Array<number>(d).fill(0);
    let cost = 0;
    for (let c = 0; c + 1 < cuts.length; c++) {
      const weight = cuts[c + 1]! - cuts[c]!;
      if (weight <= 1e-12) continue; // slivers from rounding of the fractional parts
      const o = (cuts[c]! + cuts[c + 1]!) / 2;
      const atom = new Array<number>(d).fill(0);
      lead.forEach((x, i) => (atom[i] = x));
      ratios.forEach((_, i) => {
        const lo = cumulative[i]!;
        const hi = cumulative[i + 1]!;
        if (Math.floor(hi - o) >= Math.ceil(lo - o) && hi - lo > 0) atom[k - t - 1 + i] = s;
      });
      expect(atom.filter((x) => x !== 0).length).toBeLessThanOrEqual(k);
      atom.forEach((x, i) => (sum[i]! += weight * x));
      cost += weight * Math.sqrt(atom.reduce((a, b) => a + b * b, 0));
    }
    if (sum.every((x, i) => Math.abs(x - z[i]!) <= 1e-9 * (1 + z[0]!))) upper = Math.min(upper, cost);
  }
  return { lower, upper };
}

describe('vector k-support norm (THEORY.md "Vector k-support norm")', () => {
  it("equals the best lower (dual) and upper (atomic decomposition) certificates", () => {
    fc.assert(
      fc.property(vector, fc.integer({ min: 1, max: 10 }), (w, k) => {
        const { norm } = kSupportNorm(w, k);
        const { lower, upper } = certificates(w, k);
        const scale = 1 + Math.max(...w.map(Math.abs));
        expect(Math.abs(norm - lower)).toBeLessThanOrEqual(1e-9 * scale);
        expect(Math.abs(norm - upper)).toBeLessThanOrEqual(1e-9 * scale);
      }),
      { numRuns: 300, seed: 20261127 },
    );
  });

  it("is never exceeded by <u, w> over random u in the dual unit ball", () => {
    fc.assert(
      fc.property(
        vector,
        fc.integer({ min: 1, max: 6 }),
        fc.array(fc.double({ min: -1, max: 1, noNaN: true }), { minLength: 9, maxLength: 9 }),
        (w, k, raw) => {
          const u = raw.slice(0, w.length);
          const dual = dualKSupport(u, k);
          fc.pre(dual > 0);
          const pairing = u.reduce((acc, ui, i) => acc + ui * w[i]!, 0) / dual;
          expect(pairing).toBeLessThanOrEqual(kSupportNorm(w, k).norm * (1 + 1e-12) + 1e-12);
        },
      ),
      { numRuns: 300, seed: 7 },
    );
  });

  it("is l1 for k = 1 and l2 for k >= d, with index 0 for k = 1", () => {
    fc.assert(
      fc.property(vector, (w) => {
        const l1 = w.reduce((a, b) => a + Math.abs(b), 0);
        const l2 = Math.sqrt(w.reduce((a, b) => a + b * b, 0));
        const one = kSupportNorm(w, 1);
        expect(one.index).toBe(0);
        expect(one.norm).toBeCloseTo(l1, 10);
        expect(kSupportNorm(w, w.length).norm).toBeCloseTo(l2, 10);
        expect(kSupportNorm(w, w.length + 3).norm).toBeCloseTo(l2, 10);
      }),
      { numRuns: 200, seed: 3 },
    );
  });

  it("rejects k < 1 and non-finite entries", () => {
    expect(() => kSupportNorm([1, 2], 0)).toThrow(/k must be an integer/);
    expect(() => kSupportNorm([1, Number.NaN], 1)).toThrow(/not finite/);
    expect(kSupportNorm([], 2).norm).toBe(0);
  });

  it("spectral version: the vector norm of the singular values of P diag(sigma) Q^T", () => {
    const normal = gaussian(lcg(11));
    for (const [m, n, sigma, k] of [
      [5, 4, [3, 2, 1, 0.5], 2],
      [3, 6, [4, 4, 1], 2],
      [6, 6, [2, 1.5, 1, 0.7, 0.2, 0.1], 4],
    ] as const) {
      const a = withSpectrum(m, n, [...sigma], normal);
      expect(spectralKSupportNorm(a, k).norm).toBeCloseTo(kSupportNorm([...sigma], k).norm, 10);
    }
  });
});
