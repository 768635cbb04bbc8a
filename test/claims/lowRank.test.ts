// Claim 5 (shared/claims/lowRank.ts): the learned rank equals rank(A*), counted at a threshold
// with a resolution band; passing and failing cells side by side, and the per-cell verdicts it
// records (the report's rank column marks cells from them).
import { describe, expect, it } from "vitest";
import { evaluateClaims } from "../../shared/claims/list.js";
import { tolerances } from "../../shared/claims/lowRank.js";
import { byId, dropblock, evidence, factorisation } from "./evidence.js";
import { aboveAtAndBelowTheBound, good } from "./representable.js";

describe("claim 5: low rank", () => {
  it("passes on matching ranks above the bound, whatever the cells at it and below it", () => {
    expect(byId(aboveAtAndBelowTheBound())["5"]).toMatchObject({ status: "pass", measured: 0, cells: 1 });
  });

  it("fails on a wrong rank", () => {
    const bad = byId([evidence(factorisation(dropblock), { ...good, objectiveGap: 0.01, balanceRatio: 1.5, learnedRank: 3 })]);
    expect(bad["5"]!.status).toBe("fail");
    expect(bad["5"]!.measured).toBe(1);
  });

  it("count ranks from the spectra above 2% of σ₁, a closed-form value near that threshold going either way", () => {
    const spectra = (learned: number[], closedForm: number[]) => ({ learned, closedForm, target: [10, 5, 1] });
    const cell = (learned: number[], closedForm: number[]) => evidence(factorisation(dropblock), good, "ok", spectra(learned, closedForm));
    // w = (6, 0.25, 0): 0.25 is 2.5% of sigma_1, inside the 1%-3% band: 1 or 2 learned values count.
    expect(byId([cell([6.01, 0.15, 0.05], [6, 0.25, 0]), cell([6.01, 0.26, 0.05], [6, 0.25, 0])])["5"]).toMatchObject({
      status: "pass",
      measured: 0,
    });
    expect(byId([cell([6.01, 0.15, 0.05], [6, 0.25, 0])])["5"]!.reason).toMatch(/1 cell has a closed-form singular value within 1% of σ₁/);
    // A residue of 2.1% where w = 0, or a 4% value learned below the threshold: mismatches.
    expect(byId([cell([6, 0.21, 0], [6, 0, 0])])["5"]).toMatchObject({ status: "fail", measured: 1 });
    expect(byId([cell([6, 0.19, 0], [6, 0.4, 0])])["5"]).toMatchObject({ status: "fail", measured: 1 });
  });

  it("record exactly the cells claim 5 counts as mismatches and those it accepts either way", () => {
    // sigma_1 = 10: the threshold is 0.2, its resolution band (0.1, 0.3). Third closed-form
    // and learned values on a grid across the band, none on its edges.
    const sigma1 = 10;
    const grid = [0, 0.05, 0.15, 0.25, 0.35, 0.45];
    const items = grid.flatMap((w, i) =>
      [0.05, 0.15, 0.25, 0.35].map((v, j) =>
        evidence(factorisation(dropblock, 10 * i + j), good, "ok", {
          target: [sigma1, 5, 1],
          closedForm: [6, 3, w, 0],
          learned: [6.01, 3, v, 0.01],
        }),
      ),
    );
    // Independently: scan levels across the band; a cell matches when its learned count equals
    // the closed-form count at some level in it, and is unresolved when those counts vary.
    const countAbove = (values: readonly number[], level: number) => {
      let c = 0;
      for (const x of values) if (x > level) c += 1;
      return c;
    };
    const expected = { mismatched: [] as string[], unresolved: [] as string[] };
    for (const e of items) {
      const { learned, closedForm } = e.spectra as { learned: number[]; closedForm: number[] };
      const learnedRank = countAbove(learned, tolerances.rankThreshold * sigma1);
      const counts = new Set<number>();
      for (let step = 0; step <= 1000; step++) {
        const fraction = tolerances.rankThreshold - tolerances.rankResolution + (2 * tolerances.rankResolution * step) / 1000;
        counts.add(countAbove(closedForm, fraction * sigma1));
      }
      if (!counts.has(learnedRank)) expected.mismatched.push(e.hash);
      else if (counts.size > 1) expected.unresolved.push(e.hash);
    }
    // The grid has cells of every kind, so the lists below can be wrong.
    expect(expected.mismatched.length).toBeGreaterThan(0);
    expect(expected.unresolved.length).toBeGreaterThan(0);
    expect(expected.mismatched.length + expected.unresolved.length).toBeLessThan(items.length);
    const claim = byId(items)["5"]!;
    expect(claim.mismatched).toEqual(expected.mismatched);
    expect(claim.unresolved).toEqual(expected.unresolved);
    expect(claim.measured).toBe(expected.mismatched.length);
    expect(claim.reason).toContain(`${expected.unresolved.length} cells have a closed-form singular value within`);
    // Every other claim leaves the lists out, as does a skipped claim 5.
    for (const other of evaluateClaims(items))
      if (other.id !== "5") expect([other.mismatched, other.unresolved]).toEqual([undefined, undefined]);
    expect(byId([evidence(factorisation(dropblock), { representable: false })])["5"]!.mismatched).toBeUndefined();
  });

  it("compare ranks at the learned rank's threshold when the result gives rank(A*) there", () => {
    const tiny = { ...good, closedFormRank: 3, closedFormRankAtThreshold: 2, learnedRank: 2 };
    const claim = byId([evidence(factorisation(dropblock), tiny)])["5"]!;
    expect(claim).toMatchObject({ status: "pass", measured: 0 });
    expect(byId([evidence(factorisation(dropblock), { ...tiny, learnedRank: 3 })])["5"]!.status).toBe("fail");
  });

  it("judges converged cells only; inconclusive (with empty verdict lists) when none converged", () => {
    const stopped = evidence(factorisation(dropblock), { ...good, learnedRank: 7, trainingStatus: "max-epochs" });
    const claim = byId([stopped])["5"]!;
    expect(claim).toMatchObject({ status: "inconclusive", measured: null, mismatched: [], unresolved: [], hashes: [stopped.hash] });
    expect(byId([evidence(factorisation(dropblock, 1), good), stopped])["5"]).toMatchObject({ status: "pass", mismatched: [] });
  });
});
