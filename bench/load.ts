// Load measurements for the hardening issue (docs/BENCHMARKS.md "Hardening: load"):
//   npx tsx --expose-gc bench/load.ts [--plan 100000] [--run 10000] [--heavy 300] [--dir /tmp/x]
// plans a large noop sweep (fresh, then again), runs a large noop sweep through the local state
// machine, reduces its slices and aggregates it (with the report), and does the same for results
// with large curves while sampling the live heap after forced collections (bounded memory:
// results are streamed). Aggregation on S3 at 10^5 cells, invocation by invocation: bench/scale.ts.
// The functions are also what test/hardening/load.test.ts runs at a smaller scale.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runLocal, type RunLocalResult } from "../infra/local/index.js";
import { aggregate } from "../shared/pipeline/aggregate.js";
import type { PlanResult } from "../shared/pipeline/contract.js";
import { plan, submitSpec } from "../shared/pipeline/plan.js";
import { reduce } from "../shared/pipeline/reduce.js";
import { readSlices } from "../shared/pipeline/slices.js";
import { reportForAggregate } from "../shared/report/aggregate.js";
import { emptyMetrics } from "../shared/results/metrics.js";
import { RESULT_FORMAT, writeResult } from "../shared/results/result.js";
import { kernelVersion as engineKernelVersion } from "../shared/numerics/engine.js";
import { parseSpec } from "../shared/spec/spec.js";
import { FileStore } from "../shared/store/fs.js";
import type { Store } from "../shared/store/store.js";

export const kernelVersion = 1;

/** A noop sweep of `cells` cells (seeds 0..cells-1). */
export function noopSpec(name: string, cells: number, iterations = 0): string {
  return `name: ${name}\nexperiment: noop\nmaxCells: ${Math.max(cells, 1)}\nseeds: [${Array.from({ length: cells }, (_, i) => i).join(",")}]\ngrid: { work.iterations: [${iterations}] }\n`;
}

const ms = (start: number) => Math.round(performance.now() - start);

/** `version`: the kernel version to plan for (the one of the results already stored, to find them cached). */
export async function measurePlan(
  store: Store,
  cells: number,
  version = kernelVersion,
): Promise<{ planMs: number; replanMs: number; parseMs: number; result: PlanResult }> {
  const text = noopSpec("plan-load", cells);
  let start = performance.now();
  const sweep = parseSpec(text, { kernelVersion: version });
  const parseMs = ms(start);
  const { event } = await submitSpec(store, text, { kernelVersion: version, sweep });
  start = performance.now();
  const result = await plan(store, event, { kernelVersion: version });
  const planMs = ms(start);
  start = performance.now();
  await plan(store, event, { kernelVersion: version });
  return { planMs, replanMs: ms(start), parseMs, result };
}

export async function runNoopSweep(
  root: string,
  cells: number,
  options: { batchSize?: number; concurrency?: number } = {},
): Promise<{ ms: number; run: RunLocalResult; sweepId: string }> {
  const store = new FileStore(root);
  const { event, sweep } = await submitSpec(store, noopSpec(`run-load-${cells}`, cells), {});
  const start = performance.now();
  const run = await runLocal({ input: event, storeUrl: store.url, store, ...options, handlers: {}, settings: {} });
  return { ms: ms(start), run, sweepId: sweep.sweepId };
}

/** Live heap (MB) after a full collection, when the process runs with --expose-gc. */
function liveHeapMB(): number | undefined {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) return undefined;
  gc();
  return process.memoryUsage().heapUsed / 2 ** 20;
}

/**
 * The Reduce map's work (one Reduce per slice, in turn) and then Aggregate (with the report),
 * sampling the live heap every `every` result reads; the slowest slice is what one Reduce
 * invocation costs.
 */
export async function measureAggregate(
  store: Store,
  sweepId: string,
  every = 50,
): Promise<{
  ms: number;
  reduceMs: number;
  slowestSliceMs: number;
  aggregateMs: number;
  peakLiveHeapMB?: number;
  baseLiveHeapMB?: number;
  failed: number;
}> {
  const base = liveHeapMB();
  let peak = base;
  let reads = 0;
  const sampled: Store = {
    url: store.url,
    get: async (key) => {
      if (key.endsWith("/result.json") && ++reads % every === 0) {
        const live = liveHeapMB();
        if (live !== undefined) peak = Math.max(peak ?? 0, live);
      }
      return store.get(key);
    },
    getRange: (key, offset, length) => store.getRange(key, offset, length),
    put: (key, body, options) => store.put(key, body, options),
    exists: (key) => store.exists(key),
    list: (prefix) => store.list(prefix),
    delete: (key) => store.delete(key),
  };
  const start = performance.now();
  let slowestSliceMs = 0;
  for (const item of (await readSlices(sampled, sweepId)) ?? []) {
    const t = performance.now();
    await reduce(sampled, item);
    slowestSliceMs = Math.max(slowestSliceMs, ms(t));
  }
  const reduceMs = ms(start);
  const t = performance.now();
  const result = await aggregate(sampled, { sweepId }, { kernelVersion, report: reportForAggregate });
  const live = liveHeapMB();
  if (live !== undefined) peak = Math.max(peak ?? 0, live);
  return {
    ms: ms(start),
    reduceMs,
    slowestSliceMs,
    aggregateMs: ms(t),
    failed: result.cells.failed,
    ...(peak !== undefined ? { peakLiveHeapMB: peak, baseLiveHeapMB: base! } : {}),
  };
}

