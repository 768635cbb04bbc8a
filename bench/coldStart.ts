// Cold start of the Worker: a fresh Node process imports the handler and serves its first
// (empty) batch, which instantiates the WebAssembly kernels. Ours is the esbuild bundle Lambda
// runs (infra/bundling.ts, the NodejsFunction's options, runtime files beside it); the peer is
// the same handler from source through tsx, as the local runner's worker threads load it.
// Lambda adds its own init (container, runtime) on top; Node's boot is measured separately.
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { bundleHandler, runtimeEnvironment, workerRuntimeFiles } from "../infra/bundling.js";
import { defaultHandlerEntries, projectRoot } from "../infra/stack.js";
import type { BenchOptions, BenchRow } from "./types.js";

interface Sample {
  importMs: number;
  firstInvokeMs: number;
}

// Runs in the child: time the import and the first call from the child's own clock.
const probe = (moduleUrl: string) => `
const t0 = performance.now();
const { handler } = await import(${JSON.stringify(moduleUrl)});
const t1 = performance.now();
await handler({ Items: [], BatchInput: { sweepId: "0".repeat(64) } });
const t2 = performance.now();
process.stdout.write(JSON.stringify({ importMs: t1 - t0, firstInvokeMs: t2 - t1 }));
`;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export async function benchColdStart(opts: BenchOptions): Promise<BenchRow[]> {
  const runs = opts.quick ? 3 : 9;
  const dir = mkdtempSync(join(tmpdir(), "dropsweep-coldstart-"));
  try {
    opts.log("cold-start: bundling the Worker as Lambda gets it");
    const task = join(dir, "task");
    const bundle = await bundleHandler(projectRoot, defaultHandlerEntries.worker, task, workerRuntimeFiles);
    const env = {
      PATH: process.env.PATH,
      DROPSWEEP_STORE: pathToFileURL(join(dir, "store")).href,
      POWERTOOLS_LOG_LEVEL: "ERROR",
      POWERTOOLS_METRICS_DISABLED: "true",
    };
    const bundled = join(dir, "bundled.mjs");
    writeFileSync(bundled, probe(pathToFileURL(bundle.outfile).href));
    const source = join(dir, "source.mjs");
    writeFileSync(source, probe(pathToFileURL(join(projectRoot, defaultHandlerEntries.worker)).href));
    const tsxLoader = pathToFileURL(join(projectRoot, "node_modules", "tsx", "dist", "loader.mjs")).href;

    const sample = (args: string[], extraEnv: Record<string, string>): Sample & { processMs: number } => {
      const t0 = performance.now();
      const out = execFileSync(process.execPath, args, { cwd: dir, encoding: "utf8", env: { ...env, ...extraEnv } });
      return { ...(JSON.parse(out) as Sample), processMs: performance.now() - t0 };
    };
    const ours: ReturnType<typeof sample>[] = [];
    const peer: ReturnType<typeof sample>[] = [];
    const boot: number[] = [];
    for (let i = 0; i < runs; i++) {
      opts.log(`cold-start: round ${i + 1}/${runs}`);
      ours.push(sample([bundled], runtimeEnvironment(workerRuntimeFiles, task)));
      peer.push(sample(["--import", tsxLoader, source], {}));
      const t0 = performance.now();
      execFileSync(process.execPath, ["-e", ""], { cwd: dir, env });
      boot.push(performance.now() - t0);
    }
    const size = `worker bundle ${(bundle.bytes / 1024).toFixed(0)} KiB`;
    const unit = "ms (lower is better)";
    const row = (what: string, pick: (s: ReturnType<typeof sample>) => number): BenchRow => ({
      kernel: "cold-start",
      size: `${size}: ${what}`,
      dtype: null,
      ours: median(ours.map(pick)),
      peer: "tsx from source",
      peerValue: median(peer.map(pick)),
      unit,
    });
    return [
      row("import handler", (s) => s.importMs),
      row("first batch (wasm instantiate)", (s) => s.firstInvokeMs),
      row("whole process", (s) => s.processMs),
      { kernel: "cold-start", size: "node -e '' (process boot alone)", dtype: null, ours: median(boot), peer: "-", peerValue: null, unit },
    ];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
