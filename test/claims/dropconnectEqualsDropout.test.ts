// Claim 2 (shared/claims/dropconnectEqualsDropout.ts): equality where the theory predicts it, a
// real difference where it predicts one; passing and failing cells side by side.
import { describe, expect, it } from "vitest";
import { tolerances } from "../../shared/claims/dropconnectEqualsDropout.js";
import { byId, evidence, factorisation, regression } from "./evidence.js";

const first = { family: "dropconnect", keepProbability: 0.5, layer: "first" } as const;
const last = { ...first, layer: "last" } as const;
const reg = (dropout: number, dropconnect: number, monteCarloMean?: number) => ({
  regularisers: { dropout, dropconnect },
  finalObjective: 10 + dropconnect,
  ...(monteCarloMean !== undefined
    ? { monteCarlo: { mean: monteCarloMean, standardError: 0.1, deterministic: 10 + dropconnect, samples: 10 } }
    : {}),
});

describe("claim 2: DropConnect = Dropout", () => {
  it("passes when equal where predicted and clearly different (in formula and in sampled loss) where not", () => {
    const items = [
      evidence(regression(last, { generator: "gaussian" }), reg(2, 2)),
      evidence(regression(first, { generator: "orthogonal" }), reg(2, 2 + 1e-12)),
      evidence(factorisation(first), reg(1, 1)),
      evidence(regression(first, { generator: "gaussian" }), reg(2, 3, 13.02)), // z vs Dropout's 12: 10.2
      evidence(regression(first, { generator: "correlated", correlation: 0.5 }, 1), reg(2, 2.5, 12.49)),
    ];
    const claim = byId(items)["2"]!;
    // Worst first against each check's tolerance: the rounding-level difference (5e-4 of its
    // tolerance), then the smaller real difference (0.25), the larger (0.5), the exact ones.
    expect(claim.hashes).toEqual([1, 4, 3, 0, 2].map((i) => items[i]!.hash));
    expect(claim).toMatchObject({ status: "pass", cells: 5, tolerance: tolerances.dropconnectRelative });
    expect(claim.measured).toBe(Math.abs(2 + 1e-12 - 2) / 2);
    expect(claim.checks!.map((c) => [c.relation, c.cells, c.pass, c.reported ?? false])).toEqual([
      ["<=", 3, true, false],
      [">=", 2, true, false],
      [">=", 2, true, true],
    ]);
    expect(claim.reason).toMatch(/rejects Dropout's objective in 2 of 2/);
    expect(claim.checks![1]!.measured).toBeCloseTo(0.25, 12);
    expect(claim.checks![2]!.measured).toBeCloseTo(4.9, 9);
  });

  it("fails on a difference where the theory predicts equality, and on equality where it predicts a difference", () => {
    expect(byId([evidence(regression(last, { generator: "gaussian" }), reg(2, 2.1))])["2"]!.status).toBe("fail");
    // Equal up to rounding where the theory predicts a difference.
    const tooClose = byId([evidence(regression(first, { generator: "gaussian" }), reg(2, 2 + 1e-12))])["2"]!;
    expect(tooClose.status).toBe("fail");
    // Formulas differ, the sampled loss cannot resolve it: reported, the claim still passes.
    const unseen = byId([evidence(regression(first, { generator: "gaussian" }), reg(2, 2.01, 12.01))])["2"]!;
    expect(unseen.status).toBe("pass");
    expect(unseen.checks!.map((c) => c.pass)).toEqual([true, false]);
    expect(unseen.reason).toMatch(/in 0 of 1/);
  });

  it("is skipped when no DropConnect cell carries both regularisers", () => {
    expect(byId([evidence(regression(first, { generator: "gaussian" }), { finalObjective: 3 })])["2"]).toMatchObject({
      status: "skipped",
      cells: 0,
    });
  });
});
