import { describe, expect, it } from "vitest";
import { type Matrix, zeros } from "../../shared/numerics/matrix.js";
import { balancedFactorisation } from "../../shared/theory/balancedFactorisation.js";
import { closedForm } from "../../shared/theory/closedForm.js";
import { createDeterministicObjective } from "../../shared/theory/deterministicObjective.js";
import { projectorDecomposition } from "../../shared/theory/projectorDecomposition.js";
import { gaussian, lcg, maxAbsDiff, naiveProduct, naiveTranspose, randomMatrix } from "./helpers.js";

function blockProductNorms(u: Matrix, v: Matrix, k: number, x: Matrix | null): number[] {
  const norms: number[] = [];
  for (let g = 0; g < u.cols / k; g++) {
    const ug = zeros(u.rows, k);
    const vg = zeros(v.rows, k);
    for (let i = 0; i < u.rows; i++) for (let c = 0; c < k; c++) ug.data[i * k + c] = u.data[i * u.cols + g * k + c]!;
    for (let i = 0; i < v.rows; i++) for (let c = 0; c < k; c++) vg.data[i * k + c] = v.data[i * v.cols + g * k + c]!;
    let p = naiveProduct(ug, naiveTranspose(vg));
    if (x) p = naiveProduct(p, x);
    norms.push(Math.sqrt(p.data.reduce((a, b) => a + b * b, 0)));
  }
  return norms;
}

const cells = [
  // [m, n, r, k, theta, seed, data samples (0: factorisation)]
  [6, 5, 6, 1, 0.7, 1, 0],
  [6, 5, 8, 2, 0.6, 2, 0],
  [8, 8, 8, 2, 0.3, 3, 0],
  [20, 15, 30, 3, 0.6, 4, 0],
  [10, 7, 12, 3, 0.5, 5, 0],
  [5, 4, 6, 2, 0.6, 6, 9],
  [4, 3, 4, 1, 0.5, 7, 6],
] as const;

describe('balanced factorisation (THEORY.md "Representability" and "Balance")', () => {
  for (const [m, n, r, k, theta, seed, samples] of cells)
    it(`reproduces A*, equalises block norms and is stationary: ${m}x${n}, r=${r}, k=${k}, theta=${theta}${samples ? ", data" : ""}`, () => {
      const normal = gaussian(lcg(seed));
      const y = randomMatrix(m, samples || n, normal);
      const x = samples ? randomMatrix(n, samples, normal) : null;
      const cf = closedForm({ targets: y, inputs: x, hiddenUnits: r, blockSize: k, keepProbability: theta });
      expect(cf.representable).toBe(true);
      const found = balancedFactorisation(cf);
      expect(found).not.toBeNull();
      const { U, V } = found!;
      const scale = 1 + Math.max(...Array.from(cf.product.data, Math.abs));
      expect(maxAbsDiff(naiveProduct(U, naiveTranspose(V)).data, cf.product.data)).toBeLessThan(1e-9 * scale);
      const norms = blockProductNorms(U, V, k, x);
      for (const norm of norms) expect(norm).toBeCloseTo(cf.balanceTarget, 8);
      const squares = norms.reduce((a, b) => a + b * b, 0);
      expect(squares).toBeCloseTo((cf.kSupportNorm * cf.kSupportNorm) / cf.blocks, 8);
      const objective = createDeterministicObjective({
        targets: y,
        inputs: x,
        mask: { family: "dropblock", keepProbability: theta, blockSize: k },
        hiddenUnits: r,
      });
      const { value, gradU, gradV } = objective.valueAndGradient(U, V);
      expect(value).toBeCloseTo(cf.objective, 8);
      expect(
        Math.max(maxAbsDiff(gradU.data, new Float64Array(gradU.data.length)), maxAbsDiff(gradV.data, new Float64Array(gradV.data.length))),
      ).toBeLessThan(1e-7 * scale);
    });

  it("returns null on non-representable cells", () => {
    const y = randomMatrix(6, 5, gaussian(lcg(8)));
    const cf = closedForm({ targets: y, hiddenUnits: 3, blockSize: 1, keepProbability: 0.95 });
    expect(cf.rank).toBeGreaterThan(3);
    expect(cf.representable).toBe(false);
    expect(balancedFactorisation(cf)).toBeNull();
  });
});

describe("projectorDecomposition", () => {
  it("q = 1 (Chan-Li) gives unit vectors with frame operator diag(x)", () => {
    const x = [2.5, 0.2, 1.3, 0.9, 0.1];
    const b = 5;
    const frames = projectorDecomposition(x, 1, b)!;
    const sum = zeros(5, 5);
    for (const f of frames) {
      expect(f.data.reduce((a, c) => a + c * c, 0)).toBeCloseTo(1, 12);
      const p = naiveProduct(f, naiveTranspose(f));
      for (let i = 0; i < 25; i++) sum.data[i]! += p.data[i]!;
    }
    expect(
      maxAbsDiff(
        sum.data,
        Float64Array.from({ length: 25 }, (_, i) => (i % 6 === 0 ? x[i / 6]! : 0)),
      ),
    ).toBeLessThan(1e-12);
  });

  it("finds none where none exists (b = 2, q = 2: eigenvalues of P1 + P2 off {0,1,2} must pair as 1 +- c)", () => {
    // Three directions with weights summing to 4 and no pairing: 1.8 has no partner 0.2.
    expect(projectorDecomposition([1.8, 1.2, 1.0], 2, 2)).toBeNull();
    expect(projectorDecomposition([1.5, 1.0, 1.0, 0.5], 2, 2)).not.toBeNull(); // 1.5 pairs with 0.5
  });
});
