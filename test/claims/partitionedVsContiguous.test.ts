// Claim 7 (shared/claims/partitionedVsContiguous.ts): twin cells (the same but for the mask
// family) compared on final objectives (gated), spectra and curves (reported); passing and
// failing pairs side by side.
import { describe, expect, it } from "vitest";
import type { Cell } from "../../shared/spec/cell.js";
import { byId, contiguous, deep, dropblock, evidence, factorisation } from "./evidence.js";

const checkpoints = (values: number[]) => ({ epoch: values.map((_, i) => 2 ** i), value: values });
const twin = (cell: Cell, finalObjective: number, curve: number[], learned: number[]) =>
  evidence(cell, { finalObjective, objectiveCheckpoints: checkpoints(curve) }, "ok", { learned });

describe("claim 7: partitioned vs contiguous twins", () => {
  it("pairs cells that differ only in the family, linear and deep, on objectives, spectra and curves", () => {
    const claim = byId([
      twin(factorisation(dropblock), 10, [20, 15, 10], [3, 2, 1]),
      twin(factorisation(contiguous), 10.3, [20.4, 15.3, 10.3], [3, 2, 1.1]),
      twin(factorisation(contiguous, 5), 50, [60, 50], [1]), // no partner
      twin(deep({ family: "dropblock", keepProbability: 0.5, blockSize: 4 }), 200, [800, 300, 200], [8, 8]),
      twin(deep({ family: "contiguous-dropblock", keepProbability: 0.5, blockSize: 4 }), 204, [810, 306, 204], [8.2, 8]),
    ])["7"]!;
    expect(claim.status).toBe("pass");
    expect(claim.cells).toBe(4);
    expect(claim.measured).toBeCloseTo(0.03, 12);
    // Spectra: ||(0, 0, 0.1)|| / ||(3, 2, 1)|| and ||(0.2, 0)|| / ||(8, 8)||.
    expect(claim.checks![1]!.measured).toBeCloseTo(Math.max(0.1 / Math.sqrt(14), 0.2 / Math.sqrt(128)), 12);
    expect(claim.checks![2]!.measured).toBeCloseTo(0.03, 12);
    expect(claim.reason).toMatch(/2 twin pairs \(deep, linear-factorisation\)/);
  });

  it("compares twins only when both converged; inconclusive when no pair did", () => {
    const stoppedTwin = evidence(factorisation(contiguous), { finalObjective: 15, trainingStatus: "max-epochs" }, "ok", { learned: [3] });
    const pair = [twin(factorisation(dropblock), 10, [20, 15, 10], [3, 2, 1]), stoppedTwin];
    const claim = byId(pair)["7"]!;
    expect(claim).toMatchObject({ status: "inconclusive", cells: 1, hashes: [stoppedTwin.hash] });
    expect(claim.reason).toMatch(/1 cell stopped at optimiser\.epochs = 10 before converging/);
    const withAnother = byId([
      ...pair,
      twin(factorisation(dropblock, 1), 10, [20, 15, 10], [3, 2, 1]),
      twin(factorisation(contiguous, 1), 10.1, [20, 15, 10.1], [3, 2, 1]),
    ])["7"]!;
    expect(withAnother).toMatchObject({ status: "pass", cells: 3 });
    expect(withAnother.reason).toMatch(/not judged: 1 cell stopped/);
  });

  it("fails when the final objectives differ by more than the tolerance; spectra and curves are reported, not gated", () => {
    const base = [twin(factorisation(dropblock), 10, [20, 15, 10], [3, 2, 1])];
    const objective = byId([...base, twin(factorisation(contiguous), 11, [20, 15, 10], [3, 2, 1])])["7"]!;
    const spectrum = byId([...base, twin(factorisation(contiguous), 10, [20, 15, 10], [3, 1, 1])])["7"]!;
    const curve = byId([...base, twin(factorisation(contiguous), 10, [30, 15, 10], [3, 2, 1])])["7"]!;
    expect([objective, spectrum, curve].map((c) => c.status)).toEqual(["fail", "pass", "pass"]);
    expect([objective, spectrum, curve].map((c) => c.checks!.map((k) => k.pass))).toEqual([
      [false, true, true],
      [true, false, true],
      [true, true, false],
    ]);
    expect(spectrum.checks!.slice(1).every((k) => k.reported)).toBe(true);
    expect(spectrum.reason).toMatch(/beyond 5% \(reported, not gated\): spectra in 1 pair, curves in 0 pairs/);
  });

  it("lists both cells of a twin pair together, the pair with the larger difference first", () => {
    const pair = (seed: number, partitioned: number, contiguousObjective: number) => [
      evidence(factorisation(dropblock, seed), { finalObjective: partitioned }),
      evidence(factorisation(contiguous, seed), { finalObjective: contiguousObjective }),
    ];
    const close = pair(0, 10, 10.1);
    const far = pair(1, 10, 10.4);
    const claim = byId([...close, ...far])["7"]!;
    expect(claim.hashes).toEqual([far[1]!.hash, far[0]!.hash, close[1]!.hash, close[0]!.hash]);
  });
});
