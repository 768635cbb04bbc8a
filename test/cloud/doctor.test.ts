// `dropsweep cloud doctor` against moto_server: stacks made with CloudFormation (the outputs,
// the Worker function with or without a reservation, the state machine's Distributed Map, the
// alarm topic and its subscriptions, the bucket and the baseline in it) and the CDK bootstrap
// parameter in SSM. moto has no
// Lambda GetAccountSettings, so the CLI's endpoint is a loopback proxy that answers that one
// call as a test sets it (a new account's 10, a grown one's 1000, or AccessDenied) and passes
// every other request to moto unchanged.
import { createServer, request, type Server } from "node:http";
import { CloudFormationClient, CreateStackCommand } from "@aws-sdk/client-cloudformation";
import { PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { DeleteParameterCommand, PutParameterCommand, SSMClient } from "@aws-sdk/client-ssm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bootstrapRequirement, distributedMaps } from "../../cli/commands/cloud/doctor.js";
import { outputNames } from "../../infra/names.js";
import { synthStack } from "../../infra/synth.js";
import { cli } from "../hardening/helpers.js";
import { fixtureSweep } from "../report/fixtures.js";
import { executeStateMachines, motoAvailable, startMoto, type Moto } from "./moto.js";

const available = motoAvailable();
const region = "us-east-1";
const bootstrapParameter = "/cdk-bootstrap/hnb659fds/version";

/** What GetAccountSettings answers: the account's limits, or a refusal. */
let account: { limit: number; unreserved: number } | "denied" = { limit: 1000, unreserved: 1000 };

let moto: Moto;
let proxy: Server;
let endpoint: string;
const saved = { ...process.env };

function startProxy(upstream: string): Promise<Server> {
  const server = createServer((req, res) => {
    if (req.method === "GET" && /^\/2016-08-19\/account-settings\/?$/.test(req.url!.split("?")[0]!)) {
      req.resume();
      if (account === "denied") {
        res.writeHead(403, { "content-type": "application/json", "x-amzn-errortype": "AccessDeniedException" });
        res.end(
          JSON.stringify({ Message: "User: arn:aws:iam::123456789012:user/x is not authorized to perform: lambda:GetAccountSettings" }),
        );
        return;
      }
      res.writeHead(200, { "content-type": "application/json" });
      res.end(
        JSON.stringify({
          AccountLimit: {
            ConcurrentExecutions: account.limit,
            UnreservedConcurrentExecutions: account.unreserved,
            TotalCodeSize: 80530636800,
            CodeSizeUnzipped: 262144000,
            CodeSizeZipped: 52428800,
          },
          AccountUsage: { TotalCodeSize: 0, FunctionCount: 3 },
        }),
      );
      return;
    }
    const forward = request(`${upstream}${req.url}`, { method: req.method, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode!, answer.headers);
      answer.pipe(res);
    });
    forward.on("error", (error) => res.destroy(error));
    req.pipe(forward);
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(server)));
}

interface StackShape {
  maxConcurrency?: number;
  reserved?: number;
  subscriber?: boolean;
  outputs?: boolean;
  /** The stored baseline: a summary (the default), bytes as given, or none. */
  baseline?: "summary" | string | null;
  /** Whether the stack runs the scheduled reproduction (its ScheduledSpecKey output). @default true */
  schedule?: boolean;
}

const baselineKey = "baselines/paper.json";
const bucketOf = (stack: string) => `${stack.toLowerCase()}-bucket`;

