// The claims table (shared/claims/list.ts): every claim listed, each with its module's texts
// and justification, and the cells each claim lists, worst first, across claims on one sweep.
import { describe, expect, it } from "vitest";
import { claimById, claims, evaluateClaims } from "../../shared/claims/list.js";
import { claimIds } from "../../shared/claims/result.js";
import { byId, dropblock, evidence, factorisation, noop, regression } from "./evidence.js";

describe("claims", () => {
  it("lists all seven, skipped with a reason, when no cell bears on them; every one carries its justification", () => {
    const results = evaluateClaims([evidence(noop(), {})]);
    expect(results.map((c) => [c.id, c.status, c.cells])).toEqual(["1", "2", "3", "4", "5", "6", "7"].map((id) => [id, "skipped", 0]));
    for (const c of results) {
      expect(c.reason).toBeTruthy();
      expect(c.justification).toBe(claimById(c.id).justification(c));
      expect(c.justification.length).toBeGreaterThan(40);
    }
  });

  it("has one module per claim id, in THEORY.md's order, each with a title, statement and tolerances", () => {
    expect(claims.map((c) => c.id)).toEqual([...claimIds]);
    for (const claim of claims) {
      const result = claim.evaluate([]);
      expect(result.title).toBe(claim.title);
      expect(claim.statement(result).length).toBeGreaterThan(20);
      expect(claim.measured(result).length).toBeGreaterThan(20);
      expect(Object.values(claim.tolerances).every((t) => Number.isFinite(t))).toBe(true);
    }
  });

  describe("the cells each claim lists (hashes), worst first", () => {
    it("lists exactly the cells bearing on the claim, the judged ones in decreasing badness (mismatches first), then those that did not converge", () => {
      const good = { representable: true, blocks: 4, blocksNeeded: 2, spectrumError: 1e-3, learnedRank: 2, closedFormRank: 2 };
      const mc = (mean: number) => ({ mean, standardError: 0.1, deterministic: 10, samples: 10 });
      const items = [
        evidence(factorisation(dropblock), { ...good, objectiveGap: 1e-4, balanceRatio: 1.1, monteCarlo: mc(10.1) }),
        evidence(factorisation(dropblock, 1), { ...good, objectiveGap: 5e-4, balanceRatio: 1.02, learnedRank: 3, monteCarlo: mc(9.7) }),
        evidence(factorisation(dropblock, 2), { ...good, objectiveGap: 1e-5, spectrumError: 0.04, balanceRatio: 1.2 }),
        evidence(factorisation(dropblock, 3), { ...good, blocks: 2, objectiveGap: 0.1, balanceRatio: 9 }), // at the bound: not claimed
        evidence(factorisation(dropblock, 4), { representable: false, objectiveGap: 0.5 }), // not representable
        evidence(factorisation(dropblock, 5), { representable: true }, "diverged"),
        evidence(noop(), {}),
      ];
      const [a, b, c, , , diverged] = items.map((e) => e.hash);
      const results = byId(items);
      // Claim 1 by |z|: b (3) before a (1); cells without a Monte Carlo estimate are not listed.
      expect(results["1"]!.hashes).toEqual([b, a]);
      // Claim 3: by gap or spectrum error against their tolerances (c: 0.04 / 0.05 = 0.8), then the
      // diverged cell (counted, not judged); claims 4 and 5 likewise.
      expect(results["3"]!.hashes).toEqual([c, b, a, diverged]);
      expect(results["4"]!.hashes).toEqual([c, a, b, diverged]);
      expect(results["5"]!.hashes).toEqual([b, a, c, diverged]);
      expect(results["5"]!.status).toBe("fail");
      for (const id of ["2", "6", "7"]) expect(results[id]!.hashes).toBeUndefined();
    });
  });

  describe("the roles each claim records (what the report's cells table and objective-gap plot show)", () => {
    it("claims 3-5 record the cells they set aside, at the bound and not representable, and judge none of them", () => {
      const good = {
        representable: true,
        blocks: 4,
        blocksNeeded: 2,
        spectrumError: 1e-3,
        learnedRank: 2,
        closedFormRank: 2,
        balanceRatio: 1.1,
      };
      const items = [
        evidence(factorisation(dropblock), { ...good, objectiveGap: 1e-4 }),
        evidence(factorisation(dropblock, 1), { ...good, blocks: 2, objectiveGap: 0.004 }), // at the bound
        evidence(factorisation(dropblock, 2), { ...good, representable: false, objectiveGap: 0.5 }), // not representable
        evidence(factorisation(dropblock, 3), { ...good, representable: false, objectiveGap: 0.2 }),
      ];
      const [above, atBound, below1, below2] = items.map((e) => e.hash);
      const results = byId(items);
      for (const id of ["3", "4", "5"]) {
        expect(results[id]!.hashes, id).toEqual([above]);
        expect(results[id]!.roles, id).toEqual([
          { role: "at the bound", reported: true, hashes: [atBound] },
          { role: "not representable", reported: true, hashes: [below1, below2] },
        ]);
      }
      // Without such cells, no roles: every cell read is simply judged.
      expect(byId(items.slice(0, 1))["3"]!.roles).toBeUndefined();
    });

    it("claim 2 records which cells it expects equal and which different, by the rule it applied", () => {
      const regs = (dropout: number, dropconnect: number) => ({ regularisers: { dropout, dropconnect }, finalObjective: 10 });
      const dropconnect = (layer: "first" | "last") => ({ family: "dropconnect", keepProbability: 0.5, layer }) as const;
      const items = [
        evidence(regression(dropconnect("last"), { generator: "gaussian" }), regs(2, 2)),
        evidence(regression(dropconnect("first"), { generator: "orthogonal" }), regs(2, 2)),
        evidence(regression(dropconnect("first"), { generator: "gaussian" }), regs(2, 2.5)),
      ];
      const [last, firstDiagonal, firstCorrelated] = items.map((e) => e.hash);
      expect(byId(items)["2"]!.roles).toEqual([
        { role: "equal where predicted", hashes: [last, firstDiagonal] },
        { role: "different where predicted", hashes: [firstCorrelated] },
      ]);
    });
  });
});
