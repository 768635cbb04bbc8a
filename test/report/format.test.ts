import { describe, expect, it } from "vitest";
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
