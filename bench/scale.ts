// Aggregation at scale on an S3-compatible store (docs/BENCHMARKS.md "Aggregate at scale"):
//   npx tsx bench/scale.ts [--cells 10000,100000] [--before DIR] [--reduce-samples 3] [--linear 20000]
// For each size: a noop sweep through the local state machine (Plan, the Workers, the Reduce
// map, Aggregate) against s3rver running in its own process; then single invocations as Lambda
// runs them, each in a fresh Node process from the esbuild bundle Lambda gets (infra/bundling.ts):
// Reduce of a few slices, and Aggregate. With --before DIR (a checkout of the commit before the
// Reduce step, its node_modules and wasm/build in place), that tree's Aggregate, which reads
// every result, runs on the same store. Each invocation reports its wall time and the process's
// peak resident memory (what Lambda bills as "Max Memory Used"), to set against the functions'
// timeout and memory (infra/stack.ts). --linear N: Aggregate's memory for N linear cells.
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { runLocal } from "../infra/local/index.js";
import { bundleHandler, kernelFiles, runtimeEnvironment } from "../infra/bundling.js";
import { defaultHandlerEntries, projectRoot } from "../infra/stack.js";
import { defaultSweepMapSettings } from "../infra/sweepSettings.js";
import type { AggregateEvent, SliceItem } from "../shared/pipeline/contract.js";
import { submitSpec } from "../shared/pipeline/plan.js";
import { readSlices } from "../shared/pipeline/slices.js";
import { openStore } from "../shared/store/open.js";
import { reduce } from "../shared/pipeline/reduce.js";
import { heavyResults, noopSpec } from "./load.js";

const credentials = { AWS_ACCESS_KEY_ID: "S3RVER", AWS_SECRET_ACCESS_KEY: "S3RVER", AWS_REGION: "us-east-1" };

interface Invocation {
  ms: number;
  /** Peak resident set of the whole process (Node included), MB. */
  maxRssMB: number;
  /** Resident set after importing the handler, before the call, MB. */
  loadedRssMB: number;
}

/** s3rver in a child process (the measured code gets the other core), its endpoint once it listens. */
async function startServer(dir: string, bucket: string): Promise<{ endpoint: string; child: ChildProcess }> {
  const script = `
    import S3rver from "s3rver";
    const server = new S3rver({ address: "127.0.0.1", port: 0, silent: true, directory: ${JSON.stringify(dir)}, configureBuckets: [{ name: ${JSON.stringify(bucket)} }] });
    const { port } = await server.run();
    process.stdout.write(JSON.stringify({ port }) + "\\n");`;
  const child = spawn(process.execPath, ["--input-type=module", "-e", script], { cwd: projectRoot, stdio: ["ignore", "pipe", "inherit"] });
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout!.once("data", (data: Buffer) => resolve((JSON.parse(String(data)) as { port: number }).port));
    child.once("exit", (code) => reject(new Error(`s3rver exited (${code})`)));
  });
  return { endpoint: `http://127.0.0.1:${port}`, child };
}

// Runs in the child: the handler's import, then one call, timed by the child's own clock.
const probe = (moduleUrl: string, event: unknown) => `
const { handler } = await import(${JSON.stringify(moduleUrl)});
const loadedRssMB = process.memoryUsage().rss / 2 ** 20;
const t0 = performance.now();
await handler(${JSON.stringify(event)});
const ms = performance.now() - t0;
process.stdout.write(JSON.stringify({ ms, loadedRssMB, maxRssMB: process.resourceUsage().maxRSS / 1024 }));
`;

/** A bundle of `entry` from `root` (this tree or the --before one), as Lambda gets it. */
async function bundle(root: string, entry: string, dir: string): Promise<{ url: string; task: string }> {
  const task = mkdtempSync(join(dir, "task-"));
  const { outfile } = await bundleHandler(root, entry, task, kernelFiles);
  return { url: pathToFileURL(outfile).href, task };
}

function invoke(handler: { url: string; task: string }, event: unknown, env: Record<string, string>, dir: string): Invocation {
  const file = join(dir, `probe-${Math.random().toString(36).slice(2)}.mjs`);
  writeFileSync(file, probe(handler.url, event));
  // stderr piped (the SDK's notice about Node 20 on every start), shown when the call fails.
  const out = execFileSync(process.execPath, [file], {
    cwd: dir,
    encoding: "utf8",
    maxBuffer: 2 ** 26,
    stdio: ["ignore", "pipe", "pipe"],
    env: { PATH: process.env.PATH, ...env, ...runtimeEnvironment(kernelFiles, handler.task) },
  });
  return JSON.parse(out) as Invocation;
}

const mb = (x: number) => `${x.toFixed(0)} MB`;
const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

