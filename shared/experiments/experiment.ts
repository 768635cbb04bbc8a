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
