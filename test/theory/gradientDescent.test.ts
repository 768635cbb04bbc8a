// Brute force for the closed form: plain heavy-ball gradient descent on the factored deterministic
// DropBlock objective (gradient checked against finite differences in objective.test.ts).
import { describe, expect, it } from "vitest";
import type { Matrix } from "../../shared/numerics/matrix.js";
import { closedForm } from "../../shared/theory/closedForm.js";
import { createDeterministicObjective } from "../../shared/theory/deterministicObjective.js";
import { gaussian, lcg, randomMatrix } from "./helpers.js";

function descend(y: Matrix, x: Matrix | null, r: number, k: number, theta: number, seed: number, iterations: number): number {
  const normal = gaussian(lcg(seed));
  const objective = createDeterministicObjective({
    targets: y,
    inputs: x,
    mask: { family: "dropblock", keepProbability: theta, blockSize: k },
    hiddenUnits: r,
  });
  const u = randomMatrix(y.rows, r, normal, 0.3);
  const v = randomMatrix(x ? x.rows : y.cols, r, normal, 0.3);
  const du = new Float64Array(u.data.length);
  const dv = new Float64Array(v.data.length);
  const step = 0.01;
  const momentum = 0.9;
  for (let it = 0; it < iterations; it++) {
    const { gradU, gradV } = objective.valueAndGradient(u, v);
    for (let i = 0; i < du.length; i++) u.data[i]! += du[i] = momentum * du[i]! - step * gradU.data[i]!;
    for (let i = 0; i < dv.length; i++) v.data[i]! += dv[i] = momentum * dv[i]! - step * gradV.data[i]!;
  }
  return objective.value(u, v);
}

describe("gradient descent on the deterministic objective vs the closed form", () => {
  for (const [r, k, theta, seed] of [
    [6, 1, 0.7, 1],
    [8, 2, 0.6, 2],
    [9, 3, 0.5, 3],
  ] as const)
    it(`reaches the closed form on a representable cell: 6x5, r=${r}, k=${k}, theta=${theta}`, () => {
      const y = randomMatrix(6, 5, gaussian(lcg(100 + seed)));
      const cf = closedForm({ targets: y, hiddenUnits: r, blockSize: k, keepProbability: theta });
      expect(cf.representable).toBe(true);
      expect(cf.blocks).toBeGreaterThan(cf.blocksNeeded - 1);
      const reached = descend(y, null, r, k, theta, seed, 6000);
      expect(reached).toBeGreaterThanOrEqual(cf.objective * (1 - 1e-12));
      expect((reached - cf.objective) / cf.objective).toBeLessThan(1e-7);
    });

  for (const [r, k, theta, seed] of [
    [3, 1, 0.95, 4],
    [2, 2, 0.9, 5],
  ] as const)
    it(`stays above it on a non-representable cell: 6x5, r=${r}, k=${k}, theta=${theta}`, () => {
      const y = randomMatrix(6, 5, gaussian(lcg(100 + seed)));
      const cf = closedForm({ targets: y, hiddenUnits: r, blockSize: k, keepProbability: theta });
      expect(cf.representable).toBe(false);
      const reached = descend(y, null, r, k, theta, seed, 6000);
      expect((reached - cf.objective) / cf.objective).toBeGreaterThan(1e-6);
    });

  it("reaches the closed form in data mode (X != I), constant term included", () => {
    const normal = gaussian(lcg(77));
    const x = randomMatrix(4, 9, normal);
    const y = randomMatrix(5, 9, normal);
    const cf = closedForm({ targets: y, inputs: x, hiddenUnits: 6, blockSize: 2, keepProbability: 0.6 });
    expect(cf.representable).toBe(true);
    expect(cf.unexplained).toBeGreaterThan(0);
    const reached = descend(y, x, 6, 2, 0.6, 9, 8000);
    expect(reached).toBeGreaterThanOrEqual(cf.objective * (1 - 1e-12));
    expect((reached - cf.objective) / cf.objective).toBeLessThan(1e-7);
  });
});
