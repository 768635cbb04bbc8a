// What `cloud status` and `cloud fetch` read from an ended execution: its output checked with
// the contract's schema for Aggregate's result (cli/commands/cloud/execution.ts). A valid one is
// printed as before; anything else (another version's stack, not a dropsweep stack, cut short) is
// one UsageError line naming each wrong field, never a partial verdict. The moto_server test
// (cloud.test.ts) runs the same through the CLI, fetch's nothing-written included.
import type { DescribeExecutionCommandOutput } from "@aws-sdk/client-sfn";
import { describe, expect, it } from "vitest";
import { aggregateOutput, printOutput } from "../../cli/commands/cloud/execution.js";
import { UsageError } from "../../shared/errors.js";

const executionArn = "arn:aws:states:us-east-1:123456789012:execution:Sweep:abc";

const valid = {
  sweepId: "a".repeat(64),
  summaryKey: "sweeps/a/report/summary.json",
  reportKeys: ["sweeps/a/report/report.html"],
  cells: { total: 3, computed: 2, cached: 1, failed: 0 },
  regressions: 1,
  claims: [
    { id: "1", status: "pass" },
    { id: "3", status: "fail" },
    { id: "6", status: "skipped" },
  ],
};

function ended(output: string | undefined, status: DescribeExecutionCommandOutput["status"] = "SUCCEEDED"): DescribeExecutionCommandOutput {
  return { executionArn, status, output, $metadata: {} } as unknown as DescribeExecutionCommandOutput;
}

function printed(result: ReturnType<typeof aggregateOutput>): string {
  let text = "";
  printOutput(result, result?.claims, undefined, { write: (chunk: string) => ((text += chunk), true) } as NodeJS.WritableStream);
  return text;
}

/** The refusal aggregateOutput throws for this output: a UsageError (exit 2) on one line. */
function refusal(output: string | undefined, consequence?: string): string {
  let error: unknown;
  try {
    aggregateOutput(ended(output), consequence);
  } catch (caught) {
    error = caught;
  }
  expect(error).toBeInstanceOf(UsageError);
  expect((error as UsageError).exitCode).toBe(2);
  const message = (error as Error).message;
  expect(message).not.toContain("\n");
  expect(message).toMatch(
    new RegExp(`^cloud: the output of execution ${executionArn} is not Aggregate's result as this dropsweep reads it: `),
  );
  return message;
}

describe("an execution's output", () => {
  it("a valid one is read and printed as before: the counts, the regressions, the verdict", () => {
    const result = aggregateOutput(ended(JSON.stringify(valid)));
    expect(result).toEqual(valid);
    expect(printed(result)).toBe(
      "cells: 2 computed, 1 cached, 0 failed of 3\nregressions against the baseline: 1\nclaims: 1 pass, 1 fail (3), 1 skipped\n",
    );
  });

  it("none while it runs, or when it failed without one (a regression's Fail state): nothing to check or print", () => {
    expect(aggregateOutput(ended(undefined, "RUNNING"))).toBeUndefined();
    expect(aggregateOutput(ended(undefined, "FAILED"))).toBeUndefined();
    expect(printed(undefined)).toBe("");
  });

  it("an unknown claim id is named, not dropped from the verdict", () => {
    const message = refusal(JSON.stringify({ ...valid, claims: [...valid.claims, { id: "99", status: "pass" }] }));
    expect(message).toContain('claims[3].id: expected one of "1", "2", "3", "4", "5", "6", "7", got "99"');
  });

  it("a missing field is named with what was expected", () => {
    const { summaryKey: _, ...rest } = valid;
    expect(refusal(JSON.stringify(rest))).toMatch(
      /: summaryKey: missing \(expected a string\) \(a stack deployed by another dropsweep version/,
    );
    // A stack deployed before claims were in Aggregate's result.
    const { claims: __, ...older } = valid;
    expect(refusal(JSON.stringify(older))).toContain("claims: missing (expected a list)");
  });

  it("every wrong field in the one line, and the caller's consequence at its end", () => {
    const message = refusal(
      JSON.stringify({ ...valid, cells: { ...valid.cells, failed: -1 }, regressions: "none" }),
      "nothing was written",
    );
    expect(message).toContain("cells.failed:");
    expect(message).toContain("regressions:");
    expect(message).toMatch(/; nothing was written$/);
  });

  it("cut short, not JSON, not an object, or no output from a succeeded execution", () => {
    const text = JSON.stringify(valid);
    expect(refusal(text.slice(0, text.length - 20))).toMatch(/: not JSON \(/);
    expect(refusal('"done"')).toContain('expected a mapping, got "done"');
    expect(refusal("[]")).toContain("expected a mapping, got []");
    expect(refusal(undefined)).toContain("reads it: no output");
  });
});
