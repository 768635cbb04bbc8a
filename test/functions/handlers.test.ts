// The four Lambda handlers end to end on a noop sweep, with the store named by the
// environment as in Lambda: a directory, and S3 (s3rver on loopback via DROPSWEEP_S3_ENDPOINT).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import type { Context } from "aws-lambda";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";

vi.hoisted(() => {
  process.env.POWERTOOLS_LOG_LEVEL = "SILENT";
  process.env.POWERTOOLS_METRICS_DISABLED = "true";
});

import { handler as aggregateHandler } from "../../functions/aggregate.js";
import { handler as planHandler } from "../../functions/plan.js";
import { handler as reduceHandler } from "../../functions/reduce.js";
import { handler as workerHandler } from "../../functions/worker.js";
import { type ManifestItem, type SliceItem } from "../../shared/pipeline/contract.js";
import { keys } from "../../shared/store/layout.js";
import { submitSpec } from "../../shared/pipeline/plan.js";
import { openStore } from "../../shared/store/open.js";
import type { Store } from "../../shared/store/store.js";
import { startS3rver, type LocalS3 } from "../store/s3rver.js";

const spec = "name: handlers\nexperiment: noop\nseeds: [0, 1, 2]\nzip: [{ work.fail: [false, true], work.iterations: [5, 6] }]\n";
const context = { awsRequestId: "req-1", functionName: "worker", getRemainingTimeInMillis: () => 60_000 } as unknown as Context;

let root: string;
let s3: LocalS3;
beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), "dropsweep-handlers-"));
  s3 = await startS3rver();
});
afterAll(async () => {
  rmSync(root, { recursive: true, force: true });
  await s3?.close();
});

async function runThroughHandlers(store: Store) {
  const { event } = await submitSpec(store, spec);
  const planned = await planHandler(event, context);
  const text = new TextDecoder().decode(await store.get(keys.manifest(planned.sweepId)));
  const items = text
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l) as ManifestItem);
  // Two batches, as ItemBatcher would cut them.
  const batches = [items.slice(0, 4), items.slice(4)];
  const outputs = [];
  for (const Items of batches) outputs.push(await workerHandler({ Items, BatchInput: { sweepId: planned.sweepId } }, context));
  // One Reduce per line of slices.jsonl (the Reduce map's items), each writing its partial.
  const slices = new TextDecoder()
    .decode(await store.get(keys.slices(planned.sweepId)))
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l) as SliceItem);
  const reduced = [];
  for (const slice of slices) reduced.push(await reduceHandler(slice, context));
  // Aggregate receives the whole state: Plan's result plus the maps'.
  const aggregated = await aggregateHandler({ ...planned, mapResult: outputs, reduceResult: reduced }, context);
  return { planned, outputs, reduced, aggregated };
}

describe.each([
  ["filesystem", () => ({ url: pathToFileURL(join(root, "fs")).href, env: {} as Record<string, string> })],
  [
    "s3 (s3rver)",
    () => ({
      url: `s3://${s3.bucket}/handlers`,
      env: { DROPSWEEP_S3_ENDPOINT: s3.endpoint, AWS_ACCESS_KEY_ID: "S3RVER", AWS_SECRET_ACCESS_KEY: "S3RVER", AWS_REGION: "us-east-1" },
    }),
  ],
])("handlers on the %s store", (_name, where) => {
  it("plan -> worker batches -> aggregate, then a rerun computes nothing", async () => {
    const { url, env } = where();
    vi.stubEnv("DROPSWEEP_STORE", url);
    for (const [k, v] of Object.entries(env)) vi.stubEnv(k, v);
    try {
      const store = openStore(url, env.DROPSWEEP_S3_ENDPOINT ? { endpoint: env.DROPSWEEP_S3_ENDPOINT } : {});
      const first = await runThroughHandlers(store);
      expect(first.planned).toMatchObject({ total: 6, cached: 0, pending: 6 });
      const computed = first.outputs.flatMap((o) => o.computed);
      const failed = first.outputs.flatMap((o) => o.failed);
      expect(computed).toHaveLength(3);
      expect(failed).toHaveLength(3);
      expect(first.reduced).toEqual([
        { sweepId: first.planned.sweepId, slice: 0, partialKey: keys.partial(first.planned.sweepId, 0), usable: 3, unusable: 3 },
      ]);
      expect(await store.exists(keys.partial(first.planned.sweepId, 0))).toBe(true);
      expect(first.aggregated).toMatchObject({ cells: { total: 6, computed: 3, cached: 0, failed: 3 }, regressions: 0 });
      const summary = JSON.parse(new TextDecoder().decode(await store.get(first.aggregated.summaryKey)));
      expect(summary.rows.map((r: { status: string }) => r.status)).toEqual([
        "computed",
        "computed",
        "computed",
        "failed",
        "failed",
        "failed",
      ]);

      // Resume: the three good cells are cached; only the failing ones are tried again.
      const second = await runThroughHandlers(store);
      expect(second.planned).toMatchObject({ total: 6, cached: 3, pending: 3 });
      expect(second.outputs.flatMap((o) => o.computed)).toEqual([]);
      expect(second.aggregated.cells).toEqual({ total: 6, computed: 0, cached: 3, failed: 3 });
    } finally {
      vi.unstubAllEnvs();
    }
  });
});

