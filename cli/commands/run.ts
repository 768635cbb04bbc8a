// `dropsweep run SPEC`: validate the spec (every problem listed, exit 2, nothing written), store
// it, and execute the synthesized state machine locally (infra/local): Plan -> Workers in a
// thread pool -> Aggregate, ending with the claims' verdict in one line. Resumable: cells whose
// results are stored are not computed again, and Ctrl-C says so.
import { availableParallelism } from "node:os";
import { UsageError } from "../../shared/errors.js";
import { kernelVersion } from "../../shared/numerics/engine.js";
import { forEachLimit } from "../../shared/pipeline/concurrency.js";
import { MAX_ITEMS_PER_BATCH } from "../../shared/pipeline/contract.js";
import { keys } from "../../shared/store/layout.js";
import { submitSpec } from "../../shared/pipeline/plan.js";
import { verdictLine } from "../../shared/pipeline/verdict.js";
import { parseSpec } from "../../shared/spec/spec.js";
import { openStore } from "../../shared/store/open.js";
import type { Store } from "../../shared/store/store.js";
import { counted } from "../../shared/text.js";
import { defineCommand, flag, helpText, parseCommandArgs } from "../args.js";
import { exitCodes } from "../exitCodes.js";
import { displayLocation } from "../location.js";
import { onInterrupt } from "../interrupt.js";
import { readSpecFile } from "../specFile.js";
import { strictExit } from "../verdict.js";

/** Worker Task timeout when faults are injected and none is given: a hang costs this long. */
const faultWorkerTimeoutSeconds = 15;

function command() {
  return defineCommand({
    path: "run",
    usage: `SPEC [--out DIR | --store URL] [--endpoint URL] [--concurrency N] [--batch-size N]
                     [--worker-timeout SECONDS] [--inject-faults RATE [--fault-seed S]] [--strict]`,
    description: `Runs the sweep SPEC (YAML) on this machine through the same state machine as the cloud. Cells already computed (by this or any sweep in the store) are reused; a rerun computes only what is missing. Ends with the claims' verdict, e.g. "claims: 4 pass, 3 skipped".`,
    after: `Exit codes: 0 done; 1 some cells failed or the run failed; 2 bad input (nothing written);
4 with --strict, a claim failed or is inconclusive (any status but pass or skipped); 130 interrupted (Ctrl-C
or SIGTERM): what was computed is kept, run the same command to resume.
(Compare with a baseline afterwards: dropsweep report SWEEP --baseline LOC.)`,
    options: [
      flag("--out <DIR>", "store results in this directory (default: runs)"),
      flag("--store <URL>", "a store URL instead: file:///abs/dir or s3://bucket/prefix"),
      flag("--endpoint <URL>", "S3-compatible endpoint for an s3:// store"),
      flag("--concurrency <N>", `worker threads (default: the number of cores, ${availableParallelism()} here)`),
      flag("--batch-size <N>", `cells per Worker invocation (default: the stack's, 8; at most ${MAX_ITEMS_PER_BATCH})`),
      flag(
        "--worker-timeout <SECONDS>",
        `the Worker Task's timeout, 1 to 900 (default: the stack's, or ${faultWorkerTimeoutSeconds} with --inject-faults); a timed-out batch is retried`,
      ),
      flag(
        "--inject-faults <RATE>",
        "test the run's fault tolerance: at rate RATE (0 to 1, or a percentage such as 20%) Worker invocations crash or hang and their store writes fail; retries absorb them and the results are the same as without faults",
      ),
      flag("--fault-seed <S>", "which faults (default 1): the same seed injects the same faults"),
      flag("--strict", "exit 4 when a claim fails or is inconclusive (any status but pass or skipped), for scripts and scheduled jobs"),
    ],
  });
}

interface Flags {
  out?: string;
  store?: string;
  endpoint?: string;
  concurrency?: string;
  batchSize?: string;
  workerTimeout?: string;
  injectFaults?: string;
  faultSeed?: string;
  strict?: boolean;
}

interface RunArgs {
  specPath: string;
  storeUrl: string;
  endpoint?: string;
  concurrency: number;
  batchSize?: number;
  workerTimeoutSeconds?: number;
  faults?: { rate: number; seed: string };
  strict: boolean;
}

