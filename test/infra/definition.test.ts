// infra/definition.ts: the definition a user validates with the service before deploying
// (docs/CLOUD.md), in their region and account, with nothing of the local placeholders left.
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { localStateMachine } from "../../infra/local/index.js";
import { projectRoot } from "../../infra/stack.js";
import { stateNames } from "../../infra/sweepStateMachine.js";
import { batchIncompleteError } from "../../shared/pipeline/budget.js";

const run = (...args: string[]) =>
  spawnSync(process.execPath, ["--import", "tsx", join(projectRoot, "infra/definition.ts"), ...args], {
    cwd: projectRoot,
    encoding: "utf8",
    timeout: 60_000,
  });

describe("infra/definition.ts", () => {
  it("prints the state machine the local runner executes, with ARNs in the given region and account", () => {
    const out = run("--region", "eu-west-1", "--account", "123456789012");
    expect(out.status, out.stderr).toBe(0);
    expect(out.stdout).not.toMatch(/000000000000|:local:/);
    const printed = JSON.parse(out.stdout);
    const arns: string[] = out.stdout.match(/arn:aws:[a-z]+:[^"',]*/g) ?? [];
    expect(arns.filter((a) => a.startsWith("arn:aws:lambda:")).length).toBeGreaterThanOrEqual(3);
    for (const arn of arns.filter((a) => /^arn:aws:(lambda|sns):/.test(a)))
      expect(arn).toMatch(/^arn:aws:(lambda|sns):eu-west-1:123456789012:/);
    // Same states and transitions as the definition the local runner executes.
    const local = localStateMachine().machine.definition;
    expect(Object.keys(printed.States)).toEqual(Object.keys(local.States));
    expect(printed.StartAt).toBe(local.StartAt);
  });

  it("retries the Worker's Dropsweep.BatchIncomplete on its own entry, first, at once, once per cell of a batch; States.ALL last", () => {
    const out = run("--region", "eu-west-1", "--account", "123456789012");
    expect(out.status, out.stderr).toBe(0);
    const cells = JSON.parse(out.stdout).States[stateNames.cells];
    const worker = cells.ItemProcessor.States[stateNames.worker];
    const batchSize = cells.ItemBatcher.MaxItemsPerBatch as number;
    const retry = worker.Retry as { ErrorEquals: string[]; MaxAttempts?: number; BackoffRate?: number; IntervalSeconds?: number }[];
    // Step Functions uses the first retrier whose ErrorEquals matches the error, so the order
    // decides: the continuation's entry first (the only one naming it), the catch-all last.
    expect(retry[0]).toEqual({ ErrorEquals: [batchIncompleteError], IntervalSeconds: 1, MaxAttempts: batchSize, BackoffRate: 1 });
    expect(retry.filter((r) => r.ErrorEquals.includes(batchIncompleteError))).toHaveLength(1);
    expect(retry.at(-1)!.ErrorEquals).toEqual(["States.ALL"]);
    expect(retry.filter((r) => r.ErrorEquals.includes("States.ALL"))).toHaveLength(1);
    // The genuine errors' retry is the one it was: exponential backoff with jitter, 4 attempts.
    expect(retry.at(-1)).toMatchObject({ MaxAttempts: 4, BackoffRate: 2, JitterStrategy: "FULL" });
    // Enough attempts for a full batch at any batch size (each attempt stores at least one cell).
    const three = localStateMachine({ maxItemsPerBatch: 3 }).machine.definition.States[stateNames.cells];
    const workerOfThree = (three?.ItemProcessor as { States: Record<string, { Retry: typeof retry }> }).States[stateNames.worker];
    expect(workerOfThree!.Retry[0]).toMatchObject({ ErrorEquals: [batchIncompleteError], MaxAttempts: 3 });
  });

  it("refuses a missing or malformed region or account with exit code 2", () => {
    for (const args of [
      [],
      ["--region", "eu-west-1"],
      ["--region", "west", "--account", "123456789012"],
      ["--region", "eu-west-1", "--account", "12"],
    ]) {
      const out = run(...args);
      expect(out.status, args.join(" ")).toBe(2);
      expect(out.stdout).toBe("");
      expect(out.stderr).toMatch(/^dropsweep definition: --(region|account) must be/);
    }
  });
});