/** A stack shaped like the deployed one, in moto, made by CloudFormation as `cdk deploy` would. */
async function createStack(name: string, shape: StackShape = {}): Promise<void> {
  const definition = {
    StartAt: "Cells",
    States: {
      Cells: {
        Type: "Map",
        End: true,
        MaxConcurrency: shape.maxConcurrency ?? 200,
        ItemProcessor: {
          ProcessorConfig: { Mode: "DISTRIBUTED", ExecutionType: "STANDARD" },
          StartAt: "Worker",
          States: { Worker: { Type: "Task", Resource: "${WorkerArn}", End: true } },
        },
      },
    },
  };
  const template = {
    Resources: {
      WorkerRole: {
        Type: "AWS::IAM::Role",
        Properties: {
          AssumeRolePolicyDocument: {
            Version: "2012-10-17",
            Statement: [{ Effect: "Allow", Principal: { Service: "lambda.amazonaws.com" }, Action: "sts:AssumeRole" }],
          },
        },
      },
      Worker: {
        Type: "AWS::Lambda::Function",
        Properties: {
          Runtime: "nodejs22.x",
          Handler: "index.handler",
          Role: { "Fn::GetAtt": ["WorkerRole", "Arn"] },
          Code: { ZipFile: "exports.handler = async () => ({});" },
          ...(shape.reserved !== undefined ? { ReservedConcurrentExecutions: shape.reserved } : {}),
        },
      },
      Sweep: {
        Type: "AWS::StepFunctions::StateMachine",
        Properties: {
          RoleArn: { "Fn::GetAtt": ["WorkerRole", "Arn"] },
          DefinitionString: { "Fn::Sub": [JSON.stringify(definition), { WorkerArn: { "Fn::GetAtt": ["Worker", "Arn"] } }] },
        },
      },
      Store: { Type: "AWS::S3::Bucket", Properties: { BucketName: bucketOf(name) } },
      // (moto's CloudFormation makes no AWS::SNS::Subscription; the topic's own list it does.)
      Regressions: {
        Type: "AWS::SNS::Topic",
        Properties: shape.subscriber === false ? {} : { Subscription: [{ Protocol: "email", Endpoint: "me@example.com" }] },
      },
    },
    Outputs:
      shape.outputs === false
        ? { Other: { Value: "x" } }
        : {
            [outputNames.bucket]: { Value: { Ref: "Store" } },
            [outputNames.stateMachine]: { Value: { Ref: "Sweep" } },
            [outputNames.regressionTopic]: { Value: { Ref: "Regressions" } },
            [outputNames.baselineKey]: { Value: baselineKey },
            ...(shape.schedule === false ? {} : { [outputNames.scheduledSpecKey]: { Value: `sweeps/${"a".repeat(64)}/spec.yaml` } }),
          },
  };
  const cfn = new CloudFormationClient({ region, endpoint: moto.endpoint });
  try {
    await cfn.send(new CreateStackCommand({ StackName: name, TemplateBody: JSON.stringify(template) }));
  } finally {
    cfn.destroy();
  }
  const baseline = shape.baseline === undefined ? "summary" : shape.baseline;
  if (baseline === null || shape.outputs === false) return;
  const s3 = new S3Client({ region, endpoint: moto.endpoint, forcePathStyle: true });
  try {
    const body = baseline === "summary" ? JSON.stringify(fixtureSweep().summary) : baseline;
    await s3.send(new PutObjectCommand({ Bucket: bucketOf(name), Key: baselineKey, Body: body }));
  } finally {
    s3.destroy();
  }
}

async function setBootstrapVersion(value: string): Promise<void> {
  const ssm = new SSMClient({ region, endpoint: moto.endpoint });
  try {
    await ssm.send(new PutParameterCommand({ Name: bootstrapParameter, Value: value, Type: "String", Overwrite: true }));
  } finally {
    ssm.destroy();
  }
}

const doctor = (stack: string) => cli("cloud", "doctor", "--stack", stack, "--region", region, "--endpoint", endpoint);
/** The line of a check: "ok      <check>: ..." or "CHANGE  <check>: ...", with its "->" line. */
const checkLines = (out: string, check: string) =>
  out
    .split("\n")
    .flatMap((line, i, all) =>
      line.includes(` ${check}: `) ? [`${line}\n${all[i + 1]?.startsWith("        -> ") ? all[i + 1] : ""}`] : [],
    );

