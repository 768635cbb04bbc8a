// What an experiment kind provides: from one resolved cell, its measurements. Workers look the
// kind up in the registry (shared/experiments/registry.ts); claims (shared/pipeline/claims.ts)
// read the metrics by name. Must be deterministic: same cell -> same outcome, bit for bit.
import type { Cell } from "../spec/cell.js";
import type { CellMetrics, CellResult } from "../results/result.js";

export interface Outcome {
  status?: CellResult["status"];
  metrics: CellMetrics;
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
 * whole curves back (shared/pipeline/claims.ts). `curve[i]` is the value after epoch i + 1.
 */
export function objectiveCheckpoints(curve: readonly number[]): { epoch: number[]; value: number[] } {
  const epoch: number[] = [];
  for (let e = 1; e <= curve.length; e *= 2) epoch.push(e);
  if (curve.length > 0 && epoch[epoch.length - 1] !== curve.length) epoch.push(curve.length);
  return { epoch, value: epoch.map((e) => curve[e - 1]!) };
}
