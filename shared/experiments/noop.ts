// The noop experiment: measures nothing, so a sweep of noop cells times the pipeline itself
// (plan, fan-out, store, aggregate) without the numerics. `work.iterations` of an integer
// xorshift loop stand in for compute; `work.fail` fails the cell on purpose.
import type { NoopCell } from "../spec/cell.js";
import { emptyMetrics } from "../results/metrics.js";
import type { Experiment } from "./experiment.js";

export const noop: Experiment<NoopCell> = {
  kind: "noop",
  run(cell) {
    if (cell.work.fail) throw new Error("noop cell failed on purpose (work.fail = true)");
    let x = cell.seed >>> 0 || 1;
    for (let i = 0; i < cell.work.iterations; i++) {
      x ^= x << 13;
      x >>>= 0;
      x ^= x >>> 17;
      x ^= x << 5;
      x >>>= 0;
    }
    return { metrics: { ...emptyMetrics(), checksum: x } };
  },
};
