// The scheduled reproduction as the template deploys it: the spec the custom resource puts into
// the store (S3 putObject, parameters in the template) and the input the Scheduler starts the
// state machine with (its target's Input).
import type { CfnTemplate } from "../../infra/synth.js";
import type { PlanEvent } from "../../shared/pipeline/contract.js";

export interface ScheduledRun {
  /** The Scheduler target's Input. */
  input: PlanEvent;
  /** The state machine the Scheduler starts (Target.Arn's Ref). */
  stateMachineId: string;
  /** What the Custom::AWS upload puts: S3 putObject parameters. */
  upload: { Key: string; Body: string; ContentType?: string };
}

function only(template: CfnTemplate, type: string): Record<string, any> {
  const found = Object.values(template.Resources).filter((r) => r.Type === type);
  if (found.length !== 1) throw new Error(`expected one ${type} in the template, found ${found.length}`);
  return found[0]!.Properties as Record<string, any>;
}

export function scheduledRun(template: CfnTemplate, bucket: string): ScheduledRun {
  const target = only(template, "AWS::Scheduler::Schedule").Target;
  const create = only(template, "Custom::AWS").Create as { "Fn::Join": [string, unknown[]] };
  const call = JSON.parse(
    create["Fn::Join"][1]
      .map((part) => {
        if (typeof part === "string") return part;
        if ((part as { Ref?: string }).Ref?.startsWith("Store")) return bucket;
        throw new Error(`the spec upload names ${JSON.stringify(part)}, not the store bucket`);
      })
      .join(create["Fn::Join"][0]),
  ) as { service: string; action: string; parameters: ScheduledRun["upload"] & { Bucket: string } };
  if (call.service !== "S3" || call.action !== "putObject" || call.parameters.Bucket !== bucket)
    throw new Error(`the spec upload is ${call.service}.${call.action} to ${call.parameters.Bucket}, expected S3.putObject to the store`);
  const { Bucket: _bucket, ...upload } = call.parameters;
  return { input: JSON.parse(target.Input) as PlanEvent, stateMachineId: target.Arn.Ref, upload };
}
