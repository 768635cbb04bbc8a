// One Worker batch measured on this machine: the real handler (functions/worker.ts) over cells
// of a spec, in a directory store in a temporary directory, in a fresh process. The numbers
// choose the Worker's memory and timeout (infra/stackConfig.ts) and the cost estimate in
// docs/CLOUD.md. Plan runs first (not timed) to write the cells; then one batch is timed
// cold (first call: imports done, kernels instantiated on first use) and again warm (fresh
// store, same process), with the peak resident set size. Usage:
//   npx tsx bench/workerBatch.ts [--spec FILE] [--cells N] [--json]
// Without --spec a representative cell of the reproduction is used (THEORY.md's 20 x 15
// targets, DropBlock, the optimiser's defaults: 500 full-batch epochs, 1000 Monte Carlo samples).
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { parseArgs } from "node:util";

export const representativeSpec = [
  "name: worker-measurement",
  "experiment: linear-factorisation",
  "sizes: { m: 20, n: 15, hiddenUnits: 12 }",
  "target: { generator: decaying, decay: 0.7 }",
  "mask: { family: dropblock, keepProbability: 0.5, blockSize: 3 }",
  "seeds: [0, 1, 2, 3, 4, 5, 6, 7]",
  "",
].join("\n");

export interface WorkerMeasurement {
  cells: number;
  coldBatchMs: number;
  warmBatchMs: number;
  warmMsPerCell: number;
  peakRssMb: number;
  failed: number;
}

export async function measureWorkerBatch(specText: string, cellLimit: number): Promise<WorkerMeasurement> {
  process.env.POWERTOOLS_LOG_LEVEL ??= "ERROR";
  process.env.POWERTOOLS_METRICS_DISABLED ??= "true";
  const { submitSpec, plan, readManifest } = await import("../shared/pipeline/plan.js");
  const { directoryUrl, openStore } = await import("../shared/store/open.js");
  const { handler } = await import("../functions/worker.js");

  const once = async () => {
    const dir = mkdtempSync(join(tmpdir(), "dropsweep-measure-worker-"));
    try {
      const url = directoryUrl(dir);
      process.env.DROPSWEEP_STORE = url;
      const store = openStore(url);
      const { event } = await submitSpec(store, specText);
      const planned = await plan(store, event);
      const items = (await readManifest(store, planned.sweepId)).slice(0, cellLimit);
      const t0 = performance.now();
      const result = await handler({ Items: items, BatchInput: { sweepId: planned.sweepId } });
      return { ms: performance.now() - t0, cells: items.length, failed: result.failed.length };
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
  const cold = await once();
  const warm = await once();
  return {
    cells: warm.cells,
    coldBatchMs: cold.ms,
    warmBatchMs: warm.ms,
    warmMsPerCell: warm.ms / Math.max(1, warm.cells),
    // maxRSS is in KiB on Linux.
    peakRssMb: process.resourceUsage().maxRSS / 1024,
    failed: cold.failed + warm.failed,
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({
    options: { spec: { type: "string" }, cells: { type: "string", default: "8" }, json: { type: "boolean", default: false } },
  });
  const text = values.spec ? readFileSync(values.spec, "utf8") : representativeSpec;
  const m = await measureWorkerBatch(text, Number(values.cells));
  if (values.json) process.stdout.write(JSON.stringify(m) + "\n");
  else
    process.stdout.write(
      `${m.cells} cells: cold batch ${m.coldBatchMs.toFixed(0)} ms, warm batch ${m.warmBatchMs.toFixed(0)} ms ` +
        `(${m.warmMsPerCell.toFixed(1)} ms/cell), peak RSS ${m.peakRssMb.toFixed(0)} MB, failed ${m.failed}\n`,
    );
}
