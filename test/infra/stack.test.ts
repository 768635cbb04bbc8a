// The synthesized stack: resources, their safety settings, and the state machine's definition
// (rendered from the template's Fn::Join, so the Distributed Map fields are read as AWS reads them).
import { Match, Template } from "aws-cdk-lib/assertions";
import { beforeAll, describe, expect, it } from "vitest";
import { renderStateMachine, type AslDefinition, type AslState } from "../../infra/local/render.js";
import { handlerMetadataKey } from "../../infra/sweepFunction.js";
import { resolveSweepMapSettings, sweepMapSettingsProblems, defaultSweepMapSettings } from "../../infra/sweepSettings.js";
import { lambdaTransientErrors, regressionError, stateNames } from "../../infra/sweepStateMachine.js";
import { synthStack, type CfnTemplate } from "../../infra/synth.js";
import { UsageError } from "../../shared/errors.js";
import { fixtureHandlers } from "./fixtures/handlerEntries.js";


const settings = { maxItemsPerBatch: 5, maxConcurrency: 37, toleratedFailurePercentage: 12, workerTimeoutSeconds: 600, stepTimeoutSeconds: 120, resultPrefix: "runs/map" };

let template: CfnTemplate;
let assertions: Template;
let definition: AslDefinition;

function resourcesOfType(type: string): [string, CfnTemplate["Resources"][string]][] {
  return Object.entries(template.Resources).filter(([, r]) => r.Type === type);
}

beforeAll(() => {
  ({ template } = synthStack({ props: { settings, handlers: fixtureHandlers } }));
  assertions = Template.fromJSON(template);
  definition = renderStateMachine(template).definition;
});

describe("resources", () => {
  it("has one bucket, three functions, one topic and one state machine", () => {
    assertions.resourceCountIs("AWS::S3::Bucket", 1);
    assertions.resourceCountIs("AWS::Lambda::Function", 3);
    assertions.resourceCountIs("AWS::SNS::Topic", 1);
    assertions.resourceCountIs("AWS::StepFunctions::StateMachine", 1);
  });

  it("locks the bucket down: no public access, encryption, versioning, TLS only, kept on delete", () => {
    assertions.hasResource("AWS::S3::Bucket", {
      DeletionPolicy: "Retain",
      Properties: Match.objectLike({
        PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
        BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: "AES256" } }] },
        VersioningConfiguration: { Status: "Enabled" },
        LifecycleConfiguration: { Rules: Match.arrayWith([Match.objectLike({ Prefix: "runs/map/", ExpirationInDays: 30 })]) },
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
    expect(functions).toHaveLength(3);
    for (const [, fn] of functions) {
      const p = fn.Properties as Record<string, any>;
      expect(p.Runtime).toBe("nodejs22.x");
      expect(p.Architectures).toEqual(["arm64"]);
      expect(p.Handler).toBe("index.handler");
      expect(p.TracingConfig).toEqual({ Mode: "Active" });
      expect(p.Environment.Variables.DROPSWEEP_WASM_DIR).toBe("/var/task/wasm");
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
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Effect: "Deny", Condition: { Bool: { "aws:SecureTransport": "false" } } })]) },
    });
  });

  it("traces and logs the state machine", () => {
    assertions.hasResourceProperties("AWS::StepFunctions::StateMachine", {
      TracingConfiguration: { Enabled: true },
      LoggingConfiguration: Match.objectLike({ Level: "ALL", IncludeExecutionData: false }),
    });
  });

  it("grants the functions read and put on the bucket, never delete", () => {
    const policies = resourcesOfType("AWS::IAM::Policy").filter(([id]) => /Function/.test(id));
    expect(policies).toHaveLength(3);
    for (const [, policy] of policies) {
      const actions = (policy.Properties as any).PolicyDocument.Statement.flatMap((s: any) => [s.Action].flat());
      expect(actions).toContain("s3:PutObject");
      expect(actions.some((a: string) => a.startsWith("s3:GetObject"))).toBe(true);
      expect(actions.some((a: string) => a.startsWith("s3:Delete"))).toBe(false);
    }
  });

  it("lets the state machine invoke the three functions, publish to the topic and read the manifest bucket", () => {
    const statements = resourcesOfType("AWS::IAM::Policy")
      .filter(([id]) => id.startsWith("Sweep"))
      .flatMap(([, p]) => (p.Properties as any).PolicyDocument.Statement);
    const allows = (action: string) => statements.some((s: any) => s.Effect === "Allow" && [s.Action].flat().includes(action));
    expect(allows("lambda:InvokeFunction")).toBe(true);
    expect(allows("sns:Publish")).toBe(true);
    expect(statements.some((s: any) => [s.Action].flat().some((a: string) => a.startsWith("s3:GetObject")))).toBe(true);
    expect(allows("states:StartExecution")).toBe(true);
  });
});

