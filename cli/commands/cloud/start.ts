// `dropsweep cloud start SPEC`: validate the spec locally with the schema `dropsweep run` uses
// (every problem listed, exit 2, nothing written), upload it where Plan reads it and start an
// execution named after the sweep id, so the same sweep cannot be started twice by accident (a
// failure after the upload is exit 1, naming where the spec is).
import { StartExecutionCommand, type DescribeExecutionCommandOutput } from "@aws-sdk/client-sfn";
import { UsageError } from "../../../shared/errors.js";
import { kernelVersion } from "../../../shared/numerics/engine.js";
import { submitSpec } from "../../../shared/pipeline/plan.js";
import { parseSpec } from "../../../shared/spec/spec.js";
import { counted } from "../../../shared/text.js";
import { exitCodes } from "../../exitCodes.js";
import { defineCommand, flag, helpText, parseCommandArgs, type CommandDefinition } from "../../args.js";
import { CommandFailure } from "../../failure.js";
import { readSpecFile } from "../../specFile.js";
import { aws, awsFailure } from "./awsErrors.js";
import { describe } from "./execution.js";
import { connect, executionArn, executionName, refuseProblems, stackArgs, stackOptions, type StackFlags } from "./stack.js";

export const summary = "validate SPEC, upload it and start an execution named after the sweep id";

export const definition = (): CommandDefinition => ({
  path: "cloud start",
  usage: "SPEC (--stack NAME | --bucket NAME --state-machine ARN) [--baseline KEY] [--attempt N] [--region R] [--endpoint URL]",
  description: `Validates SPEC (YAML) locally with the schema \`dropsweep run\` uses (nothing is written if it is bad), uploads it where Plan reads it and starts an execution named after the sweep id, printing the id. A sweep already started is refused: follow it with status/fetch, or start it again on purpose with --attempt 2, 3, ... Before the first sweep on a stack, run \`dropsweep cloud doctor --stack NAME\`.`,
  options: [
    ...stackOptions(),
    flag(
      "--baseline <KEY>",
      "a stored summary to compare with (a key under baselines/); regressions end the execution with exit code 3 for status/fetch",
    ),
  ],
  after: `Exit codes: 0 started; 1 an AWS call failed (if StartExecution fails, the spec is already
uploaded: the message says where); 2 bad input or refused (nothing written).`,
});

export const command = () => defineCommand(definition());

function alreadyStarted(sweepId: string, arn: string, execution: DescribeExecutionCommandOutput | undefined, attempt: number): UsageError {
  const state = execution ? `${execution.status}, started ${execution.startDate?.toISOString() ?? "?"}` : "its name is taken";
  return new UsageError(
    [
      `cloud: refused: sweep ${sweepId} was already started as execution ${arn} (${state}).`,
      `  Follow it:   dropsweep cloud status ${sweepId} ...`,
      `  Its report:  dropsweep cloud fetch ${sweepId} ...`,
      `  Run it again on purpose: add --attempt ${attempt + 1} (cells already computed are reused).`,
    ].join("\n"),
  );
}

/**
 * A failure once the spec is in the bucket: not "nothing written" (exit 2) any more, whatever
 * its cause, so a failed command (exit 1) that says where the spec is. Bugs pass unchanged.
 */
function afterUpload(failure: unknown, specUrl: string): unknown {
  if (!(failure instanceof UsageError) && !(failure instanceof CommandFailure)) return failure;
  return new CommandFailure(
    `${failure.message}${failure.message.includes("\n") ? "\n" : "; "}the spec was uploaded to ${specUrl}, but no execution was started by this command`,
  );
}

export async function run(argv: string[], out: NodeJS.WritableStream): Promise<number> {
  const { help, values, positionals } = parseCommandArgs<StackFlags & { baseline?: string }>("cloud start", command(), argv);
  if (help) {
    out.write(helpText(command()));
    return exitCodes.ok;
  }
  const { problems, args } = stackArgs(values);
  const [target, ...rest] = positionals;
  if (!target) problems.unshift("start needs a SPEC file");
  if (rest.length) problems.push(`unexpected arguments: ${rest.join(" ")}`);
  if (values.baseline !== undefined && !/^baselines\/[^\s]+$/.test(values.baseline))
    problems.push(`--baseline must be a store key under baselines/ (got "${values.baseline}")`);
  refuseProblems("start", problems);

  const text = await readSpecFile("cloud start", target!);
  // Everything is checked before anything is written.
  const sweep = parseSpec(text, { kernelVersion: kernelVersion(), source: target! });
  const cloud = await connect(args);
  try {
    const name = executionName(sweep.sweepId, args.attempt);
    const arn = executionArn(cloud.stateMachineArn, name);
    const existing = await describe(cloud, arn);
    if (existing) throw alreadyStarted(sweep.sweepId, arn, existing, args.attempt);

    const { event } = await aws(`uploading the spec to s3://${cloud.bucket}`, args, () =>
      submitSpec(cloud.store, text, { source: target!, ...(values.baseline ? { baselineKey: values.baseline } : {}) }),
    );
    try {
      await cloud.sfn.send(new StartExecutionCommand({ stateMachineArn: cloud.stateMachineArn, name, input: JSON.stringify(event) }));
    } catch (error) {
      // Names are unique for 90 days, whatever the input: somebody started it meanwhile.
      const failure =
        (error as Error).name === "ExecutionAlreadyExists"
          ? alreadyStarted(sweep.sweepId, arn, await describe(cloud, arn), args.attempt)
          : awsFailure(error, `starting execution ${name} of ${cloud.stateMachineArn} (StartExecution)`, args);
      throw afterUpload(failure, `s3://${cloud.bucket}/${event.specKey}`);
    }
    out.write(`sweep ${sweep.resolved.name} ${sweep.sweepId}: ${counted(sweep.cells.length, "cell")}\n`);
    out.write(`spec: s3://${cloud.bucket}/${event.specKey}\n`);
    out.write(`execution: ${arn}\n`);
    out.write(`follow: dropsweep cloud status ${sweep.sweepId} --watch ...\n`);
    return 0;
  } finally {
    cloud.sfn.destroy();
  }
}
