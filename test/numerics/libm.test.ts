// The WebAssembly libm (shared/numerics/libm.ts) against exact arithmetic, and the result paths
// against JavaScript's Math: a result must never depend on Math.pow/exp/log/... (V8's arm64 build
// differs from x86-64 in the last bit on some inputs), so with those poisoned a cell still
// computes the same bytes.
import { afterEach, describe, expect, it, vi } from "vitest";
import { runLinear } from "../../shared/experiments/linear.js";
import { cos, exp, log, log2, pow } from "../../shared/numerics/libm.js";
import { learningRateAt } from "../../shared/numerics/train.js";
import { geometricSpans } from "../../shared/report/thin.js";
import { canonicalJson } from "../../shared/spec/canonical.js";
import { resolveCell, type LinearCell } from "../../shared/spec/cell.js";
import { maskMoments } from "../../shared/theory/index.js";
import { mulberry32 } from "./mulberry32.js";

/** Distance in units in the last place between two finite doubles of the same sign. */
function ulps(a: number, b: number): number {
  const view = new DataView(new ArrayBuffer(16));
  view.setFloat64(0, a);
  view.setFloat64(8, b);
  return Number(view.getBigInt64(0) - view.getBigInt64(8));
}

/** x^n (n a small positive integer) rounded once to the nearest double: exact BigInt arithmetic. */
function exactPower(x: number, n: number): number {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  const bits = view.getBigUint64(0);
  const biased = Number((bits >> 52n) & 0x7ffn);
  const mantissa = (bits & ((1n << 52n) - 1n)) | (1n << 52n); // x = mantissa * 2^(biased - 1075), normal x > 0
  const exponent = (biased - 1075) * n;
  const m = mantissa ** BigInt(n);
  // Keep 64 significant bits plus a sticky bit, so one conversion to Number rounds correctly.
  const shift = Math.max(0, m.toString(2).length - 64);
  const sticky = shift > 0 && m % (1n << BigInt(shift)) !== 0n ? 1n : 0n;
  const top = ((m >> BigInt(shift)) << 1n) | sticky; // 65 bits: round-half-even decided by Number()
  return Number(top) * 2 ** (exponent + shift - 1);
}

describe("WebAssembly libm", () => {
  const random = mulberry32(15);

  it("squares exactly, and raises to small integer powers within an ulp of the exactly rounded value", () => {
    for (let i = 0; i < 2000; i++) {
      const x = 0.01 + random() * 20;
      expect(pow(x, 2)).toBe(x * x);
      for (const n of [3, 5, 7, 12]) expect(Math.abs(ulps(pow(x, n), exactPower(x, n)))).toBeLessThanOrEqual(1);
    }
    expect(exactPower(3, 3)).toBe(27); // the oracle itself
    expect(pow(0.58, 0)).toBe(1);
    expect(pow(2, -3)).toBe(0.125);
  });

  it("takes fractional powers whose integer powers return the base", () => {
    for (let i = 0; i < 1000; i++) {
      const theta = 0.05 + random() * 0.95;
      for (const k of [2, 3, 13]) {
        const root = pow(theta, 1 / k);
        let back = 1;
        for (let j = 0; j < k; j++) back *= root;
        expect(Math.abs(back / theta - 1)).toBeLessThan(k * 4 * Number.EPSILON);
      }
    }
  });

  it("has exp and log inverse to each other, log2 exact on powers of two, cos exact at 0", () => {
    for (let i = 0; i < 1000; i++) {
      const x = -20 + random() * 40;
      expect(Math.abs(log(exp(x)) - x)).toBeLessThanOrEqual(4 * Number.EPSILON * Math.max(1, Math.abs(x)));
    }
    for (let e = -1074; e <= 1023; e += 7) expect(log2(2 ** e)).toBe(e);
    expect(exp(0)).toBe(1);
    expect(log(1)).toBe(0);
    expect(cos(0)).toBe(1);
  });
});

describe("result paths do not use JavaScript's transcendentals", () => {
  afterEach(() => vi.restoreAllMocks());

  const names = [
    "pow",
    "exp",
    "expm1",
    "log",
    "log2",
    "log10",
    "log1p",
    "sin",
    "cos",
    "tan",
    "atan2",
    "tanh",
    "sinh",
    "cosh",
    "cbrt",
    "hypot",
  ] as const;
  function poisonMath(): () => string[] {
    const spies = names.map((name) => [name, vi.spyOn(Math, name).mockImplementation(() => Number.NaN)] as const);
    return () => spies.filter(([, spy]) => spy.mock.calls.length > 0).map(([name]) => name);
  }

  function cell(fields: Record<string, unknown>): LinearCell {
    const check = resolveCell({ seed: 5, ...fields });
    if (!check.ok) throw new Error(JSON.stringify(check.problems));
    return check.cell as LinearCell;
  }

  it("computes a contiguous-DropBlock cell with a decaying spectrum identically with Math's functions poisoned", () => {
    // keep 0.58, block 13 of 26 units: the cell whose bytes differed on arm64 through Math.pow.
    const c = cell({
      experiment: "linear-factorisation",
      sizes: { m: 8, n: 6, hiddenUnits: 26 },
      target: { generator: "decaying", decay: 0.7 },
      mask: { family: "contiguous-dropblock", keepProbability: 0.58, blockSize: 13 },
      optimiser: { epochs: 20, learningRate: 0.05 },
      monteCarloSamples: 20,
    });
    const clean = canonicalJson(runLinear(c));
    const used = poisonMath();
    const poisoned = canonicalJson(runLinear(c));
    expect(used()).toEqual([]);
    expect(poisoned).toBe(clean);
  });

  it("keeps moments, schedules and report thinning off Math's functions", () => {
    const used = poisonMath();
    const moments = maskMoments({ family: "contiguous-dropblock", keepProbability: 0.58, blockSize: 13 }, 26);
    expect(moments.covariance.data.every(Number.isFinite)).toBe(true);
    // Units 13 apart have disjoint windows, so they are independent: covariance exactly 0 (pow(theta, 2) is theta * theta).
    expect(moments.covariance.data[13]).toBe(0);
    expect(learningRateAt({ kind: "step", factor: 0.5, everyEpochs: 2 }, 0.1, 9, 1, 10)).toBe(0.1 * 0.0625);
    expect(geometricSpans(10_000, 200).at(-1)).toEqual([expect.any(Number), 10_000]);
    expect(used()).toEqual([]);
  });
});
