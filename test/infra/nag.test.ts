// cdk-nag's AwsSolutionsChecks on the deployable stack (schedule on): no unacknowledged
// finding, and every acknowledgement carries its reason. A non-compliant variant shows the
// check can fail.
import { describe, expect, it } from "vitest";
import { synthStack } from "../../infra/synth.js";

const scheduled = {
  schedule: true,
  context: { "dropsweep:scheduledSpec": "sweeps/smoke.yaml", "dropsweep:alarmEmail": "ops@example.com" },
};

describe("cdk-nag AwsSolutionsChecks", () => {
  it("finds nothing unacknowledged; every acknowledgement says why", () => {
    const { nag, acknowledged } = synthStack({ ...scheduled, nag: true });
    expect(nag).toEqual([]);
    expect(acknowledged.length).toBeGreaterThan(0);
    for (const a of acknowledged) expect(a.reason.length, `${a.rule} at ${a.path}`).toBeGreaterThan(40);
    // Only the rules the stack argues for are acknowledged.
    const rules = new Set(acknowledged.map((a) => a.rule.replace(/\[.*$/, "")));
    expect([...rules].sort()).toEqual(["AwsSolutions-IAM4", "AwsSolutions-IAM5", "AwsSolutions-L1", "AwsSolutions-S1"]);
  });

  it("reports a bucket that accepts plain HTTP", () => {
    const { nag } = synthStack({ nag: true, props: { bucketOverrides: { enforceSSL: false } } });
    expect(nag).toEqual([
      expect.objectContaining({ level: "error", path: "Dropsweep/Store/Resource", message: expect.stringMatching(/^AwsSolutions-S10:/) }),
    ]);
  });
});
