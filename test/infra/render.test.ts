// Rendering CloudFormation tokens of a state machine definition into placeholder ARNs.
import { describe, expect, it } from "vitest";
import { renderStateMachine, renderToken } from "../../infra/local/render.js";
import { handlerMetadataKey } from "../../infra/sweepFunction.js";
import type { CfnTemplate } from "../../infra/synth.js";

const template: CfnTemplate = {
  Resources: {
    WorkerFn: { Type: "AWS::Lambda::Function", Metadata: { [handlerMetadataKey]: "functions/worker.ts" } },
    OtherFn: { Type: "AWS::Lambda::Function" },
    Store: { Type: "AWS::S3::Bucket" },
    Topic: { Type: "AWS::SNS::Topic" },
    Role: { Type: "AWS::IAM::Role" },
    Machine: {
      Type: "AWS::StepFunctions::StateMachine",
      Properties: {
        DefinitionString: {
          "Fn::Join": [
            "",
            [
              '{"StartAt":"A","States":{"A":{"Type":"Task","Resource":"',
              { "Fn::GetAtt": ["WorkerFn", "Arn"] },
              '","Parameters":{"Bucket":"',
              { Ref: "Store" },
              '","Topic":"',
              { Ref: "Topic" },
              '","Api":"arn:',
              { Ref: "AWS::Partition" },
              ':states:::s3:getObject"},"End":true}}}',
            ],
          ],
        },
      },
    },
  },
};

describe("renderToken", () => {
  it("renders GetAtt Arn, Ref and pseudo parameters into placeholders", () => {
    expect(renderToken(template, { "Fn::GetAtt": ["WorkerFn", "Arn"] })).toBe("arn:aws:lambda:local:000000000000:function:WorkerFn");
    expect(renderToken(template, { "Fn::GetAtt": "Topic.TopicArn" })).toBe("arn:aws:sns:local:000000000000:Topic");
    expect(renderToken(template, { Ref: "Store" })).toBe("store-000000000000");
    expect(renderToken(template, { Ref: "WorkerFn" })).toBe("WorkerFn");
    expect(renderToken(template, { Ref: "AWS::Region" })).toBe("local");
    expect(renderToken(template, { "Fn::Join": ["-", ["a", { Ref: "AWS::AccountId" }, "b"]] })).toBe("a-000000000000-b");
  });

  it("refuses what it cannot render, naming it", () => {
    expect(() => renderToken(template, { Ref: "Missing" })).toThrow(/Missing/);
    expect(() => renderToken(template, { Ref: "Role" })).toThrow(/Role.*AWS::IAM::Role/);
    expect(() => renderToken(template, { "Fn::GetAtt": ["Store", "DomainName"] })).toThrow(/Store\.DomainName/);
    expect(() => renderToken(template, { "Fn::Sub": "x" })).toThrow(/Fn::Sub/);
  });
});

describe("renderStateMachine", () => {
  it("parses the joined definition and lists functions with their handler modules", () => {
    const machine = renderStateMachine(template);
    expect(machine.logicalId).toBe("Machine");
    expect(machine.definition.States.A).toEqual({
      Type: "Task",
      Resource: "arn:aws:lambda:local:000000000000:function:WorkerFn",
      Parameters: { Bucket: "store-000000000000", Topic: "arn:aws:sns:local:000000000000:Topic", Api: "arn:aws:states:::s3:getObject" },
      End: true,
    });
    expect([...machine.functions.values()]).toEqual([
      { logicalId: "WorkerFn", arn: "arn:aws:lambda:local:000000000000:function:WorkerFn", handler: "functions/worker.ts" },
      { logicalId: "OtherFn", arn: "arn:aws:lambda:local:000000000000:function:OtherFn" },
    ]);
    expect([...machine.buckets.values()]).toEqual(["store-000000000000"]);
  });

  it("needs to be told which machine when there are several", () => {
    const two: CfnTemplate = { Resources: { ...template.Resources, Second: template.Resources.Machine! } };
    expect(() => renderStateMachine(two)).toThrow(/exactly one.*Machine, Second/);
    expect(renderStateMachine(two, "Second").logicalId).toBe("Second");
  });
});
