// `dropsweep cloud start|status|fetch` against moto_server (S3, Step Functions executing the
// machines, CloudFormation outputs) on a free loopback port. The machines stand in for the
// deployed one: a Pass that returns an AggregateResult, and a Fail with the regression error.
// The report files are put where Aggregate writes them.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CloudFormationClient, CreateStackCommand } from "@aws-sdk/client-cloudformation";
import { CreateBucketCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { CreateStateMachineCommand, DescribeExecutionCommand, ListExecutionsCommand, SFNClient } from "@aws-sdk/client-sfn";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { executionArn } from "../../cli/commands/cloud/stack.js";
import { main } from "../../cli/main.js";
import { outputNames, regressionError } from "../../infra/names.js";
import { kernelVersion } from "../../shared/numerics/engine.js";
import { keys } from "../../shared/store/layout.js";
import { parseSpec } from "../../shared/spec/spec.js";
import { executeStateMachines, motoAvailable, startMoto, type Moto } from "./moto.js";
import { fixtureSweep } from "../report/fixtures.js";

const available = motoAvailable();
const region = "us-east-1";
const bucket = "dropsweep-cloud-test";
const stackName = "dropsweep-cloud-test";

let moto: Moto;
let dir: string;
let sfn: SFNClient;
let s3: S3Client;
let machineArn: string;
const savedEnv = { ...process.env };
const roleArn = "arn:aws:iam::123456789012:role/dropsweep-test";

const specText = (name: string, seeds = "[0, 1, 2]") => `name: ${name}\nexperiment: noop\nseeds: ${seeds}\n`;
const sweepIdOf = (text: string) => parseSpec(text, { kernelVersion: kernelVersion() }).sweepId;

function specFile(name: string, text: string): string {
  const path = join(dir, `${name}.yaml`);
  writeFileSync(path, text);
  return path;
}

/** Run `dropsweep ...` in-process; stdout and stderr captured. */
async function cli(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = "";
  let stderr = "";
  const out = vi.spyOn(process.stdout, "write").mockImplementation((chunk: any) => ((stdout += String(chunk)), true));
  const err = vi.spyOn(process.stderr, "write").mockImplementation((chunk: any) => ((stderr += String(chunk)), true));
  try {
    const code = await main(argv);
    return { code, stdout, stderr };
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
}

const viaStack = () => ["--stack", stackName, "--region", region, "--endpoint", moto.endpoint];

async function executions(arn: string) {
  return (await sfn.send(new ListExecutionsCommand({ stateMachineArn: arn }))).executions ?? [];
}

async function bucketKeys(): Promise<string[]> {
  return ((await s3.send(new ListObjectsV2Command({ Bucket: bucket }))).Contents ?? []).map((o) => o.Key!);
}

const aggregateResult = {
  sweepId: "x",
  summaryKey: "k",
  reportKeys: [],
  cells: { total: 3, computed: 2, cached: 1, failed: 0 },
  regressions: 0,
  claims: [
    { id: "1", status: "pass" },
    { id: "3", status: "fail" },
    { id: "6", status: "skipped" },
  ],
};

/**
 * A moto server of its own (moto executes one state machine run per server, moto.ts) with the
 * bucket and one state machine of `definition`; `run` gets its clients and the CLI's flags.
 */
async function withOwnMoto(
  name: string,
  definition: object,
  run: (own: { s3: S3Client; sfn: SFNClient; arn: string; flags: string[] }) => Promise<void>,
): Promise<void> {
  const own = await startMoto();
  const config = { region, endpoint: own.endpoint, credentials: { accessKeyId: "testing", secretAccessKey: "testing" } };
  const s3 = new S3Client({ ...config, forcePathStyle: true });
  const sfn = new SFNClient(config);
  try {
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    const arn = (await sfn.send(new CreateStateMachineCommand({ name, definition: JSON.stringify(definition), roleArn }))).stateMachineArn!;
    await run({ s3, sfn, arn, flags: ["--bucket", bucket, "--state-machine", arn, "--region", region, "--endpoint", own.endpoint] });
  } finally {
    s3.destroy();
    sfn.destroy();
    await own.stop();
  }
}

if (!available)
  describe("dropsweep cloud", () => {
    it.skip("needs moto_server (an AWS API emulator) on PATH: not found here, so these tests are skipped", () => {});
  });

describe.runIf(available)("dropsweep cloud against moto_server", () => {
  beforeAll(async () => {
    moto = await startMoto();
    dir = mkdtempSync(join(tmpdir(), "dropsweep-cloud-"));
    Object.assign(process.env, { AWS_ACCESS_KEY_ID: "testing", AWS_SECRET_ACCESS_KEY: "testing", AWS_REGION: region });
    delete process.env.AWS_PROFILE;
    const config = { region, endpoint: moto.endpoint, credentials: { accessKeyId: "testing", secretAccessKey: "testing" } };
    s3 = new S3Client({ ...config, forcePathStyle: true });
    sfn = new SFNClient(config);
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    const pass = { StartAt: "Aggregate", States: { Aggregate: { Type: "Pass", Result: aggregateResult, End: true } } };
    machineArn = (await sfn.send(new CreateStateMachineCommand({ name: "Sweep", definition: JSON.stringify(pass), roleArn })))
      .stateMachineArn!;
    const cfn = new CloudFormationClient(config);
    await cfn.send(
      new CreateStackCommand({
        StackName: stackName,
        TemplateBody: JSON.stringify({
          Resources: { Topic: { Type: "AWS::SNS::Topic" } },
          Outputs: { [outputNames.bucket]: { Value: bucket }, [outputNames.stateMachine]: { Value: machineArn } },
        }),
      }),
    );
    cfn.destroy();
  });

  afterAll(async () => {
    process.env = savedEnv;
    s3?.destroy();
    sfn?.destroy();
    await moto?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("refuses a bad spec: every problem named, exit 2, nothing uploaded, nothing started", async () => {
    const bad = specFile("bad", "name: bad\nexperiment: noop\nseeds: [-1]\nwork: { iterations: lots }\n");
    const run = await cli("cloud", "start", bad, ...viaStack());
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/\d problems/);
    expect(run.stderr).toMatch(/seeds\[0\][\s\S]*work.iterations/);
    expect(await bucketKeys()).toEqual([]);
    expect(await executions(machineArn)).toEqual([]);
  });

  it("starts a sweep: the spec where Plan reads it, an execution named after the sweep id", async () => {
    const text = specText("cloud-one");
    const sweepId = sweepIdOf(text);
    const run = await cli("cloud", "start", specFile("one", text), ...viaStack());
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(sweepId);
    expect(await bucketKeys()).toEqual([keys.spec(sweepId)]);
    const execution = await sfn.send(new DescribeExecutionCommand({ executionArn: executionArn(machineArn, sweepId) }));
    expect(JSON.parse(execution.input!)).toEqual({ specKey: keys.spec(sweepId) });
  });

  it("follows the execution to its end and prints the cell counts", async () => {
    const run = await cli("cloud", "status", join(dir, "one.yaml"), "--watch", "--interval", "0.2", ...viaStack());
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/SUCCEEDED, started/);
    expect(run.stdout).toContain("cells: 2 computed, 1 cached, 0 failed of 3");
    expect(run.stdout).toMatch(/\nclaims: 1 pass, 1 fail \(3\), 1 skipped\n$/);
    // The execution succeeded; --strict judges its claims.
    const strict = await cli("cloud", "status", join(dir, "one.yaml"), "--strict", ...viaStack());
    expect(strict.code).toBe(4);
    expect(strict.stderr).toBe("dropsweep: --strict: claim 3 fail (exit 4)\n");
  });

  it("downloads the report into a directory, the same bytes as stored", async () => {
    const sweepId = sweepIdOf(specText("cloud-one"));
    const summary = { ...fixtureSweep().summary, sweepId };
    const files: Record<string, string> = {
      "summary.json": JSON.stringify(summary),
      "report.md": "# report\n",
      "report.html": "<!doctype html><title>report</title>\n",
      "plots/spectra.svg": "<svg/>",
    };
    for (const [name, body] of Object.entries(files))
      await s3.send(new PutObjectCommand({ Bucket: bucket, Key: keys.report(sweepId, name), Body: body }));
    const out = join(dir, "fetched");
    const run = await cli("cloud", "fetch", sweepId, "--out", out, ...viaStack());
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    for (const [name, body] of Object.entries(files)) expect(readFileSync(join(out, name), "utf8"), name).toBe(body);
    expect(run.stdout).toContain(join(out, "report.html"));
    // The verdict of the summary it fetched: its statuses counted, the failing claims named, and
    // where to look.
    const count = (status: string) => summary.claims.filter((c) => c.status === status).length;
    const failing = summary.claims.filter((c) => c.status === "fail").map((c) => c.id);
    expect(failing.length).toBeGreaterThan(0);
    expect(
      run.stdout.endsWith(
        `\nclaims: ${count("pass")} pass, ${failing.length} fail (${failing.join(", ")}), ${count("skipped")} skipped -> ${join(out, "report.html")}\n`,
      ),
    ).toBe(true);
  });

  it("writes nothing when the stored summary is damaged", async () => {
    const sweepId = sweepIdOf(specText("cloud-one"));
    await s3.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: keys.report(sweepId, "summary.json"),
        Body: JSON.stringify({ format: "dropsweep.summary/1", sweepId, cells: {} }),
      }),
    );
    const out = join(dir, "damaged");
    const run = await cli("cloud", "fetch", sweepId, "--out", out, ...viaStack());
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^dropsweep: cloud: .*cells\.total: missing \(expected a number\).*; nothing was written\n$/);
    expect(existsSync(out)).toBe(false);
  });

  it("takes the resources from flags too, and exits 3 on a regression", async () => {
    // A server of its own: moto executes one state machine run per server (moto.ts).
    const fail = {
      StartAt: "Regression",
      States: { Regression: { Type: "Fail", Error: regressionError, Cause: "regressions against the baseline" } },
    };
    await withOwnMoto("SweepRegressing", fail, async ({ sfn: otherSfn, arn, flags }) => {
      const text = specText("cloud-regressing", "[7]");
      const start = await cli("cloud", "start", specFile("regressing", text), "--baseline", "baselines/paper.json", ...flags);
      expect(start.code).toBe(0);
      const execution = await otherSfn.send(new DescribeExecutionCommand({ executionArn: executionArn(arn, sweepIdOf(text)) }));
      expect(JSON.parse(execution.input!)).toEqual({ specKey: keys.spec(sweepIdOf(text)), baselineKey: "baselines/paper.json" });
      const status = await cli("cloud", "status", sweepIdOf(text), "--watch", "--interval", "0.2", ...flags);
      expect(status.stdout).toContain(`error ${regressionError}`);
      expect(status.code).toBe(3);
      // No report was written: fetch says so and fails.
      const fetch = await cli("cloud", "fetch", sweepIdOf(text), "--out", join(dir, "none"), ...flags);
      expect(fetch.code).toBe(1);
      expect(fetch.stdout).toMatch(/no report/);
      expect(existsSync(join(dir, "none"))).toBe(false);
    });
  });

  it("refuses an execution output that is not Aggregate's result: one line naming each field, exit 2, fetch writes nothing", async () => {
    // A server of its own (moto executes one run per server): a stack whose Aggregate returns a
    // claim this dropsweep does not know and no summaryKey (another version's, or not ours).
    const { summaryKey: _, ...foreign } = {
      ...aggregateResult,
      claims: [
        { id: "1", status: "pass" },
        { id: "99", status: "pass" },
      ],
    };
    const pass = { StartAt: "Aggregate", States: { Aggregate: { Type: "Pass", Result: foreign, End: true } } };
    await withOwnMoto("SweepForeign", pass, async ({ s3: otherS3, flags }) => {
      const text = specText("cloud-foreign", "[5]");
      const sweepId = sweepIdOf(text);
      expect((await cli("cloud", "start", specFile("foreign", text), ...flags)).code).toBe(0);

      const status = await cli("cloud", "status", sweepId, "--watch", "--interval", "0.2", ...flags);
      expect(status.stdout).toMatch(/SUCCEEDED, started/);
      expect(status.code).toBe(2);
      const lines = status.stderr.split("\n").filter(Boolean);
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(/^dropsweep: cloud: the output of execution arn:aws:states:.* is not Aggregate's result/);
      expect(lines[0]).toContain("summaryKey: missing (expected a string)");
      expect(lines[0]).toContain('claims[1].id: expected one of "1", "2", "3", "4", "5", "6", "7", got "99"');
      // Nothing of the unreadable output is printed as if it were the verdict.
      expect(status.stdout).not.toMatch(/^(cells|claims):/m);

      // A report that would download fine: the output is refused before anything is written.
      const summary = { ...fixtureSweep().summary, sweepId };
      await otherS3.send(
        new PutObjectCommand({ Bucket: bucket, Key: keys.report(sweepId, "summary.json"), Body: JSON.stringify(summary) }),
      );
      const out = join(dir, "foreign");
      const fetch = await cli("cloud", "fetch", sweepId, "--out", out, ...flags);
      expect(fetch.code).toBe(2);
      expect(fetch.stderr).toMatch(/^dropsweep: cloud: the output of execution .*got "99".*; nothing was written\n$/);
      expect(existsSync(out)).toBe(false);
    });
  });

  describe("while a sweep runs (moto's plain backend: executions stay RUNNING)", () => {
    let heldArn: string;
    const held = () => ["--bucket", bucket, "--state-machine", heldArn, "--region", region, "--endpoint", moto.endpoint];
    const text = specText("cloud-two", "[3, 4]");
    beforeAll(async () => {
      await executeStateMachines(moto.endpoint, false);
      const wait = { StartAt: "Wait", States: { Wait: { Type: "Wait", Seconds: 3600, End: true } } };
      heldArn = (await sfn.send(new CreateStateMachineCommand({ name: "SweepHeld", definition: JSON.stringify(wait), roleArn })))
        .stateMachineArn!;
      expect((await cli("cloud", "start", specFile("two", text), ...held())).code).toBe(0);
    });

    it("refuses to start the same sweep twice, and says how to follow it or start it again", async () => {
      const run = await cli("cloud", "start", join(dir, "two.yaml"), ...held());
      expect(run.code).toBe(2);
      expect(run.stderr).toMatch(/refused: sweep [0-9a-f]{64} was already started as execution arn:aws:states:.*\(RUNNING, started/);
      expect(run.stderr).toContain("--attempt 2");
      expect(await executions(heldArn)).toHaveLength(1);
      // On purpose: a second attempt is a second execution.
      const again = await cli("cloud", "start", join(dir, "two.yaml"), "--attempt", "2", ...held());
      expect(again.code).toBe(0);
      expect((await executions(heldArn)).map((e) => e.name).sort()).toEqual([sweepIdOf(text), `${sweepIdOf(text)}-2`]);
    });

    it("reports a running sweep (exit 0) and fetches nothing until it ends", async () => {
      const status = await cli("cloud", "status", join(dir, "two.yaml"), ...held());
      expect(status.code).toBe(0);
      expect(status.stdout).toMatch(/RUNNING, started/);
      const fetch = await cli("cloud", "fetch", sweepIdOf(text), "--out", join(dir, "early"), ...held());
      expect(fetch.code).toBe(1);
      expect(fetch.stdout).toMatch(/still running.*--wait/);
      expect(existsSync(join(dir, "early"))).toBe(false);
    });
  });

  it("names an unknown stack, a sweep never started, and bad flags", async () => {
    const unknown = await cli(
      "cloud",
      "status",
      sweepIdOf(specText("cloud-one")),
      "--stack",
      "nope",
      "--region",
      region,
      "--endpoint",
      moto.endpoint,
    );
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/no stack "nope"/);
    const never = await cli("cloud", "status", sweepIdOf(specText("never")), ...viaStack());
    expect(never.code).toBe(2);
    expect(never.stderr).toMatch(/no execution .*start the sweep/);
    const flags = await cli("cloud", "start", join(dir, "one.yaml"), "--bucket", bucket, "--attempt", "0");
    expect(flags.code).toBe(2);
    expect(flags.stderr).toMatch(/--bucket NAME and --state-machine ARN/);
    expect(flags.stderr).toMatch(/--attempt must be an integer/);
  });
});
