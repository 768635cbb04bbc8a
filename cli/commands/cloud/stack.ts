// What every `dropsweep cloud` subcommand shares: the flags naming the deployed stack (or its
// bucket and state machine), their checks, the connection they give, and how a sweep names its
// execution. The stack's resources come from its CloudFormation outputs (infra/names.ts).
import { existsSync } from "node:fs";
import { CloudFormationClient, DescribeStacksCommand, type Stack } from "@aws-sdk/client-cloudformation";
import { SFNClient } from "@aws-sdk/client-sfn";
import { Option } from "commander";
import { outputNames } from "../../../infra/names.js";
import { UsageError } from "../../../shared/errors.js";
import { kernelVersion } from "../../../shared/numerics/engine.js";
import { SHA256_HEX } from "../../../shared/spec/canonical.js";
import { parseSpec } from "../../../shared/spec/spec.js";
import { openStore } from "../../../shared/store/open.js";
import type { Store } from "../../../shared/store/store.js";
import { readSpecFile } from "../../specFile.js";
import { awsFailure, type Where } from "./awsErrors.js";

const stackGroup = "stack options (credentials: the usual AWS chain, environment, profile or SSO):";

/**
 * The flags naming the stack, listed first by every subcommand. `resources`: also
 * --bucket/--state-machine instead of --stack, and --attempt (not for doctor, which checks the
 * stack itself).
 */
export function stackOptions(resources = true): Option[] {
  return [
    new Option("--stack <NAME>", resources ? "the deployed stack: the bucket and state machine from its outputs" : "the deployed stack"),
    ...(resources
      ? [
          new Option("--bucket <NAME>", "the stack's bucket, instead of --stack (with --state-machine)"),
          new Option("--state-machine <ARN>", "the stack's state machine, instead of --stack (with --bucket)"),
        ]
      : []),
    new Option("--region <R>", "the stack's region (default: AWS_REGION or the profile's)"),
    new Option("--endpoint <URL>", "an AWS-compatible endpoint instead of AWS's"),
    ...(resources ? [new Option("--attempt <N>", "which attempt of the sweep (default 1; see `cloud start --help`)")] : []),
  ].map((option) => option.helpGroup(stackGroup));
}

/** The stack flags as parsed. */
export interface StackFlags {
  stack?: string;
  bucket?: string;
  stateMachine?: string;
  region?: string;
  endpoint?: string;
  attempt?: string;
}

export interface StackArgs extends Where {
  stack?: string;
  bucket?: string;
  stateMachine?: string;
  attempt: number;
}

/** The stack flags checked: their problems (to report with the subcommand's own) and values. */
export function stackArgs(v: StackFlags, resources = true): { problems: string[]; args: StackArgs } {
  const problems: string[] = [];
  if (resources) {
    if (v.stack === undefined && (v.bucket === undefined || v.stateMachine === undefined))
      problems.push("give --stack NAME, or both --bucket NAME and --state-machine ARN");
    if (v.stack !== undefined && (v.bucket !== undefined || v.stateMachine !== undefined))
      problems.push("give --stack NAME or --bucket/--state-machine, not both");
  } else if (v.stack === undefined) problems.push("give --stack NAME (the deployed stack to check)");
  if (v.stateMachine !== undefined && !/^arn:[a-z-]+:states:[a-z0-9-]+:\d{12}:stateMachine:[A-Za-z0-9_-]+$/.test(v.stateMachine))
    problems.push(`--state-machine must be a state machine ARN (got "${v.stateMachine}")`);
  if (v.endpoint !== undefined && !/^https?:\/\/\S+$/.test(v.endpoint))
    problems.push(`--endpoint must be an http(s) URL (got "${v.endpoint}")`);
  const attempt = v.attempt === undefined ? 1 : Number(v.attempt);
  if (!Number.isInteger(attempt) || attempt < 1 || attempt > 999)
    problems.push(`--attempt must be an integer from 1 to 999 (got "${v.attempt}")`);
  return {
    problems,
    args: {
      ...(v.stack !== undefined ? { stack: v.stack } : {}),
      ...(v.bucket !== undefined ? { bucket: v.bucket } : {}),
      ...(v.stateMachine !== undefined ? { stateMachine: v.stateMachine } : {}),
      ...(v.region !== undefined ? { region: v.region } : {}),
      ...(v.endpoint !== undefined ? { endpoint: v.endpoint } : {}),
      attempt,
    },
  };
}

