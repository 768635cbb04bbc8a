// The synthesized stack: resources, their safety settings, and the state machine's definition
// (rendered from the template's Fn::Join, so the Distributed Map fields are read as AWS reads them).
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Match, Template } from "aws-cdk-lib/assertions";
import { beforeAll, describe, expect, it } from "vitest";
import { renderStateMachine, type AslDefinition, type AslState } from "../../infra/local/render.js";
import { handlerMetadataKey } from "../../infra/sweepFunction.js";
import { resolveSweepMapSettings, sweepMapSettingsProblems, defaultSweepMapSettings } from "../../infra/sweepSettings.js";
import { lambdaTransientErrors, regressionError, stateNames } from "../../infra/sweepStateMachine.js";
import { synthStack, type CfnTemplate } from "../../infra/synth.js";
import { localStateMachine } from "../../infra/local/index.js";
import { handlerMetrics } from "../../shared/pipeline/contract.js";
import { outputNames, projectRoot, type DropsweepStack } from "../../infra/stack.js";
import { defaultStackConfig, measuredWorker } from "../../infra/stackConfig.js";
import { UsageError } from "../../shared/errors.js";
import { fixtureHandlers } from "./fixtures/handlerEntries.js";

const settings = {
  maxItemsPerBatch: 5,
  maxConcurrency: 37,
  toleratedFailurePercentage: 12,
  workerTimeoutSeconds: 600,
  stepTimeoutSeconds: 120,
  resultPrefix: "runs/map",
};

let template: CfnTemplate;
let assertions: Template;
let definition: AslDefinition;

function resourcesOfType(type: string): [string, CfnTemplate["Resources"][string]][] {
  return Object.entries(template.Resources).filter(([, r]) => r.Type === type);
}

/** Every statement of every AWS::IAM::Policy attached to `roleId`. */
function policyStatementsOf(roleId: string, from: CfnTemplate = template): any[] {
  return Object.values(from.Resources)
    .filter((r) => r.Type === "AWS::IAM::Policy" && (r.Properties as any).Roles.some((x: any) => x.Ref === roleId))
    .flatMap((r) => (r.Properties as any).PolicyDocument.Statement);
}

beforeAll(() => {
  ({ template } = synthStack({ props: { settings, handlers: fixtureHandlers } }));
  assertions = Template.fromJSON(template);
  definition = renderStateMachine(template).definition;
});

