// What an experiment kind provides: from one resolved cell, its measurements. Workers look the
// kind up in the registry (shared/experiments/registry.ts) and check the metrics against the
// kind's schema (shared/results/metrics.ts) before writing them; the claims (shared/claims)
// read them by those types. Must be deterministic: same cell -> same outcome, bit for bit.
import type { Cell } from "../spec/cell.js";
import type { CellMetrics } from "../results/metrics.js";
import type { CellResult } from "../results/result.js";

export interface Outcome<M extends CellMetrics = CellMetrics> {
  status?: CellResult["status"];
  metrics: M;
  spectra?: CellResult["spectra"];
  curves?: CellResult["curves"];
}

export interface Experiment<C extends Cell = Cell> {
  kind: C["experiment"];
  /** Throw to fail the cell (the worker reports it and carries on with the batch). */
  run(cell: C): Outcome | Promise<Outcome>;
}

/**
 * The deterministic objective at epochs 1, 2, 4, 8, ... and the last one: a training curve in
 * a few numbers, kept in the metrics so claim 7 compares twin cells' curves without reading
 * whole curves back (shared/claims/partitionedVsContiguous.ts). `curve[i]` is the value after epoch i + 1.
 */
export function objectiveCheckpoints(curve: readonly number[]): { epoch: number[]; value: number[] } {
  const epoch: number[] = [];
  for (let e = 1; e <= curve.length; e *= 2) epoch.push(e);
  if (curve.length > 0 && epoch[epoch.length - 1] !== curve.length) epoch.push(curve.length);
  return { epoch, value: epoch.map((e) => curve[e - 1]!) };
}

/**
 * Epochs 2^j * (1 + q / perOctave) for q = 0..perOctave-1 (rounded down), and the last one: a
 * few per doubling of the epoch count, evenly spaced in log(epoch), with all of the first
 * epochs (where things move). Per-epoch measurements that cost more than a number (block norms
 * for claim 4) are recorded at these, so a result stays small however long its cell trains
 * (20,000 epochs: 53 of them). Integer arithmetic only: the same epochs on every machine.
 */
export function logSpacedEpochs(epochs: number, perOctave = 4): number[] {
  const out = new Set<number>();
  for (let base = 1; base <= epochs; base *= 2)
    for (let q = 0; q < perOctave; q++) {
      const epoch = Math.floor((base * (perOctave + q)) / perOctave);
      if (epoch <= epochs) out.add(epoch);
    }
  if (epochs >= 1) out.add(epochs);
  return [...out].sort((a, b) => a - b);
}

/**
 * Per-epoch block norms as result curves: `blockNorm.epoch` (the epochs recorded, 1-based) and
 * `blockNorm.1` .. `blockNorm.b` (block g's product norm at each: ||U_g V_g^T X||_F, or
 * ||U_g Phi_g||_F for deep cells), the names the report reads (shared/report/cells.ts). These
 * curves share their own epoch axis, `blockNorm.epoch`, not `epoch`.
 */
export function blockNormCurves(points: readonly { epoch: number; norms: readonly number[] }[]): Record<string, number[]> {
  if (points.length === 0) return {};
  const curves: Record<string, number[]> = { "blockNorm.epoch": points.map((p) => p.epoch) };
  points[0]!.norms.forEach((_, g) => (curves[`blockNorm.${g + 1}`] = points.map((p) => p.norms[g]!)));
  return curves;
}