describe("the Worker handler's time limit", () => {
  it("reads Lambda's remaining time: with none left it stores one cell per invocation and throws Dropsweep.BatchIncomplete for the rest", async () => {
    const url = pathToFileURL(join(root, "deadline")).href;
    vi.stubEnv("DROPSWEEP_STORE", url);
    try {
      const store = openStore(url);
      const { event } = await submitSpec(store, "name: deadline\nexperiment: noop\nseeds: [0, 1]\ngrid:\n  work.iterations: [5]\n");
      const planned = await planHandler(event, context);
      const items = new TextDecoder()
        .decode(await store.get(keys.manifest(planned.sweepId)))
        .split("\n")
        .filter(Boolean)
        .map((l) => JSON.parse(l) as ManifestItem);
      const batch = { Items: items, BatchInput: { sweepId: planned.sweepId } };
      const outOfTime = { ...context, getRemainingTimeInMillis: () => 0 } as Context;
      // The errorType Step Functions matches is the error's name.
      await expect(workerHandler(batch, outOfTime)).rejects.toMatchObject({
        name: "Dropsweep.BatchIncomplete",
        message: expect.stringMatching(/1 of 2 cells of this batch are stored.*1 remain/),
      });
      expect(await store.exists(keys.result(items[0]!.hash))).toBe(true);
      expect(await store.exists(keys.result(items[1]!.hash))).toBe(false);
      expect(await workerHandler(batch, outOfTime)).toEqual({ computed: [items[1]!.hash], cached: [items[0]!.hash], failed: [] });
    } finally {
      vi.unstubAllEnvs();
    }
  });
});

describe("handler input checks", () => {
  it("rejects malformed events without touching the store", async () => {
    vi.stubEnv("DROPSWEEP_STORE", pathToFileURL(join(root, "untouched")).href);
    try {
      await expect(planHandler({} as never)).rejects.toMatchObject({ name: "MalformedEvent", message: expect.stringMatching(/specKey/) });
      await expect(workerHandler({ Items: "x" } as never)).rejects.toMatchObject({ name: "MalformedEvent" });
      await expect(aggregateHandler({ sweepId: "../x" } as never)).rejects.toMatchObject({ name: "MalformedEvent" });
      await expect(reduceHandler({ sweepId: "a".repeat(64), slice: 0, first: 0, cells: 0 } as never)).rejects.toMatchObject({
        name: "MalformedEvent",
        message: expect.stringMatching(/cells.*rows/s),
      });
    } finally {
      vi.unstubAllEnvs();
    }
  });

  it("needs DROPSWEEP_STORE", async () => {
    vi.stubEnv("DROPSWEEP_STORE", "");
    try {
      await expect(planHandler({ specKey: "x" })).rejects.toThrow(/DROPSWEEP_STORE is not set/);
    } finally {
      vi.unstubAllEnvs();
    }
  });
});