describe("resources", () => {
  it("has one bucket, four functions, one topic and one state machine", () => {
    assertions.resourceCountIs("AWS::S3::Bucket", 1);
    assertions.resourceCountIs("AWS::Lambda::Function", 4);
    assertions.resourceCountIs("AWS::SNS::Topic", 1);
    assertions.resourceCountIs("AWS::StepFunctions::StateMachine", 1);
  });

  it("locks the bucket down: no public access, encryption, versioning, TLS only, kept on delete", () => {
    assertions.hasResource("AWS::S3::Bucket", {
      DeletionPolicy: "Retain",
      Properties: Match.objectLike({
        PublicAccessBlockConfiguration: {
          BlockPublicAcls: true,
          BlockPublicPolicy: true,
          IgnorePublicAcls: true,
          RestrictPublicBuckets: true,
        },
        BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: "AES256" } }] },
        VersioningConfiguration: { Status: "Enabled" },
        LifecycleConfiguration: {
          Rules: Match.arrayWith([
            Match.objectLike({ Prefix: "runs/map/", ExpirationInDays: 30 }),
            Match.objectLike({ Prefix: "definitions/", ExpirationInDays: 90 }),
            Match.objectLike({ Prefix: "partials/", ExpirationInDays: 30 }),
          ]),
        },
      }),
    });
    assertions.hasResourceProperties("AWS::S3::BucketPolicy", {
      PolicyDocument: {
        Statement: Match.arrayWith([Match.objectLike({ Effect: "Deny", Condition: { Bool: { "aws:SecureTransport": "false" } } })]),
      },
    });
  });

  it("runs every handler on arm64 Node 22 with the wasm directory, the store URL and tracing", () => {
    const functions = resourcesOfType("AWS::Lambda::Function");
    expect(functions).toHaveLength(4);
    for (const [, fn] of functions) {
      const p = fn.Properties as Record<string, any>;
      expect(p.Runtime).toBe("nodejs22.x");
      expect(p.Architectures).toEqual(["arm64"]);
      expect(p.Handler).toBe("index.handler");
      expect(p.TracingConfig).toEqual({ Mode: "Active" });
      expect(p.Environment.Variables.DROPSWEEP_WASM_DIR).toBe("/var/task/wasm");
      expect(p.Environment.Variables.NODE_OPTIONS).toBe("--enable-source-maps");
      expect(p.Environment.Variables.DROPSWEEP_STORE).toEqual({ "Fn::Join": ["", ["s3://", { Ref: expect.stringMatching(/^Store/) }]] });
    }
    const handlers = functions.map(([, fn]) => fn.Metadata?.[handlerMetadataKey]).sort();
    expect(handlers).toEqual(Object.values(fixtureHandlers).sort());
    const worker = functions.find(([, fn]) => fn.Metadata?.[handlerMetadataKey] === fixtureHandlers.worker)!;
    expect(worker[1].Properties!.Timeout).toBe(600);
  });

  it("encrypts the regression topic and refuses plain HTTP to it", () => {
    assertions.hasResourceProperties("AWS::SNS::Topic", { KmsMasterKeyId: Match.anyValue() });
    assertions.hasResourceProperties("AWS::SNS::TopicPolicy", {
      PolicyDocument: {
        Statement: Match.arrayWith([Match.objectLike({ Effect: "Deny", Condition: { Bool: { "aws:SecureTransport": "false" } } })]),
      },
    });
  });

  it("traces and logs the state machine", () => {
    assertions.hasResourceProperties("AWS::StepFunctions::StateMachine", {
      TracingConfiguration: { Enabled: true },
      LoggingConfiguration: Match.objectLike({ Level: "ALL", IncludeExecutionData: false }),
    });
  });

  it("gives each function its own role: its log group, X-Ray, and read/put on its store keys only", () => {
    const functions = resourcesOfType("AWS::Lambda::Function");
    for (const [, fn] of functions) {
      const role = (fn.Properties as any).Role["Fn::GetAtt"][0] as string;
      // No managed policies (AWSLambdaBasicExecutionRole would allow logs on every group).
      expect((template.Resources[role]!.Properties as any).ManagedPolicyArns).toBeUndefined();
      const statements = policyStatementsOf(role);
      const actions = statements.flatMap((s: any) => [s.Action].flat());
      expect(actions).toContain("s3:PutObject");
      expect(actions).toContain("s3:GetObject");
      expect(actions).toContain("logs:PutLogEvents");
      expect(actions.filter((a: string) => a.startsWith("s3:")).sort()).toEqual(["s3:GetObject", "s3:ListBucket", "s3:PutObject"]);
    }
  });
});

