import { describe, expect, it } from "vitest";
import { geometricSpans, thinBlockNorms, thinCurve } from "../../shared/report/thin.js";

describe("geometricSpans", () => {
  it("covers every epoch exactly once, in order, within the budget", () => {
    for (const [n, max] of [
      [8000, 200],
      [201, 200],
      [1000, 10],
      [5, 200],
    ] as const) {
      const spans = geometricSpans(n, max);
      expect(spans.length).toBeLessThanOrEqual(max);
      expect(spans[0]![0]).toBe(0);
      expect(spans.at(-1)![1]).toBe(n);
      for (let i = 1; i < spans.length; i++) expect(spans[i]![0]).toBe(spans[i - 1]![1]);
      for (const [a, b] of spans) expect(b).toBeGreaterThan(a);
    }
  });
  it("keeps single epochs at the start and long spans at the end", () => {
    const spans = geometricSpans(8000, 200);
    expect(spans.slice(0, 20).every(([a, b]) => b - a === 1)).toBe(true);
    const last = spans.at(-1)!;
    expect(last[1] - last[0]).toBeGreaterThan(100);
  });
});

describe("thinCurve", () => {
  it("averages the stochastic loss over a span and keeps the objective of its last epoch", () => {
    const curve = Array.from({ length: 1000 }, (_, i) => ({
      epoch: i + 1,
      stochasticLoss: i % 2 === 0 ? 1 : 3,
      deterministicObjective: 1000 - i,
    }));
    const { curve: thin, thinned } = thinCurve(curve, 50);
    expect(thinned).toBe(true);
    expect(thin.length).toBeLessThanOrEqual(50);
    const spans = geometricSpans(1000, 50);
    thin.forEach((point, j) => {
      const [a, b] = spans[j]!;
      // Brute force: the mean of the span's losses, the last epoch's objective.
      const losses = curve.slice(a, b).map((p) => p.stochasticLoss);
      expect(point.stochasticLoss).toBeCloseTo(losses.reduce((x, y) => x + y, 0) / losses.length, 12);
      expect(point.epoch).toBe(b);
      expect(point.deterministicObjective).toBe(1000 - (b - 1));
    });
  });
  it("leaves short curves alone", () => {
    const curve = [{ epoch: 1, stochasticLoss: 2 }];
    expect(thinCurve(curve, 10)).toEqual({ curve, thinned: false });
  });
});

describe("thinBlockNorms", () => {
  it("keeps the norms of each span's last recorded epoch, whatever epochs were recorded", () => {
    // Recorded every third epoch (not 1..n): the points are thinned by position, epochs kept.
    const points = Array.from({ length: 900 }, (_, i) => ({ epoch: 3 * (i + 1), blockNorms: [i, 2 * i] }));
    const { points: thin, thinned } = thinBlockNorms(points, 40);
    expect(thinned).toBe(true);
    const spans = geometricSpans(900, 40);
    expect(thin).toHaveLength(spans.length);
    thin.forEach((point, j) => {
      const last = spans[j]![1] - 1;
      expect(point).toEqual({ epoch: 3 * (last + 1), blockNorms: [last, 2 * last] });
    });
    expect(thin.at(-1)!.epoch).toBe(2700);
    expect(thinBlockNorms(points.slice(0, 10), 40)).toEqual({ points: points.slice(0, 10), thinned: false });
  });
});