/**
 * A planned linear-factorisation sweep of `cells` cells whose results are synthetic but valid
 * (sealed), each with a curve of `points` numbers (~19 bytes each in JSON) and spectra.
 */
export async function heavyResults(store: Store, cells: number, points: number): Promise<string> {
  const text = [
    "name: heavy",
    "experiment: linear-factorisation",
    `maxCells: ${cells}`,
    "sizes: { m: 8, n: 6, hiddenUnits: 6 }",
    "target: { generator: decaying, decay: 0.6 }",
    "mask: { family: dropblock, keepProbability: 0.5, blockSize: 2 }",
    "optimiser: { learningRate: 0.02, epochs: 10, batchSize: 1 }",
    "monteCarloSamples: 20",
    `seeds: [${Array.from({ length: cells }, (_, i) => i).join(",")}]`,
  ].join("\n");
  const { event, sweep } = await submitSpec(store, text, { kernelVersion });
  await plan(store, event, { kernelVersion });
  for (const planned of sweep.cells) {
    const curve = Array.from({ length: points }, (_, i) => 1 / (i + 1) + planned.cell.seed * 1e-9);
    await writeResult(store, {
      format: RESULT_FORMAT,
      hash: planned.hash,
      kernelVersion,
      cell: planned.cell,
      status: "ok",
      metrics: {
        ...emptyMetrics(),
        objectiveGap: 1e-3,
        spectrumError: 1e-3,
        balanceRatio: 1.01,
        learnedRank: 3,
        closedFormRank: 3,
        representable: true,
      },
      spectra: { learned: [3, 2, 1, 0, 0, 0], closedForm: [3, 2, 1, 0, 0, 0], target: [4, 3, 2, 1, 0.5, 0.2] },
      curves: { objective: curve },
    });
  }
  return sweep.sweepId;
}

function flag(name: string, fallback: number): number {
  const at = process.argv.indexOf(`--${name}`);
  return at > 0 ? Number(process.argv[at + 1]) : fallback;
}

async function main(): Promise<void> {
  const dirFlag = process.argv.indexOf("--dir");
  const root = dirFlag > 0 ? process.argv[dirFlag + 1]! : mkdtempSync(join(tmpdir(), "dropsweep-load-"));
  const say = (line: string) => process.stdout.write(line + "\n");
  try {
    const planCells = flag("plan", 100_000);
    if (planCells > 0) {
      const p = await measurePlan(new FileStore(join(root, "plan")), planCells);
      say(
        `plan ${planCells} cells: parse ${p.parseMs} ms, plan ${p.planMs} ms (fresh), ${p.replanMs} ms (again); pending ${p.result.pending}`,
      );
    }
    const runCells = flag("run", 10_000);
    if (runCells > 0) {
      const dir = join(root, "run");
      const r = await runNoopSweep(dir, runCells);
      const sizes = [...r.run.payloadSizes].map(([state, s]) => `${state} in ${s.input} B / out ${s.output} B`).join(", ");
      say(`run ${runCells} noop cells: ${r.run.status} in ${r.ms} ms; ${JSON.stringify(r.run.output?.cells)}; largest payloads: ${sizes}`);
      const a = await measureAggregate(new FileStore(dir), r.sweepId, 500);
      say(
        `reduce (every slice, in turn; slowest ${a.slowestSliceMs} ms) + aggregate + report of ${runCells} results: ${a.reduceMs} + ${a.aggregateMs} ms; live heap ${a.baseLiveHeapMB?.toFixed(0) ?? "?"} -> peak ${a.peakLiveHeapMB?.toFixed(0) ?? "?"} MB (run with --expose-gc)`,
      );
      const store = new FileStore(dir);
      // runNoopSweep computed with the loaded kernels' version.
      const replan = await measurePlan(store, runCells, engineKernelVersion());
      say(`plan ${runCells} cells with every result stored (verified from bytes): ${replan.planMs} ms; cached ${replan.result.cached}`);
    }
    const heavy = flag("heavy", 300);
    if (heavy > 0) {
      const store = new FileStore(join(root, "heavy"));
      const points = flag("points", 50_000);
      const sweepId = await heavyResults(store, heavy, points);
      const a = await measureAggregate(store, sweepId, 10);
      say(
        `reduce + aggregate + report of ${heavy} results with ${points}-point curves (~${((heavy * points * 19) / 2 ** 20).toFixed(0)} MB of JSON): ${a.reduceMs} + ${a.aggregateMs} ms; live heap ${a.baseLiveHeapMB?.toFixed(0) ?? "?"} -> peak ${a.peakLiveHeapMB?.toFixed(0) ?? "?"} MB`,
      );
    }
  } finally {
    if (dirFlag < 0) rmSync(root, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
