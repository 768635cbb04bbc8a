// The claims table on hand-made evidence: which cells bear on each claim, and the verdicts.
import { describe, expect, it } from "vitest";
import { evaluateClaims, tolerances, type CellEvidence } from "../../shared/pipeline/claims.js";
import { emptyMetrics, type CellMetrics } from "../../shared/results/result.js";
import type { Cell, LinearFactorisationCell, LinearRegressionCell } from "../../shared/spec/cell.js";

const optimiser = { learningRate: 0.1, schedule: "constant", epochs: 10, batchSize: 4, maskScope: "sample", dtype: "f64" } as const;
const factorisation = (mask: LinearFactorisationCell["mask"], seed = 0): LinearFactorisationCell => ({
  experiment: "linear-factorisation",
  sizes: { m: 4, n: 4, hiddenUnits: 4 },
  target: { generator: "gaussian", noise: 0 },
  mask,
  optimiser,
  seed,
  monteCarloSamples: 10,
});
const regression = (mask: LinearRegressionCell["mask"], data: LinearRegressionCell["data"]): LinearRegressionCell => ({
  experiment: "linear-regression",
  sizes: { m: 4, d: 3, N: 8, hiddenUnits: 4 },
  data,
  target: { generator: "gaussian", noise: 0 },
  mask,
  optimiser,
  seed: 0,
  monteCarloSamples: 10,
});
let n = 0;
const evidence = (cell: Cell, metrics: Partial<CellMetrics>, status: "ok" | "diverged" = "ok"): CellEvidence => ({
  hash: String(n++),
  cell,
  status,
  metrics: { ...emptyMetrics(), ...metrics },
});
const byId = (items: CellEvidence[]) => Object.fromEntries(evaluateClaims(items).map((c) => [c.id, c]));
const dropblock = { family: "dropblock", keepProbability: 0.5, blockSize: 2 } as const;

describe("claims", () => {
  it("lists all seven, skipped with a reason, when no cell bears on them", () => {
    const claims = evaluateClaims([evidence({ experiment: "noop", seed: 0, work: { iterations: 0, fail: false } }, {})]);
    expect(claims.map((c) => [c.id, c.status, c.cells])).toEqual(["1", "2", "3", "4", "5", "6", "7"].map((id) => [id, "skipped", 0]));
    for (const c of claims) expect(c.reason).toBeTruthy();
  });

  it("claim 1: the largest Monte Carlo deviation in standard errors, against 3", () => {
    const mc = (mean: number) => ({ monteCarlo: { mean, standardError: 0.5, deterministic: 10 } });
    const pass = byId([evidence(factorisation(dropblock), mc(11)), evidence(factorisation(dropblock, 1), mc(9.25))])["1"];
    expect(pass).toMatchObject({ status: "pass", measured: 2, tolerance: 3, cells: 2 });
    expect(byId([evidence(factorisation(dropblock), mc(11.75))])["1"]).toMatchObject({ status: "fail", measured: 3.5 });
  });

  it("claim 2: equality where the theory predicts it, other cells shown as counter-examples", () => {
    const reg = (dropout: number, dropconnect: number) => ({ regularisers: { dropout, dropconnect } });
    const first = { family: "dropconnect", keepProbability: 0.5, layer: "first" } as const;
    const last = { ...first, layer: "last" } as const;
    const claim = byId([
      evidence(regression(last, { generator: "gaussian" }), reg(2, 2)),
      evidence(regression(first, { generator: "orthogonal" }), reg(2, 2 + 1e-12)),
      evidence(regression(first, { generator: "gaussian" }), reg(2, 3)), // predicted to differ
      evidence(factorisation(first), reg(1, 1)),
    ])["2"]!;
    expect(claim).toMatchObject({ status: "pass", cells: 3, tolerance: tolerances.dropconnectRelative });
    expect(claim.measured).toBe(Math.abs(2 + 1e-12 - 2) / 2);
    expect(claim.reason).toMatch(/1 cells with non-diagonal/);
    expect(byId([evidence(regression(last, { generator: "gaussian" }), reg(2, 2.1))])["2"]).toMatchObject({ status: "fail" });
  });

  it("claims 3-5 read representable linear cells only; a diverged one fails claim 3", () => {
    const good = { representable: true, objectiveGap: 1e-5, balanceRatio: 1.01, learnedRank: 2, closedFormRank: 2 };
    const unrepresentable = { representable: false, objectiveGap: 0.5, balanceRatio: 9, learnedRank: 4, closedFormRank: 2 };
    const claims = byId([evidence(factorisation(dropblock), good), evidence(factorisation(dropblock, 1), unrepresentable)]);
    expect(claims["3"]).toMatchObject({ status: "pass", measured: 1e-5, cells: 1 });
    expect(claims["4"]).toMatchObject({ status: "pass", measured: 1.01, cells: 1 });
    expect(claims["5"]).toMatchObject({ status: "pass", measured: 0, cells: 1 });
    const bad = byId([evidence(factorisation(dropblock), { ...good, objectiveGap: 0.01, balanceRatio: 1.25, learnedRank: 3 })]);
    expect([bad["3"]!.status, bad["4"]!.status, bad["5"]!.status]).toEqual(["fail", "fail", "fail"]);
    expect(bad["5"]!.measured).toBe(1);
    const diverged = byId([evidence(factorisation(dropblock), good), evidence(factorisation(dropblock, 1), { representable: true }, "diverged")]);
    expect(diverged["3"]).toMatchObject({ status: "fail", cells: 2, reason: "1 representable cells diverged" });
  });

  it("claim 7 pairs partitioned and contiguous cells that differ only in the family", () => {
    const contiguous = { ...dropblock, family: "contiguous-dropblock" } as const;
    const claims = byId([
      evidence(factorisation(dropblock), { finalObjective: 10 }),
      evidence(factorisation(contiguous), { finalObjective: 10.3 }),
      evidence(factorisation(contiguous, 5), { finalObjective: 50 }), // no partner
    ]);
    expect(claims["7"]!.status).toBe("pass");
    expect(claims["7"]!.cells).toBe(2);
    expect(claims["7"]!.measured).toBeCloseTo(0.03, 12);
  });
});
