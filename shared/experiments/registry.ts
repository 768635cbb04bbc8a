// Experiment kinds by name. A kind the spec schema accepts but this build cannot run yet makes
// its cells fail with a clear message (the worker reports them), rather than crash a batch.
import type { Cell } from "../spec/cell.js";
import type { Experiment } from "./experiment.js";
import { deep } from "./deep.js";
import { linearFactorisation, linearRegression } from "./linear.js";
import { noop } from "./noop.js";

const experiments: Partial<Record<Cell["experiment"], Experiment>> = {
  "linear-factorisation": linearFactorisation as Experiment,
  "linear-regression": linearRegression as Experiment,
  deep: deep as Experiment,
  noop: noop as Experiment,
};

export function experimentFor(kind: Cell["experiment"]): Experiment {
  const experiment = experiments[kind];
  if (!experiment) throw new Error(`experiment "${kind}" is not available in this build yet`);
  return experiment;
}
