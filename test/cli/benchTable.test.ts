// The bench table's speed-up column: > 1 means ours is faster whatever the unit's direction.
import { describe, expect, it } from "vitest";
import { formatTable, speedUp } from "../../bench/table.js";
import type { BenchRow } from "../../bench/types.js";

const row = (ours: number, peerValue: number | null, unit: string, dtype: BenchRow["dtype"] = "f64"): BenchRow => ({
  kernel: "k",
  size: "s",
  dtype,
  ours,
  peer: "p",
  peerValue,
  unit,
});

describe("bench table", () => {
  it("orients the speed-up so that > 1 means ours is faster", () => {
    expect(speedUp(row(30, 10, "GFLOP/s (higher is better)"))).toBe(3); // three times the throughput
    expect(speedUp(row(2, 8, "ms (lower is better)"))).toBe(4); // a quarter of the time
    expect(speedUp(row(8, 2, "ms (lower is better)"))).toBe(0.25);
    expect(speedUp(row(1, null, "ms (lower is better)"))).toBeNull();
  });

  it("labels the column and shows '-' for rows without a precision or a peer", () => {
    const text = formatTable([row(2, 8, "ms (lower is better)", null), row(30, null, "steps/s (higher is better)")]);
    const [header, , first, second] = text.split("\n");
    expect(header).toMatch(/speed-up \(> 1: ours faster\)/);
    expect(first!.split("|").map((c) => c.trim())).toEqual(["", "k", "s", "-", "2.00", "p", "8.00", "4.00x", "ms (lower is better)", ""]);
    expect(second!.split("|").map((c) => c.trim())[7]).toBe("-");
  });
});
