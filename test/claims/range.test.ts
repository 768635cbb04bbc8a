// The ranges claims write in their notes ("gap 2.69e-4 to 5.97e-4"): one number when the low and
// high ends read the same, so a single cell or pair is not "0.0022 to 0.0022".
import { describe, expect, it } from "vitest";
import { range } from "../../shared/claims/verdict.js";

describe("range in a claim's note", () => {
  it("gives low to high, at three significant digits", () => {
    expect(range([5.97e-4, 2.69e-4, 4e-4])).toBe("2.69e-4 to 5.97e-4");
    expect(range([1.03, 1.2])).toBe("1.03 to 1.2");
  });

  it("gives one number when both ends read the same, and says none for no value", () => {
    expect(range([0.0022])).toBe("0.0022");
    expect(range([0.00142, 0.001421])).toBe("0.00142");
    expect(range([])).toBe("none");
  });
});
