// The local runner against an S3 store with a prefix (s3rver on loopback): Plan reports the
// manifest and the slices as the store's bucket and full object key, which the runner maps back to the store;
// the ResultWriter's bucket placeholder is the store itself.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runLocal } from "../../infra/local/index.js";
import { keys } from "../../shared/store/layout.js";
import { submitSpec } from "../../shared/pipeline/plan.js";
import { openStore } from "../../shared/store/open.js";
import type { Store } from "../../shared/store/store.js";
import { startS3rver, type LocalS3 } from "../store/s3rver.js";

let s3: LocalS3;
let store: Store;
const prefix = "team/runs";

beforeAll(async () => {
  s3 = await startS3rver();
  store = openStore(`s3://${s3.bucket}/${prefix}`, { endpoint: s3.endpoint, credentials: s3.credentials, region: "us-east-1" });
});
afterAll(async () => {
  await s3?.close();
});

describe("runLocal with an s3:// store", () => {
  it("runs a noop sweep with the handlers writing through the endpoint", async () => {
    const spec = ["name: local-s3", "experiment: noop", "seeds: [0, 1, 2]", "grid:", "  work.iterations: [0]", ""].join("\n");
    const { event, sweep } = await submitSpec(store, spec);
    const run = await runLocal({
      input: event,
      storeUrl: store.url,
      endpoint: s3.endpoint,
      store,
      concurrency: 1,
      batchSize: 2,
      env: {
        AWS_ACCESS_KEY_ID: s3.credentials.accessKeyId,
        AWS_SECRET_ACCESS_KEY: s3.credentials.secretAccessKey,
        AWS_REGION: "us-east-1",
      },
    });
    expect(run.status, JSON.stringify(run.error)).toBe("SUCCEEDED");
    expect(run.plan?.manifest).toEqual({ bucket: s3.bucket, key: `${prefix}/${keys.manifest(sweep.sweepId)}` });
    expect(run.plan?.slices).toEqual({ bucket: s3.bucket, key: `${prefix}/${keys.slices(sweep.sweepId)}` });
    expect(run.output?.cells).toEqual({ total: 3, computed: 3, cached: 0, failed: 0 });
    for (const cell of sweep.cells) expect(await store.exists(keys.result(cell.hash))).toBe(true);
    // The maps' result manifests (cells, slices) went to the store (the ResultWriter bucket
    // placeholder), under its prefix, and so did the slice's partial.
    const written: string[] = [];
    for await (const key of store.list("map-runs/")) written.push(key);
    expect(written.filter((k) => k.endsWith("/manifest.json"))).toHaveLength(2);
    expect(await store.exists(keys.partial(sweep.sweepId, 0))).toBe(true);
    // The report's regenerate command names the store and its endpoint, as the run was given them.
    const markdown = new TextDecoder().decode(await store.get(keys.report(sweep.sweepId, "report.md")));
    expect(markdown).toContain(`npx dropsweep report ${sweep.sweepId} --store ${store.url} --endpoint ${s3.endpoint}`);
  });
});