function integerFlag(name: string, value: string | undefined, low: number, high: number): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!/^\s*\d+\s*$/.test(value) || !Number.isInteger(n) || n < low || n > high)
    throw new UsageError(`run: --${name}: expected an integer from ${low} to ${high}, got "${value}"`);
  return n;
}

function faultRate(value: string): number {
  const percent = /^\s*(\d+(?:\.\d+)?)\s*%\s*$/.exec(value);
  const rate = percent ? Number(percent[1]) / 100 : /^\s*(\d+(?:\.\d+)?|\.\d+)\s*$/.test(value) ? Number(value) : NaN;
  if (!(rate >= 0 && rate <= 1))
    throw new UsageError(`run: --inject-faults: expected a rate from 0 to 1 or a percentage such as 20%, got "${value}"`);
  return rate;
}

function parse(argv: string[]): RunArgs | "help" {
  const { help, values, positionals } = parseCommandArgs<Flags>("run", command(), argv);
  if (help) return "help";
  if (positionals.length !== 1)
    throw new UsageError(
      `run: expected one SPEC file, got ${positionals.length}${positionals.length ? `: ${positionals.join(" ")}` : ""} (see \`dropsweep run --help\`)`,
    );
  if (values.out !== undefined && values.store !== undefined) throw new UsageError("run: give --out DIR or --store URL, not both");
  if (values.endpoint !== undefined && !values.store?.startsWith("s3://"))
    throw new UsageError("run: --endpoint applies only to an s3:// --store");
  const concurrency = integerFlag("concurrency", values.concurrency, 1, 256) ?? availableParallelism();
  const batchSize = integerFlag("batch-size", values.batchSize, 1, MAX_ITEMS_PER_BATCH);
  if (values.faultSeed !== undefined && values.injectFaults === undefined)
    throw new UsageError("run: --fault-seed applies only with --inject-faults");
  const faults = values.injectFaults !== undefined ? { rate: faultRate(values.injectFaults), seed: values.faultSeed ?? "1" } : undefined;
  const workerTimeoutSeconds =
    integerFlag("worker-timeout", values.workerTimeout, 1, 900) ?? (faults ? faultWorkerTimeoutSeconds : undefined);
  return {
    specPath: positionals[0]!,
    storeUrl: values.store ?? values.out ?? "runs",
    ...(values.endpoint ? { endpoint: values.endpoint } : {}),
    concurrency,
    ...(batchSize !== undefined ? { batchSize } : {}),
    ...(workerTimeoutSeconds !== undefined ? { workerTimeoutSeconds } : {}),
    ...(faults ? { faults } : {}),
    strict: values.strict === true,
  };
}

/**
 * What --inject-faults did, e.g. "injected faults: 2 throw-before, 1 hang-after in 14 Worker
 * invocations; 3 store writes failed". A run that is one batch (the smoke sweep at the default
 * batch of 8) draws its faults from that batch's invocations alone, however often it is retried
 * (each retry draws again): say how to spread them. Batches, not invocations: a crashed single
 * batch is two invocations, and that is when the hint matters.
 */
export function faultsLine(f: { invocations: number; batches: number; byKind: Record<string, number>; storeFailures: number }): string {
  const kinds = Object.entries(f.byKind)
    .filter(([, n]) => n > 0)
    .map(([k, n]) => `${n} ${k}`)
    .join(", ");
  const line = `injected faults: ${kinds || "no crash or hang"} in ${counted(f.invocations, "Worker invocation")}; ${counted(f.storeFailures, "store write")} failed\n`;
  return f.batches === 1
    ? `${line}  (the whole run was one batch of cells: --batch-size 1 gives each cell its own Worker invocation, spreading the faults over more of them)\n`
    : line;
}

/** How many of `hashes` have a result in the store (what an interrupted run keeps). */
export async function storedResults(store: Store, hashes: readonly string[]): Promise<number> {
  let stored = 0;
  await forEachLimit(hashes, 32, async (hash) => {
    if (await store.exists(keys.result(hash))) stored++;
  });
  return stored;
}