describe("state machine definition", () => {
  const state = (name: string) => definition.States[name] as AslState & Record<string, any>;

  it("chains Plan -> pending? -> Cells -> Slices -> Aggregate -> regression check", () => {
    expect(definition.StartAt).toBe(stateNames.plan);
    expect(state(stateNames.plan).Next).toBe(stateNames.anythingPending);
    expect(state(stateNames.anythingPending).Choices).toEqual([{ Variable: "$.pending", NumericGreaterThan: 0, Next: stateNames.cells }]);
    // Everything cached: no Worker, but the slices are reduced all the same.
    expect(state(stateNames.anythingPending).Default).toBe(stateNames.slices);
    expect(state(stateNames.cells).Next).toBe(stateNames.slices);
    expect(state(stateNames.slices).Next).toBe(stateNames.aggregate);
    expect(state(stateNames.aggregate).Next).toBe(stateNames.regressionCheck);
    expect(state(stateNames.regressionCheck).Choices).toEqual([
      { Variable: "$.regressions", NumericGreaterThan: 0, Next: stateNames.notify },
    ]);
    expect(state(stateNames.regressionCheck).Default).toBe(stateNames.done);
    expect(state(stateNames.notify).Resource).toBe("arn:aws:states:::sns:publish");
    expect(state(stateNames.notify).Next).toBe(stateNames.regression);
    expect(state(stateNames.regression)).toMatchObject({ Type: "Fail", Error: regressionError });
    expect(state(stateNames.done).Type).toBe("Succeed");
  });

  it("reads the manifest from Plan's result, batches with the sweep id and bounds the map run", () => {
    const cells = state(stateNames.cells);
    expect(cells.Type).toBe("Map");
    expect(cells.ItemProcessor.ProcessorConfig).toEqual({ Mode: "DISTRIBUTED", ExecutionType: "STANDARD" });
    expect(cells.ItemReader).toEqual({
      Resource: "arn:aws:states:::s3:getObject",
      ReaderConfig: { InputType: "JSONL" },
      Parameters: { "Bucket.$": "$.manifest.bucket", "Key.$": "$.manifest.key" },
    });
    expect(cells.ItemBatcher).toEqual({ MaxItemsPerBatch: settings.maxItemsPerBatch, BatchInput: { "sweepId.$": "$.sweepId" } });
    expect(cells.MaxConcurrency).toBe(settings.maxConcurrency);
    expect(cells.ToleratedFailurePercentage).toBe(settings.toleratedFailurePercentage);
    expect(cells.ResultPath).toBe("$.mapResult");
  });

  it("reduces one slice per child: items read from Plan's slices, not batched, bounded like the cells", () => {
    const slices = state(stateNames.slices);
    expect(slices.Type).toBe("Map");
    expect(slices.ItemProcessor.ProcessorConfig).toEqual({ Mode: "DISTRIBUTED", ExecutionType: "STANDARD" });
    expect(slices.ItemReader).toEqual({
      Resource: "arn:aws:states:::s3:getObject",
      ReaderConfig: { InputType: "JSONL" },
      Parameters: { "Bucket.$": "$.slices.bucket", "Key.$": "$.slices.key" },
    });
    // The item (a line of slices.jsonl) is the Reduce event as it is.
    expect(slices.ItemBatcher).toBeUndefined();
    expect(slices.ItemSelector).toBeUndefined();
    expect(Object.keys(slices.ItemProcessor.States)).toEqual([stateNames.reduce]);
    expect(slices.MaxConcurrency).toBe(settings.maxConcurrency);
    // No failure tolerated: a slice without its partial would be rebuilt by Aggregate at the cost the map avoids.
    expect(slices.ToleratedFailurePercentage).toBeUndefined();
    expect(slices.ResultPath).toBe("$.reduceResult");
  });

  it("writes both maps' results with ResultWriterV2 (WriterConfig) under the configured prefix", () => {
    for (const map of [stateNames.cells, stateNames.slices]) {
      const writer = state(map).ResultWriter;
      expect(writer.Resource).toBe("arn:aws:states:::s3:putObject");
      expect(writer.Parameters).toEqual({ Bucket: expect.stringMatching(/^store/), Prefix: settings.resultPrefix });
      expect(writer.WriterConfig).toEqual({ OutputType: "JSONL", Transformation: "COMPACT" });
    }
  });

  it("invokes every function with payloadResponseOnly, explicit timeouts and jittered retries of Lambda service errors", () => {
    const worker = state(stateNames.cells).ItemProcessor.States[stateNames.worker];
    const reduce = state(stateNames.slices).ItemProcessor.States[stateNames.reduce];
    const tasks = {
      [stateNames.plan]: state(stateNames.plan),
      [stateNames.worker]: worker,
      [stateNames.reduce]: reduce,
      [stateNames.aggregate]: state(stateNames.aggregate),
    };
    const timeouts: Record<string, number> = {
      [stateNames.plan]: 120,
      [stateNames.worker]: 600,
      [stateNames.reduce]: 120,
      [stateNames.aggregate]: 120,
    };
    for (const [name, task] of Object.entries(tasks)) {
      expect(task.Resource, name).toMatch(/^arn:aws:lambda:local:000000000000:function:/);
      // payloadResponseOnly: no Parameters, the whole state input is the event.
      expect(task.Parameters, name).toBeUndefined();
      expect(task.TimeoutSeconds, name).toBe(timeouts[name]);
      expect(task.Retry, name).toEqual([
        // A batch the Worker stopped between cells to stay within its time limit: at once, as
        // often as a batch has cells (shared/pipeline/budget.ts).
        ...(name === stateNames.worker
          ? [{ ErrorEquals: ["Dropsweep.BatchIncomplete"], IntervalSeconds: 1, MaxAttempts: settings.maxItemsPerBatch, BackoffRate: 1 }]
          : []),
        {
          ErrorEquals: lambdaTransientErrors,
          IntervalSeconds: 2,
          MaxAttempts: 6,
          BackoffRate: 2,
          MaxDelaySeconds: 60,
          JitterStrategy: "FULL",
        },
        // The Worker and Reduce are idempotent: anything but a malformed event is retried (test/hardening).
        ...(name === stateNames.worker || name === stateNames.reduce
          ? [
              { ErrorEquals: ["MalformedEvent"], MaxAttempts: 0 },
              {
                ErrorEquals: ["States.ALL"],
                IntervalSeconds: 1,
                MaxAttempts: 4,
                BackoffRate: 2,
                MaxDelaySeconds: 30,
                JitterStrategy: "FULL",
              },
            ]
          : []),
      ]);
    }
    expect(lambdaTransientErrors).toContain("Lambda.TooManyRequestsException");
  });
});

