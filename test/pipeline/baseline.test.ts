// The baseline's words (shared/pipeline/baseline.ts): where a key of a store is, and how to
// promote a reviewed run's summary there, for an S3 store (the stack's) and a directory.
import { describe, expect, it } from "vitest";
import { baselineLocation, missingBaselineMessage, promoteBaseline, readBaseline } from "../../shared/pipeline/baseline.js";
import { MemoryStore } from "../report/fixtures.js";

describe("the baseline a sweep is compared with", () => {
  it("is located in the store's own terms: an s3:// URL under the store's prefix, or a path", () => {
    expect(baselineLocation("s3://bucket", "baselines/paper.json")).toBe("s3://bucket/baselines/paper.json");
    expect(baselineLocation("s3://bucket/runs/", "baselines/paper.json")).toBe("s3://bucket/runs/baselines/paper.json");
    expect(baselineLocation("file:///tmp/store", "baselines/paper.json")).toBe("/tmp/store/baselines/paper.json");
  });

  it("on S3: says to fetch a reviewed run's report and copy its summary to the key", () => {
    expect(promoteBaseline("s3://bucket/baselines/paper.json", { stack: "Dropsweep" })).toBe(
      "npx dropsweep cloud fetch SWEEP --stack Dropsweep --out DIR, then aws s3 cp DIR/summary.json s3://bucket/baselines/paper.json",
    );
    const message = missingBaselineMessage("s3://bucket", "baselines/paper.json");
    expect(message).toMatch(/^aggregate: no baseline at s3:\/\/bucket\/baselines\/paper\.json: /);
    expect(message).toContain("A deployment creates none, on purpose, so the first scheduled run fails here until one is promoted");
    expect(message).toMatch(
      /promote a reviewed run's summary: npx dropsweep cloud fetch SWEEP --stack STACK --out DIR, then aws s3 cp DIR\/summary\.json s3:\/\/bucket\/baselines\/paper\.json$/,
    );
  });

  it("is read as JSON; a missing one or one that is not JSON is an error naming the key", async () => {
    const store = new MemoryStore();
    await expect(readBaseline(store, "baselines/none.json")).rejects.toThrow(
      /^aggregate: no baseline at memory:\/\/test\/baselines\/none\.json: /,
    );
    await store.put("baselines/bad.json", "{ not json");
    await expect(readBaseline(store, "baselines/bad.json")).rejects.toThrow(
      "aggregate: baseline baselines/bad.json in memory://test is not JSON",
    );
    await store.put("baselines/ok.json", '{"format":"x"}');
    expect(await readBaseline(store, "baselines/ok.json")).toEqual({ format: "x" });
  });
});