/** "--interval must be ...": every problem of a subcommand's flags in one UsageError. */
export function refuseProblems(subcommand: string, problems: readonly string[]): void {
  if (problems.length) throw new UsageError(`cloud ${subcommand}: ${problems.join("; ")} (see \`dropsweep cloud ${subcommand} --help\`)`);
}

/** Region and endpoint for an SDK client (absent ones are the SDK's defaults). */
export function clientConfig(where: Where): { region?: string; endpoint?: string } {
  return { ...(where.region ? { region: where.region } : {}), ...(where.endpoint ? { endpoint: where.endpoint } : {}) };
}

/** The stack's description (status, outputs, parameters); a missing stack is a UsageError. */
export async function describeStack(name: string, where: Where): Promise<Stack> {
  const cfn = new CloudFormationClient(clientConfig(where));
  try {
    const stack = (await cfn.send(new DescribeStacksCommand({ StackName: name }))).Stacks?.[0];
    if (!stack) throw new UsageError(`cloud: no stack "${name}"${where.region ? ` in ${where.region}` : ""}`);
    return stack;
  } catch (error) {
    if ((error as Error).name === "ValidationError" || /does not exist/.test((error as Error).message))
      throw new UsageError(
        `cloud: no stack "${name}"${where.region ? ` in ${where.region}` : ""} (deploy it with \`npx cdk deploy\`, or pass --region)`,
      );
    throw awsFailure(error, `reading stack ${name}'s outputs (DescribeStacks)`, where);
  } finally {
    cfn.destroy();
  }
}

/** The value of a stack output, by name. */
export function stackOutput(stack: Stack, name: string): string | undefined {
  return stack.Outputs?.find((o) => o.OutputKey === name)?.OutputValue;
}

export interface Cloud extends Where {
  bucket: string;
  stateMachineArn: string;
  store: Store;
  sfn: SFNClient;
}

/** The stack's bucket and state machine, from its outputs or the flags; destroy `sfn` after use. */
export async function connect(args: StackArgs): Promise<Cloud> {
  let bucket = args.bucket;
  let stateMachineArn = args.stateMachine;
  if (args.stack) {
    const stack = await describeStack(args.stack, args);
    bucket = stackOutput(stack, outputNames.bucket);
    stateMachineArn = stackOutput(stack, outputNames.stateMachine);
    if (!bucket || !stateMachineArn)
      throw new UsageError(
        `cloud: stack "${args.stack}" has no ${outputNames.bucket}/${outputNames.stateMachine} outputs; is it a dropsweep stack?`,
      );
  }
  return {
    ...clientConfig(args),
    bucket: bucket!,
    stateMachineArn: stateMachineArn!,
    store: openStore(`s3://${bucket}`, clientConfig(args)),
    sfn: new SFNClient(clientConfig(args)),
  };
}

/** The execution name of a sweep: its id (64 hex digits), "-N" from the second attempt on. */
export function executionName(sweepId: string, attempt = 1): string {
  return attempt === 1 ? sweepId : `${sweepId}-${attempt}`;
}

/** arn:...:stateMachine:NAME -> arn:...:execution:NAME:EXECUTION */
export function executionArn(stateMachineArn: string, name: string): string {
  return `${stateMachineArn.replace(":stateMachine:", ":execution:")}:${name}`;
}

/** A sweep id as given, or the id of a spec file. */
export async function sweepIdOf(subcommand: string, target: string): Promise<string> {
  if (SHA256_HEX.test(target.toLowerCase())) return target.toLowerCase();
  const where =
    "`cloud start` prints it (so does the report: summary.json's sweepId), and it names the sweep's folder sweeps/<id>/ in the store";
  // A prefix such as the 12 characters `dropsweep run` prints: executions are named by the whole id.
  if (/^[0-9a-f]{1,63}$/i.test(target) && !existsSync(target))
    throw new UsageError(`cloud ${subcommand}: "${target}" is not a whole sweep id: give all 64 hex digits or the SPEC file; ${where}`);
  const text = await readSpecFile(`cloud ${subcommand}`, target, `the 64-hex sweep id or the SPEC file (YAML); ${where}`);
  return parseSpec(text, { kernelVersion: kernelVersion(), source: target }).sweepId;
}
