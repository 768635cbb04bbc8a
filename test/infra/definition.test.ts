// infra/definition.ts: the definition a user validates with the service before deploying
// (docs/CLOUD.md), in their region and account, with nothing of the local placeholders left.
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { localStateMachine } from "../../infra/local/index.js";
import { projectRoot } from "../../infra/stack.js";

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
