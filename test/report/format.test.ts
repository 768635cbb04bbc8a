import { describe, expect, it } from "vitest";
import { familywiseExceedance } from "../../shared/report/claims.js";
import { escapeHtml, formatPercent, formatQuantity } from "../../shared/report/format.js";

describe("formatQuantity", () => {
  it("prints integers, four significant digits, and short exponents", () => {
    expect(formatQuantity(16)).toBe("16");
    expect(formatQuantity(0.019923729)).toBe("0.01992");
    expect(formatQuantity(1e-9)).toBe("1e-9");
    expect(formatQuantity(5.124106e-16)).toBe("5.12e-16");
    expect(formatQuantity(3.1e7)).toBe("3.1e+7");
    expect(formatQuantity(null)).toBe("—");
    expect(formatQuantity(Number.POSITIVE_INFINITY)).toBe("∞");
    expect(formatQuantity(true)).toBe("yes");
  });
  it("escapes HTML", () => {
    expect(escapeHtml(`<a href="x">&'`)).toBe("&lt;a href=&quot;x&quot;&gt;&amp;&#39;");
  });
  it("prints percentages with two significant digits", () => {
    expect(formatPercent(0.0026998)).toBe("0.27%");
    expect(formatPercent(0.04234)).toBe("4.2%");
  });
});

describe("familywiseExceedance", () => {
  it("matches a Monte Carlo estimate of P(max |Z_i| > z) over n standard normals", () => {
    // Independent check: Box-Muller normals from a fixed LCG, counted.
    let state = 12345;
    const uniform = () => ((state = (Math.imul(state, 1103515245) + 12345) >>> 0) + 0.5) / 2 ** 32;
    const normal = () => Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform());
    const trials = 40000;
    for (const [n, z] of [[1, 2], [16, 3], [5, 2.5]] as const) {
      let hits = 0;
      for (let t = 0; t < trials; t++) {
        let exceeded = false;
        for (let i = 0; i < n; i++) if (Math.abs(normal()) > z) exceeded = true;
        if (exceeded) hits++;
      }
      const p = familywiseExceedance(n, z);
      const se = Math.sqrt((p * (1 - p)) / trials);
      expect(Math.abs(hits / trials - p), `n=${n} z=${z}`).toBeLessThan(4 * se);
    }
  });
});
