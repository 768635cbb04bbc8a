import { describe, expect, it } from "vitest";
import { svd, singularValues } from "../../shared/numerics/svd.js";
import { fromRows, zeros } from "../../shared/numerics/matrix.js";

describe("svd (foundation smoke)", () => {
  it("recovers a diagonal spectrum", () => {
    const a = fromRows([[3, 0], [0, 4], [0, 0]]);
    const values = singularValues(a);
    expect(Array.from(values)).toEqual([4, 3]);
  });
  it("reconstructs a wide matrix", () => {
    const a = fromRows([[1, 2, 3], [4, 5, 6]]);
    const { values, U, V } = svd(a);
    for (let i = 0; i < 2; i++)
      for (let j = 0; j < 3; j++) {
        let s = 0;
        for (let k = 0; k < 2; k++) s += U!.data[i * 2 + k]! * values[k]! * V!.data[j * 2 + k]!;
        expect(s).toBeCloseTo(a.data[i * 3 + j]!, 12);
      }
  });
  it("handles the empty matrix", () => {
    expect(singularValues(zeros(0, 3)).length).toBe(0);
  });
});