export async function run(argv: string[]): Promise<number> {
  const args = parse(argv);
  if (args === "help") {
    process.stdout.write(helpText(command()));
    return exitCodes.ok;
  }
  const text = await readSpecFile("run", args.specPath);
  // Everything is checked before anything is written.
  const version = kernelVersion();
  const sweep = parseSpec(text, { kernelVersion: version, source: args.specPath });
  const store = openStore(args.storeUrl, args.endpoint ? { endpoint: args.endpoint } : {});
  const out = process.stdout;
  out.write(`sweep ${sweep.resolved.name} ${sweep.sweepId.slice(0, 12)}: ${counted(sweep.cells.length, "cell")}, store ${store.url}\n`);

  // From here on something is written: Ctrl-C (or SIGTERM) stops the run cleanly and says
  // what is kept. A second one exits at once.
  const interruption = new AbortController();
  const stopListening = onInterrupt(() => interruption.abort());
  try {
    const { event } = await submitSpec(store, text, { source: args.specPath, kernelVersion: version, sweep });
    if (args.faults)
      out.write(`injecting faults at rate ${args.faults.rate} (seed ${args.faults.seed}); Worker timeout ${args.workerTimeoutSeconds} s\n`);
    // The handlers run in worker threads that inherit this environment: keep Powertools' JSON
    // lines (meant for CloudWatch) off the terminal unless asked for.
    process.env.POWERTOOLS_LOG_LEVEL ??= "ERROR";
    process.env.POWERTOOLS_METRICS_DISABLED ??= "true";
    const { runLocal, terminalProgress } = await import("../../infra/local/index.js");
    const result = await runLocal({
      input: event,
      storeUrl: store.url,
      store,
      ...(args.endpoint ? { endpoint: args.endpoint } : {}),
      concurrency: args.concurrency,
      ...(args.batchSize !== undefined ? { batchSize: args.batchSize } : {}),
      ...(args.workerTimeoutSeconds !== undefined ? { settings: { workerTimeoutSeconds: args.workerTimeoutSeconds } } : {}),
      ...(args.faults ? { faults: args.faults } : {}),
      // The run prints its own result line (from Aggregate's counts, which the map does not know).
      progress: terminalProgress(process.stderr, { doneLine: false }),
      signal: interruption.signal,
    });
    if (result.status === "ABORTED") {
      // runLocal has stopped every worker thread: nothing is written after this count.
      const kept = await storedResults(
        store,
        sweep.cells.map((c) => c.hash),
      );
      process.stderr.write(`interrupted: ${counted(kept, "cell")} kept in ${displayLocation(store, "")}; run the same command to resume\n`);
      return exitCodes.interrupted;
    }
    if (result.faults) out.write(faultsLine(result.faults));

    const plan = result.plan;
    const output = result.output;
    const cells = output?.cells;
    if (plan && plan.pending === 0)
      out.write(`${plan.total === 1 ? "the 1 cell was" : `all ${plan.total} cells were`} already computed; nothing to compute\n`);
    else if (cells)
      out.write(
        `computed ${cells.computed}, cached ${cells.cached}, failed ${cells.failed} of ${counted(cells.total, "cell")} in ${result.elapsedSeconds.toFixed(1)} s\n`,
      );
    let html: string | undefined;
    if (output) {
      out.write(`summary: ${displayLocation(store, output.summaryKey)}\n`);
      const htmlKey = output.reportKeys.find((k) => k.endsWith(".html"));
      html = htmlKey ? displayLocation(store, htmlKey) : undefined;
      if (html) out.write(`report: ${html}\n`);
      out.write(`${verdictLine(output.claims, html ?? displayLocation(store, output.summaryKey))}\n`);
    }
    if (result.status === "FAILED") {
      process.stderr.write(`dropsweep: run failed: ${result.error?.name ?? "error"}: ${result.error?.cause ?? "unknown cause"}\n`);
      return exitCodes.failed;
    }
    if (cells && cells.failed > 0) {
      process.stderr.write(
        `dropsweep: ${counted(cells.failed, "cell")} failed; see the failed rows of ${displayLocation(store, keys.summary(sweep.sweepId))}\n`,
      );
      return exitCodes.failed;
    }
    return args.strict && output ? strictExit(output.claims) : exitCodes.ok;
  } finally {
    stopListening();
  }
}