describe("cloud doctor's parsing of what it reads", () => {
  it("finds the Distributed Map's MaxConcurrency and Worker in the synthesized definition", () => {
    const { template } = synthStack({});
    const machine = Object.values(template.Resources).find((r) => r.Type === "AWS::StepFunctions::StateMachine")!;
    // The template's definition with its references replaced as CloudFormation would.
    const parts = (machine.Properties!.DefinitionString as { "Fn::Join": [string, unknown[]] })["Fn::Join"][1];
    const text = parts
      .map((p) =>
        typeof p === "string" ? p : "Fn::GetAtt" in (p as object) ? "arn:aws:lambda:us-east-1:123456789012:function:Worker" : "aws",
      )
      .join("");
    // Both maps' Lambdas count against the account's concurrency (they run one after the other).
    expect(distributedMaps(text).sort((a, b) => a.state.localeCompare(b.state))).toEqual([
      { state: "Cells", maxConcurrency: 200, worker: "arn:aws:lambda:us-east-1:123456789012:function:Worker" },
      { state: "Slices", maxConcurrency: 200, worker: "arn:aws:lambda:us-east-1:123456789012:function:Worker" },
    ]);
    expect(bootstrapRequirement(template)).toEqual({ parameter: bootstrapParameter, minimum: 6 });
  });
});

if (!available)
  describe("dropsweep cloud doctor", () => {
    it.skip("needs moto_server (an AWS API emulator) on PATH: not found here, so these tests are skipped", () => {});
  });

