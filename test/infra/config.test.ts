// cdk.json context: one validation that names every problem (as the context key a deployer
// edits) and throws once; numbers given on the command line (strings) are accepted.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkStackConfig, defaultStackConfig, resolveStackConfig, scheduleProblems } from "../../infra/stackConfig.js";
import { synthStack } from "../../infra/synth.js";
import { UsageError } from "../../shared/errors.js";
import { kernelVersion } from "../../shared/numerics/engine.js";

let root: string;
beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), "dropsweep-config-"));
  writeFileSync(join(root, "good.yaml"), "name: good\nexperiment: noop\nseeds: [0, 1]\n");
  writeFileSync(join(root, "bad.yaml"), "name: bad\nexperiment: nothing-like-this\nseeds: [0]\n");
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

const options = () => ({ projectRoot: root, kernelVersion });

describe("stack context", () => {
  it("uses the defaults when nothing is set (the scheduled spec must exist)", () => {
    const config = resolveStackConfig({ "dropsweep:scheduledSpec": "good.yaml" }, options());
    expect(config).toEqual({ ...defaultStackConfig, scheduledSpec: "good.yaml" });
  });

  it("reads every key, numbers also as strings (cdk -c key=value)", () => {
    const config = resolveStackConfig(
      {
        "dropsweep:schedule": "rate(1 day)",
        "dropsweep:scheduledSpec": "good.yaml",
        "dropsweep:baselineKey": "baselines/nightly.json",
        "dropsweep:batchSize": "16",
        "dropsweep:maxConcurrency": 10000,
        "dropsweep:workerMemoryMb": "1024",
        "dropsweep:workerTimeoutSeconds": 600,
        "dropsweep:toleratedFailurePercentage": "5",
        "dropsweep:alarmEmail": "ops@example.com",
        "@aws-cdk/aws-iam:minimizePolicies": true, // other context is none of ours
      },
      options(),
    );
    expect(config).toMatchObject({
      schedule: "rate(1 day)",
      baselineKey: "baselines/nightly.json",
      workerMemoryMb: 1024,
      alarmEmail: "ops@example.com",
      settings: { maxItemsPerBatch: 16, maxConcurrency: 10000, workerTimeoutSeconds: 600, toleratedFailurePercentage: 5 },
    });
  });

  it("turns the schedule off without needing the spec", () => {
    expect(resolveStackConfig({ "dropsweep:schedule": "off", "dropsweep:scheduledSpec": "missing.yaml" }, options()).schedule).toBeNull();
  });

  it("names every problem at once, by its context key", () => {
    const bad = {
      "dropsweep:schedule": "every monday",
      "dropsweep:batchSize": 0,
      "dropsweep:maxConcurrency": 10001,
      "dropsweep:workerMemoryMb": "lots",
      "dropsweep:workerTimeoutSeconds": 901,
      "dropsweep:toleratedFailurePercentage": 12.5,
      "dropsweep:alarmEmail": "not-an-address",
      "dropsweep:baselineKey": "elsewhere/base.json",
      "dropsweep:scheduledSpec": "bad.yaml",
      "dropsweep:maxConcurency": 3, // a typo is named, not ignored
    };
    const { problems } = checkStackConfig(bad, options());
    expect(problems).toHaveLength(Object.keys(bad).length);
    for (const key of Object.keys(bad))
      expect(
        problems.some((p) => p.startsWith(key)),
        key,
      ).toBe(true);
    expect(problems.find((p) => p.startsWith("dropsweep:scheduledSpec"))).toMatch(/nothing-like-this|experiment/);
    let error: unknown;
    try {
      resolveStackConfig(bad, options());
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(UsageError);
    expect((error as Error).message).toMatch(/10 problems/);
  });

  it("refuses a missing scheduled spec while the schedule is on", () => {
    const { problems } = checkStackConfig({ "dropsweep:scheduledSpec": "missing.yaml" }, options());
    expect(problems).toEqual([expect.stringMatching(/^dropsweep:scheduledSpec: no file missing.yaml/)]);
  });

  it("accepts the scheduler's rate and cron forms and nothing else", () => {
    for (const ok of ["rate(1 day)", "rate(12 hours)", "rate(5 minutes)", "cron(0 6 ? * MON *)", "cron(15 10 * * ? *)", "off"])
      expect(scheduleProblems(ok), ok).toEqual([]);
    for (const bad of ["rate(0 days)", "rate(1 week)", "cron(0 6 * *)", "weekly", ""]) expect(scheduleProblems(bad), bad).toHaveLength(1);
  });

  it("stops the synthesis with the same message", () => {
    expect(() => synthStack({ context: { "dropsweep:batchSize": "-1", "dropsweep:workerMemoryMb": 64 } })).toThrow(
      /dropsweep:batchSize must be an integer from 1 to 1000[\s\S]*dropsweep:workerMemoryMb/,
    );
  });
});