export async function measureScale(cells: number, options: { before?: string; reduceSamples?: number; say: (line: string) => void }) {
  const { say } = options;
  const dir = mkdtempSync(join(tmpdir(), `dropsweep-scale-${cells}-`));
  const bucket = "dropsweep-scale";
  const server = await startServer(join(dir, "s3rver"), bucket);
  try {
    const storeUrl = `s3://${bucket}/scale`;
    const env = {
      ...credentials,
      DROPSWEEP_STORE: storeUrl,
      DROPSWEEP_S3_ENDPOINT: server.endpoint,
      POWERTOOLS_LOG_LEVEL: "ERROR",
      POWERTOOLS_METRICS_DISABLED: "true",
    };
    Object.assign(process.env, credentials);
    const store = openStore(storeUrl, { endpoint: server.endpoint });
    const { event, sweep } = await submitSpec(store, noopSpec(`scale-${cells}`, cells));
    let last = 0;
    const t0 = performance.now();
    const run = await runLocal({
      input: event,
      storeUrl,
      endpoint: server.endpoint,
      store,
      concurrency: 2,
      progress: (p) => {
        if (performance.now() - last < 60_000 && p.phase !== "done") return;
        last = performance.now();
        say(`  ${cells}: ${p.phase} ${p.cellsDone}/${p.cellsPending} after ${s(performance.now() - t0)}`);
      },
    });
    if (run.status !== "SUCCEEDED") throw new Error(`the run failed: ${JSON.stringify(run.error)}`);
    say(
      `${cells} noop cells through the local state machine on s3rver (Plan, Workers, Reduce map, Aggregate): ${s(performance.now() - t0)}; ${JSON.stringify(run.output!.cells)}`,
    );

    const slices = (await readSlices(store, sweep.sweepId))!;
    const samples = options.reduceSamples ?? 3;
    const picked = [
      ...new Set(
        Array.from({ length: Math.min(samples, slices.length) }, (_, i) =>
          Math.floor((i * (slices.length - 1)) / Math.max(1, samples - 1)),
        ),
      ),
    ].map((i) => slices[i]!);
    const reduce = await bundle(projectRoot, defaultHandlerEntries.reduce, dir);
    for (const item of picked) {
      const r = invoke(reduce, item satisfies SliceItem, env, dir);
      say(`  Reduce of slice ${item.slice} (${item.cells} results): ${s(r.ms)}, max RSS ${mb(r.maxRssMB)} (${mb(r.loadedRssMB)} loaded)`);
    }
    const aggregateEvent: AggregateEvent = { ...run.plan!, sweepId: sweep.sweepId };
    const aggregate = await bundle(projectRoot, defaultHandlerEntries.aggregate, dir);
    const after = invoke(aggregate, aggregateEvent, env, dir);
    say(`  Aggregate (after: ${slices.length} partials): ${s(after.ms)}, max RSS ${mb(after.maxRssMB)} (${mb(after.loadedRssMB)} loaded)`);
    if (options.before) {
      const old = await bundle(options.before, "functions/aggregate.ts", dir);
      const before = invoke(old, aggregateEvent, env, dir);
      say(`  Aggregate (before: every result): ${s(before.ms)}, max RSS ${mb(before.maxRssMB)} (${mb(before.loadedRssMB)} loaded)`);
    }
    say(
      `  limits: Reduce and Aggregate time out at ${defaultSweepMapSettings.stepTimeoutSeconds} s; memory Reduce 1024 MB, Aggregate 2048 MB (infra/stack.ts)`,
    );
  } finally {
    server.child.kill();
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Aggregate's memory per linear cell (their evidence carries the cell, metrics and spectra):
 * `cells` synthetic linear-factorisation results (bench/load.ts heavyResults, 100-point curves)
 * on a directory store, reduced in-process, then one Aggregate invocation from its bundle.
 */
export async function measureLinear(cells: number, say: (line: string) => void) {
  const dir = mkdtempSync(join(tmpdir(), `dropsweep-scale-linear-`));
  try {
    const store = openStore(join(dir, "store"));
    const sweepId = await heavyResults(store, cells, 100);
    const slices = (await readSlices(store, sweepId))!;
    for (const item of slices) await reduce(store, item);
    const aggregate = await bundle(projectRoot, defaultHandlerEntries.aggregate, dir);
    const env = { DROPSWEEP_STORE: store.url, POWERTOOLS_LOG_LEVEL: "ERROR", POWERTOOLS_METRICS_DISABLED: "true" };
    const r = invoke(aggregate, { sweepId }, env, dir);
    say(
      `${cells} linear cells (synthetic results): Aggregate of ${slices.length} partials ${s(r.ms)}, max RSS ${mb(r.maxRssMB)} (${mb(r.loadedRssMB)} loaded)`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function flag(name: string): string | undefined {
  const at = process.argv.indexOf(`--${name}`);
  return at > 0 ? process.argv[at + 1] : undefined;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const say = (line: string) => process.stdout.write(line + "\n");
  const linear = flag("linear");
  if (linear) for (const cells of linear.split(",").map(Number)) await measureLinear(cells, say);
  const sizes = (flag("cells") ?? (linear ? "" : "10000,100000")).split(",").filter(Boolean).map(Number);
  for (const cells of sizes) {
    const before = flag("before");
    await measureScale(cells, { ...(before ? { before } : {}), reduceSamples: Number(flag("reduce-samples") ?? 3), say });
  }
}
