// The regenerate command names the store the report came from (the walkthrough: a sweep run
// with --out /tmp/walk-runs, its report's command typed in /tmp/walk, failed with "no such sweep").
import { describe, expect, it } from "vitest";
import { regenerateCommand } from "../../shared/report/regenerate.js";

describe("regenerateCommand", () => {
  const id = "032d1f0e9a";
  it("omits the store for the default runs/ of the working directory", () => {
    expect(regenerateCommand(id, "file:///tmp/walk/runs", "/tmp/walk")).toBe(`npx dropsweep report ${id}`);
  });
  it("names another directory with --out, relative when under the working directory", () => {
    expect(regenerateCommand(id, "file:///tmp/walk-runs", "/tmp/walk")).toBe(`npx dropsweep report ${id} --out /tmp/walk-runs`);
    expect(regenerateCommand(id, "file:///tmp/walk/out/runs", "/tmp/walk")).toBe(`npx dropsweep report ${id} --out out/runs`);
    expect(regenerateCommand(id, "file:///tmp/walk/runs", "/tmp")).toBe(`npx dropsweep report ${id} --out walk/runs`);
  });
  it("quotes a path the shell would split", () => {
    expect(regenerateCommand(id, "file:///tmp/my%20runs", "/tmp/walk")).toBe(`npx dropsweep report ${id} --out '/tmp/my runs'`);
  });
  it("names an S3 store with --store, and its endpoint when it is not AWS", () => {
    expect(regenerateCommand(id, "s3://bucket/prefix", "/tmp/walk")).toBe(`npx dropsweep report ${id} --store s3://bucket/prefix`);
    expect(regenerateCommand(id, "s3://bucket/prefix", "/tmp/walk", "http://127.0.0.1:4568")).toBe(
      `npx dropsweep report ${id} --store s3://bucket/prefix --endpoint http://127.0.0.1:4568`,
    );
  });
});