describe("settings", () => {
  it("accepts the defaults", () => {
    expect(sweepMapSettingsProblems(defaultSweepMapSettings)).toEqual([]);
  });

  it("names every bad setting at once", () => {
    const bad = {
      maxItemsPerBatch: 0,
      maxConcurrency: -1,
      toleratedFailurePercentage: 101,
      workerTimeoutSeconds: 901,
      stepTimeoutSeconds: 1.5,
      resultPrefix: "/abs/",
    };
    const problems = sweepMapSettingsProblems({ ...defaultSweepMapSettings, ...bad });
    expect(problems).toHaveLength(Object.keys(bad).length);
    for (const field of Object.keys(bad)) expect(problems.some((p) => p.startsWith(field))).toBe(true);
    expect(() => resolveSweepMapSettings(bad)).toThrow(UsageError);
  });
});

// The deployable stack as `cdk synth` builds it (real handlers, cdk.json's context, the schedule
// on), with the smoke sweep as the scheduled spec so the test does not depend on paper.yaml.
describe("the deployable stack", () => {
  let deployed: CfnTemplate;
  let stack: DropsweepStack;
  const statementsOfRole = (prefix: string) => {
    const [roleId] = Object.entries(deployed.Resources).find(([id, r]) => r.Type === "AWS::IAM::Role" && id.startsWith(prefix))!;
    return policyStatementsOf(roleId, deployed);
  };
  const objectPatterns = (statements: any[], action: string) =>
    statements
      .filter((s) => [s.Action].flat().includes(action))
      .flatMap((s) => [s.Resource].flat())
      .map((r: any) => {
        // { "Fn::Join": ["", [{ "Fn::GetAtt": [bucket, "Arn"] }, "/pattern"]] } -> "pattern"
        const parts = r["Fn::Join"]?.[1];
        expect(parts?.[0]?.["Fn::GetAtt"]?.[0], JSON.stringify(r)).toMatch(/^Store/);
        return (parts[1] as string).slice(1);
      })
      .sort();

  beforeAll(() => {
    ({ template: deployed, stack } = synthStack({
      schedule: true,
      context: { "dropsweep:scheduledSpec": "sweeps/smoke.yaml", "dropsweep:alarmEmail": "ops@example.com" },
    }));
  });

  it("grants no action with a wildcard, to any role", () => {
    const policies = Object.values(deployed.Resources).filter((r) => r.Type === "AWS::IAM::Policy" || r.Type === "AWS::IAM::Role");
    const documents = policies
      .flatMap((r) => [(r.Properties as any).PolicyDocument, ...((r.Properties as any).Policies ?? []).map((p: any) => p.PolicyDocument)])
      .filter(Boolean);
    const actions = documents.flatMap((d: any) => d.Statement.flatMap((s: any) => [s.Action].flat()));
    expect(actions.length).toBeGreaterThan(10);
    for (const action of actions) expect(action, action).not.toMatch(/\*/);
  });

  it("lets the Worker read only cell definitions and results, and write only results, timings and errors", () => {
    const worker = statementsOfRole("WorkerRole");
    expect(objectPatterns(worker, "s3:GetObject")).toEqual(["cells/*/result.json", "definitions/*.jsonl"]);
    expect(objectPatterns(worker, "s3:PutObject")).toEqual(["cells/*/error.json", "cells/*/result.json", "cells/*/timings.json"]);
    // ListBucket (404 rather than 403 for a result not computed yet) is on the bucket, not its objects.
    const list = worker.filter((s) => [s.Action].flat().includes("s3:ListBucket"));
    expect(list.map((s) => s.Resource)).toEqual([{ "Fn::GetAtt": [expect.stringMatching(/^Store/), "Arn"] }]);
    expect(
      worker
        .flatMap((s) => [s.Action].flat())
        .filter((a: string) => a.startsWith("s3:"))
        .sort(),
    ).toEqual(["s3:GetObject", "s3:ListBucket", "s3:PutObject"]);
  });

  it("lets Plan write the sweep's files and cells, Reduce only partials, and Aggregate only the report", () => {
    expect(objectPatterns(statementsOfRole("PlanRole"), "s3:PutObject")).toEqual([
      "definitions/*.jsonl",
      "sweeps/*/cells.jsonl",
      "sweeps/*/manifest.jsonl",
      "sweeps/*/resolved.json",
      "sweeps/*/rows.jsonl",
      "sweeps/*/slices.jsonl",
      "sweeps/*/spec.yaml",
    ]);
    expect(objectPatterns(statementsOfRole("ReduceRole"), "s3:GetObject")).toEqual([
      "cells/*/error.json",
      "cells/*/result.json",
      "sweeps/*/rows.jsonl",
    ]);
    expect(objectPatterns(statementsOfRole("ReduceRole"), "s3:PutObject")).toEqual(["partials/*/*.jsonl"]);
    expect(objectPatterns(statementsOfRole("AggregateRole"), "s3:GetObject")).toEqual(
      expect.arrayContaining(["partials/*/*.jsonl", "sweeps/*/slices.jsonl", "cells/*/result.json"]),
    );
    // Plan reads the spec and stored results; it never reads definitions back (it rewrites bundles whole).
    expect(objectPatterns(statementsOfRole("PlanRole"), "s3:GetObject")).toEqual(["cells/*/result.json", "sweeps/*/spec.yaml"]);
    expect(objectPatterns(statementsOfRole("AggregateRole"), "s3:PutObject")).toEqual(["sweeps/*/report/*"]);
    expect(objectPatterns(statementsOfRole("AggregateRole"), "s3:GetObject")).toContain("baselines/*");
  });

  it("lets the state machine start only its own map runs, follow or stop only its own executions, and redrive its map runs", () => {
    const statements = statementsOfRole("SweepRole");
    const byAction = (action: string) => statements.filter((s) => [s.Action].flat().includes(action)).map((s) => s.Resource);
    const machineId = Object.entries(deployed.Resources).find(([, r]) => r.Type === "AWS::StepFunctions::StateMachine")![0];
    expect(byAction("states:StartExecution")).toEqual([{ Ref: machineId }]);
    const own = {
      "Fn::Join": [
        "",
        [
          "arn:",
          { Ref: "AWS::Partition" },
          ":states:",
          { Ref: "AWS::Region" },
          ":",
          { Ref: "AWS::AccountId" },
          ":execution:",
          { "Fn::GetAtt": [machineId, "Name"] },
          ":*",
        ],
      ],
    };
    expect(byAction("states:DescribeExecution")).toEqual([own]);
    expect(byAction("states:StopExecution")).toEqual([own]);
    // Redrive (a failed execution redriven from the console redrives its map run): the map
    // run's children, execution:<machine>/<label>:<id>, as CDK grants a Distributed Map.
    expect(byAction("states:RedriveExecution")).toEqual([
      {
        "Fn::Join": [
          "",
          [
            "arn:",
            { Ref: "AWS::Partition" },
            ":states:",
            { Ref: "AWS::Region" },
            ":",
            { Ref: "AWS::AccountId" },
            ":execution:",
            { "Fn::GetAtt": [machineId, "Name"] },
            "/*:*",
          ],
        ],
      },
    ]);
    // Every states: action is one of those four.
    const states = statements.flatMap((s) => [s.Action].flat()).filter((a: string) => a.startsWith("states:"));
    expect(new Set(states)).toEqual(
      new Set(["states:StartExecution", "states:DescribeExecution", "states:StopExecution", "states:RedriveExecution"]),
    );
    // Lambda: the four functions by ARN, no versions or aliases.
    expect(byAction("lambda:InvokeFunction").flat()).toHaveLength(4);
    expect(objectPatterns(statements, "s3:GetObject")).toEqual(["map-runs/*", "sweeps/*/manifest.jsonl", "sweeps/*/slices.jsonl"]);
    expect(objectPatterns(statements, "s3:PutObject")).toEqual(["map-runs/*"]);
    // The machine is created after the policy it needs for log delivery.
    const [, machine] = Object.entries(deployed.Resources).find(([, r]) => r.Type === "AWS::StepFunctions::StateMachine")! as any;
    expect(machine.DependsOn.some((d: string) => d.startsWith("SweepPolicy"))).toBe(true);
  });

  it("runs the Worker with the measured memory and timeout and ships the tfjs binary with it", () => {
    const worker = Object.values(deployed.Resources).find(
      (r) => r.Type === "AWS::Lambda::Function" && r.Metadata?.[handlerMetadataKey] === "functions/worker.ts",
    )!;
    const p = worker.Properties as any;
    expect(p.MemorySize).toBe(measuredWorker.memoryMb);
    expect(p.Timeout).toBe(measuredWorker.timeoutSeconds);
    expect(p.Environment.Variables.DROPSWEEP_TFJS_WASM_DIR).toBe("/var/task/tfjs");
  });

  it("starts the reproduction sweep weekly against the baseline, after uploading its spec", () => {
    const [, schedule] = Object.entries(deployed.Resources).find(([, r]) => r.Type === "AWS::Scheduler::Schedule")! as any;
    expect(schedule.Properties.ScheduleExpression).toBe(defaultStackConfig.schedule);
    const input = JSON.parse(schedule.Properties.Target.Input);
    expect(input).toEqual(stack.scheduledRun);
    expect(input.specKey).toMatch(/^sweeps\/[0-9a-f]{64}\/spec\.yaml$/);
    expect(input.baselineKey).toBe(defaultStackConfig.baselineKey);
    // The upload puts exactly the smoke spec's text at that key, and may put nothing else.
    const [uploadId, upload] = Object.entries(deployed.Resources).find(([, r]) => r.Type === "Custom::AWS")! as any;
    const create = JSON.parse(JSON.stringify(upload.Properties.Create ?? upload.Properties.Update));
    expect(JSON.stringify(create)).toContain(
      readFileSync(join(projectRoot, "sweeps/smoke.yaml"), "utf8").split("\n")[0]!.replace(/"/g, '\\"'),
    );
    expect(schedule.DependsOn).toContain(uploadId);
    const uploadStatements = Object.values(deployed.Resources)
      .filter((r) => r.Type === "AWS::IAM::Policy" && JSON.stringify(r.Properties).includes(input.specKey))
      .flatMap((r) => (r.Properties as any).PolicyDocument.Statement);
    expect(uploadStatements.map((s) => s.Action)).toEqual(["s3:PutObject"]);
    // The scheduler's role may start this machine and nothing else.
    const [schedulerRoleId] = Object.entries(deployed.Resources).find(
      ([, r]) => r.Type === "AWS::IAM::Role" && JSON.stringify(r.Properties).includes("scheduler.amazonaws.com"),
    )!;
    const schedulerActions = policyStatementsOf(schedulerRoleId, deployed).flatMap((s) => [s.Action].flat());
    expect(schedulerActions).toEqual(["states:StartExecution"]);
  });

  it("alarms on failed and timed-out executions and on failing claims through the encrypted topic, and subscribes the alarm e-mail", () => {
    const alarms = Object.values(deployed.Resources)
      .filter((r) => r.Type === "AWS::CloudWatch::Alarm")
      .map((r) => r.Properties as any);
    expect(alarms.map((a) => a.MetricName).sort()).toEqual(["ClaimsFailing", "ExecutionsFailed", "ExecutionsTimedOut"]);
    // The claims alarm watches what the Aggregate handler publishes, under Powertools' namespace
    // and service dimension (functions/runtime.ts), at the first failing claim.
    const claimsAlarm = alarms.find((a) => a.MetricName === "ClaimsFailing");
    expect(claimsAlarm).toMatchObject({
      Namespace: handlerMetrics.namespace,
      Dimensions: [{ Name: "service", Value: handlerMetrics.service }],
      Threshold: 1,
      ComparisonOperator: "GreaterThanOrEqualToThreshold",
    });
    for (const alarm of alarms) expect(alarm.AlarmActions).toEqual([{ Ref: expect.stringMatching(/^Regressions/) }]);
    const deployedAssertions = Template.fromJSON(deployed);
    deployedAssertions.hasResourceProperties("AWS::KMS::Key", { EnableKeyRotation: true });
    deployedAssertions.hasResourceProperties("AWS::SNS::Subscription", { Protocol: "email", Endpoint: "ops@example.com" });
  });

  it("lets CloudWatch publish these alarms, of this account only, to the topic whose policy replaces SNS's default", () => {
    const policies = Object.values(deployed.Resources)
      .filter((r) => r.Type === "AWS::SNS::TopicPolicy")
      .map((r) => r.Properties as any);
    expect(policies).toHaveLength(1);
    const topicId = Object.entries(deployed.Resources).find(([, r]) => r.Type === "AWS::SNS::Topic")![0];
    expect(policies[0].Topics).toEqual([{ Ref: topicId }]);
    const statements = policies[0].PolicyDocument.Statement as any[];
    const allows = statements.filter((s) => s.Effect === "Allow");
    expect(allows).toHaveLength(1);
    const [allow] = allows;
    expect(allow.Principal).toEqual({ Service: "cloudwatch.amazonaws.com" });
    expect(allow.Action).toBe("sns:Publish");
    expect(allow.Resource).toEqual({ Ref: topicId });
    expect(allow.Condition.StringEquals).toEqual({ "aws:SourceAccount": { Ref: "AWS::AccountId" } });
    const alarmIds = Object.entries(deployed.Resources)
      .filter(([, r]) => r.Type === "AWS::CloudWatch::Alarm")
      .map(([id]) => id);
    expect(alarmIds).toHaveLength(3);
    expect(allow.Condition.ArnLike["aws:SourceArn"]).toEqual(alarmIds.map((id) => ({ "Fn::GetAtt": [id, "Arn"] })));
    // The TLS-only Deny stays, and nothing else is allowed (the state machine publishes through its role).
    expect(statements.filter((s) => s.Effect === "Deny").map((s) => s.Condition)).toEqual([{ Bool: { "aws:SecureTransport": "false" } }]);
  });

  it("warns at synth when no alarm e-mail is set, and not when one is", () => {
    // What `cdk synth` prints as warnings: the constructs' aws:cdk:warning metadata.
    const warnings = (s: DropsweepStack) =>
      s.node
        .findAll()
        .flatMap((c) => c.node.metadata.filter((m) => m.type === "aws:cdk:warning").map((m) => String(m.data)))
        .filter((w) => w.includes("alarmEmail"));
    expect(warnings(stack)).toEqual([]);
    const { stack: silent } = synthStack({ context: { "dropsweep:alarmEmail": "" } });
    const [warning] = warnings(silent);
    expect(warning).toMatch(/nobody is subscribed to the regression topic/);
    expect(warning).toMatch(/-c dropsweep:alarmEmail=/);
    expect(warning).toMatch(/docs\/CLOUD\.md/);
  });

  it("outputs the bucket and the state machine", () => {
    const outputs = deployed.Outputs as Record<string, { Value: unknown }>;
    expect(outputs[outputNames.bucket]!.Value).toEqual({ Ref: expect.stringMatching(/^Store/) });
    expect(outputs[outputNames.stateMachine]!.Value).toEqual({ Ref: expect.stringMatching(/^Sweep/) });
    expect(outputs[outputNames.scheduledSpecKey]!.Value).toBe(stack.scheduledRun!.specKey);
  });

  it("holds the very state machine the local runner executes", () => {
    // The schedule, alarms and context change nothing in the definition `dropsweep run` runs.
    expect(renderStateMachine(deployed).definition).toEqual(localStateMachine().machine.definition);
  });
});
