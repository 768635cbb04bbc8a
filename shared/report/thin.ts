// Long training curves thinned for drawing: a sweep trains for thousands of epochs, and one
// SVG path point per epoch and facet makes a report of megabytes that shows noise. Epochs are
// cut into spans that grow geometrically (one epoch each at the start, where the curve moves,
// long spans at the end), drawn on a log epoch axis: the stochastic loss is averaged over a
// span (an honest estimate of E_z L_z there), the objective and block norms are taken at the
// span's last epoch (values the weights actually had).
import type { BlockNormPoint, CurvePoint } from "./cells.js";
import { pow } from "../numerics/libm.js";

export const maxCurvePoints = 200;

/** [start, end) index spans covering 0..n, at most `maxPoints` of them, geometric in length. */
export function geometricSpans(n: number, maxPoints: number): [number, number][] {
  if (n <= maxPoints) return Array.from({ length: n }, (_, i): [number, number] => [i, i + 1]);
  const spans: [number, number][] = [];
  let start = 0;
  for (let j = 1; j <= maxPoints && start < n; j++) {
    // Span j ends near epoch n^(j/maxPoints), holds at least one epoch, and the last ends at n.
    const end = j === maxPoints ? n : Math.min(n, Math.max(start + 1, Math.round(pow(n, j / maxPoints))));
    spans.push([start, end]);
    start = end;
  }
  return spans;
}

export function thinCurve(curve: readonly CurvePoint[], maxPoints = maxCurvePoints): { curve: CurvePoint[]; thinned: boolean } {
  if (curve.length <= maxPoints) return { curve: [...curve], thinned: false };
  const thinned = geometricSpans(curve.length, maxPoints).map(([start, end]): CurvePoint => {
    const last = curve[end - 1]!;
    const point: CurvePoint = { epoch: last.epoch };
    let sum = 0;
    let count = 0;
    for (let i = start; i < end; i++) {
      const loss = curve[i]!.stochasticLoss;
      if (loss !== undefined && Number.isFinite(loss)) {
        sum += loss;
        count++;
      }
    }
    if (count > 0) point.stochasticLoss = sum / count;
    if (last.deterministicObjective !== undefined) point.deterministicObjective = last.deterministicObjective;
    return point;
  });
  return { curve: thinned, thinned: true };
}

/** Block norms (recorded at their own epochs) thinned the same way: the last point of each span. */
export function thinBlockNorms(
  points: readonly BlockNormPoint[],
  maxPoints = maxCurvePoints,
): { points: BlockNormPoint[]; thinned: boolean } {
  if (points.length <= maxPoints) return { points: [...points], thinned: false };
  return { points: geometricSpans(points.length, maxPoints).map(([, end]) => points[end - 1]!), thinned: true };
}
