// `dropsweep run SPEC`: validate the spec (every problem listed, exit 2, nothing written), store
// it, and execute the synthesized state machine locally (infra/local): Plan -> Workers in a
// thread pool -> Aggregate. Resumable: cells whose results are stored are not computed again.
import { readFile } from "node:fs/promises";
import { availableParallelism } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { UsageError } from "../../shared/errors.js";
import { kernelVersion } from "../../shared/numerics/engine.js";
import { keys } from "../../shared/pipeline/contract.js";
import { submitSpec } from "../../shared/pipeline/plan.js";
import { parseSpec } from "../../shared/spec/spec.js";
import { FileStore } from "../../shared/store/fs.js";
import { openStore } from "../../shared/store/open.js";
import type { Store } from "../../shared/store/store.js";

export const summary = "run a sweep locally through the synthesized state machine";

/** Exit codes besides 0 (done) and 2 (bad input). */
export const exitCodes = { cellsFailed: 1, runFailed: 1, regression: 3 } as const;

const help = `usage: dropsweep run SPEC [--out DIR | --store URL] [--endpoint URL] [--concurrency N]

Runs the sweep SPEC (YAML) on this machine through the same state machine as the cloud.
Cells already computed (by this or any sweep in the store) are reused; a rerun computes
only what is missing.

  --out DIR          store results in this directory (default: runs)
  --store URL        a store URL instead: file:///abs/dir or s3://bucket/prefix
  --endpoint URL     S3-compatible endpoint for an s3:// store
  --concurrency N    worker threads (default: the number of cores, ${availableParallelism()} here)

Exit codes: 0 done; 1 some cells failed or the run failed; 2 bad input (nothing written);
3 regressions against a baseline.`;

interface RunArgs {
  specPath: string;
  storeUrl: string;
  endpoint?: string;
  concurrency: number;
}

function parse(argv: string[]): RunArgs | "help" {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        out: { type: "string" },
        store: { type: "string" },
        endpoint: { type: "string" },
        concurrency: { type: "string" },
        help: { type: "boolean", short: "h" },
      },
    });
  } catch (error) {
    throw new UsageError(`run: ${(error as Error).message}\n${help}`);
  }
  const { values, positionals } = parsed;
  if (values.help) return "help";
  if (positionals.length !== 1) throw new UsageError(`run: expected one SPEC file, got ${positionals.length}\n${help}`);
  if (values.out !== undefined && values.store !== undefined) throw new UsageError("run: give --out DIR or --store URL, not both");
  if (values.endpoint !== undefined && !values.store?.startsWith("s3://"))
    throw new UsageError("run: --endpoint applies only to an s3:// --store");
  let concurrency = availableParallelism();
  if (values.concurrency !== undefined) {
    concurrency = Number(values.concurrency);
    if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 256)
      throw new UsageError(`run: --concurrency: expected an integer from 1 to 256, got "${values.concurrency}"`);
  }
  return {
    specPath: positionals[0]!,
    storeUrl: values.store ?? values.out ?? "runs",
    ...(values.endpoint ? { endpoint: values.endpoint } : {}),
    concurrency,
  };
}

/** Where a key is, as a person would open it: a path for a directory, else a URL. */
export function displayLocation(store: Store, key: string): string {
  return store instanceof FileStore ? join(store.root, ...key.split("/")) : `${store.url}/${key}`;
}

export async function run(argv: string[]): Promise<number> {
  const args = parse(argv);
  if (args === "help") {
    process.stdout.write(help + "\n");
    return 0;
  }
  let text: string;
  try {
    text = await readFile(args.specPath, "utf8");
  } catch (error) {
    throw new UsageError(`run: cannot read ${args.specPath}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  // Everything is checked before anything is written.
  const version = kernelVersion();
  const sweep = parseSpec(text, { kernelVersion: version, source: args.specPath });
  const store = openStore(args.storeUrl, args.endpoint ? { endpoint: args.endpoint } : {});
  const out = process.stdout;
  out.write(`sweep ${sweep.resolved.name} ${sweep.sweepId.slice(0, 12)}: ${sweep.cells.length} cells, store ${store.url}\n`);

  const { event } = await submitSpec(store, text, { source: args.specPath, kernelVersion: version });
  // The handlers run in worker threads that inherit this environment: keep Powertools' JSON
  // lines (meant for CloudWatch) off the terminal unless asked for.
  process.env.POWERTOOLS_LOG_LEVEL ??= "ERROR";
  process.env.POWERTOOLS_METRICS_DISABLED ??= "true";
  const { runLocal, terminalProgress } = await import("../../infra/local/index.js");
  const { regressionError } = await import("../../infra/sweepStateMachine.js");
  const result = await runLocal({
    input: event,
    storeUrl: store.url,
    store,
    ...(args.endpoint ? { endpoint: args.endpoint } : {}),
    concurrency: args.concurrency,
    progress: terminalProgress(process.stderr),
  });

  const plan = result.plan;
  const cells = result.output?.cells;
  if (plan && plan.pending === 0) out.write(`all ${plan.total} cells were already computed; nothing to compute\n`);
  else if (cells) out.write(`computed ${cells.computed}, cached ${cells.cached}, failed ${cells.failed} of ${cells.total} cells in ${result.elapsedSeconds.toFixed(1)} s\n`);
  if (result.output) {
    out.write(`summary: ${displayLocation(store, result.output.summaryKey)}\n`);
    const html = result.output.reportKeys.find((k) => k.endsWith(".html"));
    if (html) out.write(`report: ${displayLocation(store, html)}\n`);
  }
  if (result.status === "FAILED") {
    if (result.error?.name === regressionError) {
      out.write(`regressions against the baseline: ${result.output?.regressions ?? "?"}\n`);
      return exitCodes.regression;
    }
    process.stderr.write(`dropsweep: run failed: ${result.error?.name ?? "error"}: ${result.error?.cause ?? "unknown cause"}\n`);
    return exitCodes.runFailed;
  }
  if (cells && cells.failed > 0) {
    process.stderr.write(`dropsweep: ${cells.failed} cells failed; see the failed rows of ${displayLocation(store, keys.report(sweep.sweepId, "summary.json"))}\n`);
    return exitCodes.cellsFailed;
  }
  return 0;
}