describe("state machine definition", () => {
  const state = (name: string) => definition.States[name] as AslState & Record<string, any>;

  it("chains Plan -> pending? -> Cells -> Aggregate -> regression check", () => {
    expect(definition.StartAt).toBe(stateNames.plan);
    expect(state(stateNames.plan).Next).toBe(stateNames.anythingPending);
    expect(state(stateNames.anythingPending).Choices).toEqual([{ Variable: "$.pending", NumericGreaterThan: 0, Next: stateNames.cells }]);
    expect(state(stateNames.anythingPending).Default).toBe(stateNames.aggregate);
    expect(state(stateNames.cells).Next).toBe(stateNames.aggregate);
    expect(state(stateNames.aggregate).Next).toBe(stateNames.regressionCheck);
    expect(state(stateNames.regressionCheck).Choices).toEqual([{ Variable: "$.regressions", NumericGreaterThan: 0, Next: stateNames.notify }]);
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

  it("writes the map results with ResultWriterV2 (WriterConfig) under the configured prefix", () => {
    const writer = state(stateNames.cells).ResultWriter;
    expect(writer.Resource).toBe("arn:aws:states:::s3:putObject");
    expect(writer.Parameters).toEqual({ Bucket: expect.stringMatching(/^store/), Prefix: settings.resultPrefix });
    expect(writer.WriterConfig).toEqual({ OutputType: "JSONL", Transformation: "COMPACT" });
  });

  it("invokes every function with payloadResponseOnly, explicit timeouts and jittered retries of Lambda service errors", () => {
    const worker = state(stateNames.cells).ItemProcessor.States[stateNames.worker];
    const tasks = { [stateNames.plan]: state(stateNames.plan), [stateNames.worker]: worker, [stateNames.aggregate]: state(stateNames.aggregate) };
    const timeouts: Record<string, number> = { [stateNames.plan]: 120, [stateNames.worker]: 600, [stateNames.aggregate]: 120 };
    for (const [name, task] of Object.entries(tasks)) {
      expect(task.Resource, name).toMatch(/^arn:aws:lambda:local:000000000000:function:/);
      // payloadResponseOnly: no Parameters, the whole state input is the event.
      expect(task.Parameters, name).toBeUndefined();
      expect(task.TimeoutSeconds, name).toBe(timeouts[name]);
      expect(task.Retry, name).toEqual([
        { ErrorEquals: lambdaTransientErrors, IntervalSeconds: 2, MaxAttempts: 6, BackoffRate: 2, MaxDelaySeconds: 60, JitterStrategy: "FULL" },
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
    const bad = { maxItemsPerBatch: 0, maxConcurrency: -1, toleratedFailurePercentage: 101, workerTimeoutSeconds: 901, stepTimeoutSeconds: 1.5, resultPrefix: "/abs/" };
    const problems = sweepMapSettingsProblems({ ...defaultSweepMapSettings, ...bad });
    expect(problems).toHaveLength(Object.keys(bad).length);
    for (const field of Object.keys(bad)) expect(problems.some((p) => p.startsWith(field))).toBe(true);
    expect(() => resolveSweepMapSettings(bad)).toThrow(UsageError);
  });
});