describe.runIf(available)("dropsweep cloud doctor against moto_server", () => {
  beforeAll(async () => {
    moto = await startMoto();
    // The plain Step Functions backend stores a definition as given (it cannot parse a Distributed Map).
    await executeStateMachines(moto.endpoint, false);
    proxy = await startProxy(moto.endpoint);
    endpoint = `http://127.0.0.1:${(proxy.address() as { port: number }).port}`;
    Object.assign(process.env, { AWS_ACCESS_KEY_ID: "testing", AWS_SECRET_ACCESS_KEY: "testing", AWS_REGION: region });
    delete process.env.AWS_PROFILE;
    await setBootstrapVersion("27");
    await createStack("Healthy");
    await createStack("Reserved", { reserved: 5 });
    await createStack("Unheard", { subscriber: false });
    await createStack("Foreign", { outputs: false });
    await createStack("Unlimited", { maxConcurrency: 0 });
    await createStack("Unbaselined", { baseline: null });
    await createStack("Unscheduled", { baseline: null, schedule: false });
    await createStack("Outdated", { baseline: JSON.stringify({ sweepId: "old", claims: [] }) });
  }, 120_000);

  afterAll(async () => {
    process.env = saved;
    await new Promise((resolve) => proxy?.close(resolve));
    await moto?.stop();
  });

  it("a ready stack: every check ok, exit 0", async () => {
    account = { limit: 1000, unreserved: 1000 };
    const result = await doctor("Healthy");
    expect(result.err).toBe("");
    expect(result.code, result.out).toBe(0);
    expect(result.out).toMatch(/^ok {6}stack: Healthy is CREATE_COMPLETE$/m);
    expect(result.out).toMatch(
      /^ok {6}outputs: BucketName healthy-bucket, StateMachineArn arn:aws:states:.*, RegressionTopicArn arn:aws:sns:/m,
    );
    expect(result.out).toMatch(
      /^ok {6}Lambda concurrency: the map "Cells" runs up to 200 Workers at once \(MaxConcurrency 200\); the account's unreserved concurrency is 1000 \(of 1000\)$/m,
    );
    expect(result.out).toMatch(/^ok {6}CDK bootstrap: bootstrap version 27; this checkout's stack needs 6 or newer$/m);
    expect(result.out).toMatch(/^ok {6}alarm topic: 1 confirmed subscription \(email me@example\.com\)$/m);
    expect(result.out).toMatch(
      /^ok {6}baseline: s3:\/\/healthy-bucket\/baselines\/paper\.json: the summary of sweep fixture-sweep \(17 cells\)$/m,
    );
    expect(result.out).toMatch(/ready: every check passed\n$/);
  });

  it("a new account's 10 concurrent executions: says so and what to change, exit 1", async () => {
    account = { limit: 10, unreserved: 10 };
    const result = await doctor("Healthy");
    expect(result.code).toBe(1);
    const [line] = checkLines(result.out, "Lambda concurrency");
    expect(line).toMatch(
      /^CHANGE {2}Lambda concurrency: the map "Cells" runs up to 200 Workers at once \(MaxConcurrency 200\), but the account's unreserved concurrency is 10 \(of 10\): batches beyond 10 are throttled/,
    );
    expect(line).toContain(
      "aws service-quotas request-service-quota-increase --service-code lambda --quota-code L-B99A9384 --desired-value 1000 --region us-east-1",
    );
    expect(line).toContain("npx cdk deploy -c dropsweep:maxConcurrency=9");
    expect(result.out).toMatch(/1 finding to act on/);
  });

  it("a Worker that reserves less than the map runs is found, whatever the account allows", async () => {
    account = { limit: 1000, unreserved: 995 };
    const result = await doctor("Reserved");
    expect(result.code).toBe(1);
    expect(checkLines(result.out, "Lambda concurrency")[0]).toMatch(
      /^CHANGE .*up to 200 Workers.*but the Worker function reserves 5 concurrent executions/,
    );
  });

  it("MaxConcurrency 0 is the service's 10,000", async () => {
    account = { limit: 1000, unreserved: 1000 };
    const result = await doctor("Unlimited");
    expect(checkLines(result.out, "Lambda concurrency")[0]).toMatch(/^CHANGE .*runs up to 10000 Workers at once \(MaxConcurrency 0\)/);
  });

  it("nobody subscribed to the alarm topic: says how to subscribe", async () => {
    account = { limit: 1000, unreserved: 1000 };
    const result = await doctor("Unheard");
    expect(result.code).toBe(1);
    const [line] = checkLines(result.out, "alarm topic");
    expect(line).toMatch(
      /^CHANGE {2}alarm topic: nobody is subscribed to arn:aws:sns:us-east-1:\d+:\S+: regression notices and failure alarms reach nobody\n {8}-> subscribe: aws sns subscribe --topic-arn arn:aws:sns:\S+ --protocol email --notification-endpoint you@example\.com --region us-east-1, then confirm the e-mail/,
    );
  });

  it("a bootstrap older than the template needs, or none: says to bootstrap", async () => {
    try {
      await setBootstrapVersion("5");
      const old = await doctor("Healthy");
      expect(old.code).toBe(1);
      expect(checkLines(old.out, "CDK bootstrap")[0]).toMatch(
        /^CHANGE {2}CDK bootstrap: bootstrap version 5 \(\/cdk-bootstrap\/hnb659fds\/version\); this checkout's stack needs 6 or newer\n {8}-> run npx cdk bootstrap aws:\/\/\d{12}\/us-east-1/,
      );
      const ssm = new SSMClient({ region, endpoint: moto.endpoint });
      await ssm.send(new DeleteParameterCommand({ Name: bootstrapParameter }));
      ssm.destroy();
      const none = await doctor("Healthy");
      expect(none.code).toBe(1);
      expect(checkLines(none.out, "CDK bootstrap")[0]).toMatch(
        /^CHANGE {2}CDK bootstrap: no \/cdk-bootstrap\/hnb659fds\/version: this account and region are not bootstrapped for the CDK\n {8}-> run npx cdk bootstrap aws:\/\/\d{12}\/us-east-1/,
      );
    } finally {
      await setBootstrapVersion("27");
    }
  });

  it("no baseline stored: says the scheduled run fails without one and how to promote one, exit 1", async () => {
    account = { limit: 1000, unreserved: 1000 };
    const result = await doctor("Unbaselined");
    expect(result.code).toBe(1);
    const [line] = checkLines(result.out, "baseline");
    expect(line).toBe(
      "CHANGE  baseline: no baseline at s3://unbaselined-bucket/baselines/paper.json (the BaselineKey output): the scheduled run compares its summary with it and fails without one; a deployment creates none, on purpose (a baseline is a reviewed run)\n" +
        "        -> run the scheduled sweep once, npx dropsweep cloud start SPEC --stack Unbaselined (SPEC: the file dropsweep:scheduledSpec names, sweeps/paper.yaml by default), wait for it and review its report, then promote its summary: npx dropsweep cloud fetch SPEC --stack Unbaselined --out DIR, then aws s3 cp DIR/summary.json s3://unbaselined-bucket/baselines/paper.json",
    );
    expect(result.out).toMatch(/1 finding to act on/);
  });

  it("no baseline and no schedule: nothing compares with it, so no finding", async () => {
    const result = await doctor("Unscheduled");
    expect(result.code, result.out).toBe(0);
    expect(checkLines(result.out, "baseline")[0]).toMatch(
      /^ok {6}baseline: no baseline at s3:\/\/unscheduled-bucket\/baselines\/paper\.json; the stack has no schedule/,
    );
  });

  it("a baseline an older dropsweep wrote: the scheduled run would fail on it; says how to regenerate it", async () => {
    const result = await doctor("Outdated");
    expect(result.code).toBe(1);
    const [line] = checkLines(result.out, "baseline");
    expect(line).toMatch(
      /^CHANGE {2}baseline: s3:\/\/outdated-bucket\/baselines\/paper\.json is not a summary this dropsweep reads, so the scheduled run fails on it: .*no format field: written by an older dropsweep/,
    );
    expect(line).toContain("-> regenerate it from the stored results (npx dropsweep report SWEEP --store s3://outdated-bucket)");
  });

  it("a stack without dropsweep's outputs: says to deploy this project's stack", async () => {
    const result = await doctor("Foreign");
    expect(result.code).toBe(1);
    expect(checkLines(result.out, "outputs")[0]).toMatch(
      /^CHANGE {2}outputs: no BucketName, StateMachineArn, RegressionTopicArn output\n {8}-> deploy this project's stack/,
    );
  });

  it("a check the credentials may not run is UNKNOWN, naming the call; the others still run; exit 1", async () => {
    account = "denied";
    try {
      const result = await doctor("Healthy");
      expect(result.code).toBe(1);
      expect(checkLines(result.out, "Lambda concurrency")[0]).toMatch(
        /^UNKNOWN Lambda concurrency: reading the account's Lambda limits \(GetAccountSettings\): access denied \(AccessDeniedException: .*lambda:GetAccountSettings/,
      );
      expect(result.out).toMatch(/^ok {6}alarm topic: /m);
    } finally {
      account = { limit: 1000, unreserved: 1000 };
    }
  });

  it("no such stack, or no --stack: bad input, exit 2, one line", async () => {
    const missing = await doctor("Nope");
    expect(missing.code).toBe(2);
    expect(missing.err).toMatch(/^dropsweep: cloud: no stack "Nope" in us-east-1/);
    const flags = await cli("cloud", "doctor", "--bucket", "b");
    expect(flags.code).toBe(2);
    expect(flags.err).toMatch(/^dropsweep: cloud doctor: unknown option --bucket; allowed: --stack, --region, --endpoint, --help \(-h\)/);
    const none = await cli("cloud", "doctor");
    expect(none.err).toMatch(/^dropsweep: cloud doctor: give --stack NAME/);
  });
});
