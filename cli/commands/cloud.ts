// `dropsweep cloud start|status|fetch`: run a sweep on the deployed stack (docs/CLOUD.md).
// start validates the spec locally with the schema `dropsweep run` uses (every problem listed,
// exit 2, nothing written), uploads it where Plan reads it and starts an execution named after
// the sweep id, so the same sweep cannot be started twice by accident (a failure after the
// upload is exit 1, naming where the spec is); status follows the
// execution (and its map run); fetch downloads the report. The stack's bucket and state machine
// come from its CloudFormation outputs, or from --bucket and --state-machine.
import { existsSync, mkdirSync, renameSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { CloudFormationClient, DescribeStacksCommand } from "@aws-sdk/client-cloudformation";
import {
  DescribeExecutionCommand,
  DescribeMapRunCommand,
  ListMapRunsCommand,
  SFNClient,
  StartExecutionCommand,
  type DescribeExecutionCommandOutput,
} from "@aws-sdk/client-sfn";
import { outputNames as outputs, regressionError } from "../../infra/names.js";
import { UsageError } from "../../shared/errors.js";
import { kernelVersion } from "../../shared/numerics/engine.js";
import { type AggregateResult } from "../../shared/pipeline/contract.js";
import { keys } from "../../shared/store/layout.js";
import { submitSpec } from "../../shared/pipeline/plan.js";
import { checkSummary } from "../../shared/results/summary.js";
import { parseSpec } from "../../shared/spec/spec.js";
import { openStore } from "../../shared/store/open.js";
import type { Store } from "../../shared/store/store.js";
import { counted } from "../../shared/text.js";
import { allowedFlags, parseCommandArgs } from "../args.js";
import { CommandFailure } from "../failure.js";
import { readSpecFile } from "../specFile.js";

export const summary = "start, follow and fetch sweeps on AWS";

/** Exit codes besides 0 (succeeded, or still running for status) and 2 (bad input, refused). */
export const exitCodes = { failed: 1, regression: 3 } as const;


const stackHelp = `STACK: --stack NAME (the bucket and state machine from the stack's outputs), or
       --bucket NAME and --state-machine ARN
  --region R        the stack's region (default: AWS_REGION or the profile's)
  --endpoint URL    an AWS-compatible endpoint instead of AWS's
  --attempt N       which attempt of the sweep (default 1; see start)
Credentials come from the usual AWS chain (environment, shared config/profile, SSO).`;

const helps = {
  cloud: `usage: dropsweep cloud start  SPEC  STACK [options]
       dropsweep cloud status SWEEP STACK [options]
       dropsweep cloud fetch  SWEEP STACK [options]

  start    validate SPEC, upload it and start an execution named after the sweep id
  status   the execution's status and its cells' counts (--watch: until it ends)
  fetch    download the sweep's report (summary.json, report.md, report.html, plots)

SWEEP: the 64-hex sweep id \`cloud start\` printed, or the SPEC file itself.
${stackHelp}

Run \`dropsweep cloud start|status|fetch --help\` for each one's options.
Exit codes: 0 succeeded (status: also running); 1 failed, timed out or aborted, or an AWS call
failed; 2 bad input or refused (nothing written); 3 regressions against the baseline.`,
  start: `usage: dropsweep cloud start SPEC STACK [--baseline KEY] [--attempt N] [--region R] [--endpoint URL]

Validates SPEC (YAML) locally with the schema \`dropsweep run\` uses (nothing is written if it
is bad), uploads it where Plan reads it and starts an execution named after the sweep id,
printing the id. A sweep already started is refused: follow it with status/fetch, or start it
again on purpose with --attempt 2, 3, ...

  --baseline KEY    a stored summary to compare with (a key under baselines/); regressions
                    end the execution with exit code 3 for status/fetch
${stackHelp}

Exit codes: 0 started; 1 an AWS call failed (if StartExecution fails, the spec is already
uploaded: the message says where); 2 bad input or refused (nothing written).`,
  status: `usage: dropsweep cloud status SWEEP STACK [--watch] [--interval S] [--attempt N] [--region R] [--endpoint URL]

The execution's status and, while it runs, its map run's cell counts.
SWEEP: the 64-hex sweep id \`cloud start\` printed, or the SPEC file itself.

  --watch           poll until the execution ends, printing each change
  --interval S      seconds between polls (default 15)
${stackHelp}

Exit codes: 0 succeeded or still running; 1 failed, timed out or aborted, or an AWS call
failed; 2 bad input (e.g. no such execution); 3 regressions against the baseline.`,
  fetch: `usage: dropsweep cloud fetch SWEEP STACK [--out DIR] [--wait] [--interval S] [--attempt N] [--region R] [--endpoint URL]

Downloads the sweep's report (summary.json, report.md, report.html, plots/) into --out DIR,
after checking the summary (nothing is written if it is damaged).
SWEEP: the 64-hex sweep id \`cloud start\` printed, or the SPEC file itself.

  --out DIR         where to write (default cloud-reports/SWEEP)
  --wait            wait for a running execution to end first
  --interval S      seconds between polls while waiting (default 15)
${stackHelp}

Exit codes: 0 fetched, the execution succeeded; 1 still running, failed without a report, or an
AWS call failed; 2 bad input (nothing written); 3 fetched, regressions against the baseline.`,
} as const;

type Subcommand = "start" | "status" | "fetch";
const subcommands: readonly Subcommand[] = ["start", "status", "fetch"];
const isSubcommand = (word: string | undefined): word is Subcommand => subcommands.includes(word as Subcommand);

interface CloudArgs {
  command: Subcommand;
  target: string;
  stack?: string;
  bucket?: string;
  stateMachine?: string;
  region?: string;
  endpoint?: string;
  baseline?: string;
  attempt: number;
  watch: boolean;
  wait: boolean;
  intervalSeconds: number;
  out?: string;
}

/** The union of the subcommands' flags, as parsed (each absent unless given). */
interface Flags {
  stack?: string;
  bucket?: string;
  "state-machine"?: string;
  region?: string;
  endpoint?: string;
  attempt?: string;
  help?: boolean;
  baseline?: string;
  watch?: boolean;
  wait?: boolean;
  interval?: string;
  out?: string;
}

const commonOptions = {
  stack: { type: "string" },
  bucket: { type: "string" },
  "state-machine": { type: "string" },
  region: { type: "string" },
  endpoint: { type: "string" },
  attempt: { type: "string" },
  help: { type: "boolean", short: "h" },
} as const;

/** Each subcommand's flags: an option another subcommand takes is an unknown option here. */
const optionsOf = {
  start: { ...commonOptions, baseline: { type: "string" } },
  status: { ...commonOptions, watch: { type: "boolean" }, interval: { type: "string" } },
  fetch: { ...commonOptions, out: { type: "string" }, wait: { type: "boolean" }, interval: { type: "string" } },
} as const;

/** Every flag any subcommand takes, by name (what may stand before the subcommand). */
const anyOptions: Record<string, { type: "string" | "boolean"; short?: string }> = { ...optionsOf.start, ...optionsOf.status, ...optionsOf.fetch };

/**
 * The subcommand and the other arguments: the first argument that is neither a flag nor the
 * value of a flag that takes one (`cloud --stack X status SWEEP` is `cloud status SWEEP --stack X`).
 */
function splitSubcommand(argv: string[]): { command?: string; args: string[]; unknownFlag?: string } {
  let unknownFlag: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const word = argv[i]!;
    if (word === "--") return { ...(i + 1 < argv.length ? { command: argv[i + 1]! } : {}), args: [...argv.slice(0, i), ...argv.slice(i + 2)], ...(unknownFlag ? { unknownFlag } : {}) };
    if (!word.startsWith("-") || word === "-") return { command: word, args: [...argv.slice(0, i), ...argv.slice(i + 1)], ...(unknownFlag ? { unknownFlag } : {}) };
    if (word.startsWith("--") && !word.includes("=")) {
      const option = anyOptions[word.slice(2)];
      if (!option) unknownFlag ??= word;
      else if (option.type === "string") i++; // its value, whatever it looks like
    }
  }
  return { args: argv, ...(unknownFlag ? { unknownFlag } : {}) };
}

function parse(argv: string[]): CloudArgs | { help: keyof typeof helps } {
  // `cloud SUBCOMMAND ...`: the subcommand decides which flags are allowed; flags may come
  // before it too.
  const { command, args, unknownFlag } = splitSubcommand(argv);
  const asksHelp = args.includes("--help") || args.includes("-h");
  if (command === undefined) {
    if (asksHelp || argv.length === 0) return { help: "cloud" };
    throw new UsageError(`cloud: no subcommand; expected start, status or fetch, e.g. dropsweep cloud status SWEEP ${argv.join(" ")} (see \`dropsweep cloud --help\`)`);
  }
  if (!isSubcommand(command)) {
    if (unknownFlag) throw new UsageError(`cloud: unknown option ${unknownFlag}; allowed: ${allowedFlags(anyOptions)} (see \`dropsweep cloud --help\`)`);
    throw new UsageError(`cloud: unknown subcommand "${command}"; expected start, status or fetch (see \`dropsweep cloud --help\`)`);
  }
  const { values, positionals } = parseCommandArgs(`cloud ${command}`, args, optionsOf[command]);
  const v = values as Flags;
  if (v.help) return { help: command };
  const [target, ...rest] = positionals;
  const problems: string[] = [];
  if (!target) problems.push(`${command} needs ${command === "start" ? "a SPEC file" : "a SWEEP id (64 hex digits) or SPEC file"}`);
  if (rest.length) problems.push(`unexpected arguments: ${rest.join(" ")}`);
  if (v.stack === undefined && (v.bucket === undefined || v["state-machine"] === undefined))
    problems.push("give --stack NAME, or both --bucket NAME and --state-machine ARN");
  if (v.stack !== undefined && (v.bucket !== undefined || v["state-machine"] !== undefined))
    problems.push("give --stack NAME or --bucket/--state-machine, not both");
  if (v["state-machine"] !== undefined && !/^arn:[a-z-]+:states:[a-z0-9-]+:\d{12}:stateMachine:[A-Za-z0-9_-]+$/.test(v["state-machine"]))
    problems.push(`--state-machine must be a state machine ARN (got "${v["state-machine"]}")`);
  if (v.baseline !== undefined && !/^baselines\/[^\s]+$/.test(v.baseline)) problems.push(`--baseline must be a store key under baselines/ (got "${v.baseline}")`);
  if (v.endpoint !== undefined && !/^https?:\/\/\S+$/.test(v.endpoint)) problems.push(`--endpoint must be an http(s) URL (got "${v.endpoint}")`);
  const attempt = v.attempt === undefined ? 1 : Number(v.attempt);
  if (!Number.isInteger(attempt) || attempt < 1 || attempt > 999) problems.push(`--attempt must be an integer from 1 to 999 (got "${v.attempt}")`);
  const intervalSeconds = v.interval === undefined ? 15 : Number(v.interval);
  if (!Number.isFinite(intervalSeconds) || intervalSeconds < 0.1 || intervalSeconds > 3600) problems.push(`--interval must be a number of seconds from 0.1 to 3600 (got "${v.interval}")`);
  if (problems.length) throw new UsageError(`cloud ${command}: ${problems.join("; ")} (see \`dropsweep cloud ${command} --help\`)`);
  return {
    command,
    target: target!,
    ...(v.stack !== undefined ? { stack: v.stack } : {}),
    ...(v.bucket !== undefined ? { bucket: v.bucket } : {}),
    ...(v["state-machine"] !== undefined ? { stateMachine: v["state-machine"] } : {}),
    ...(v.region !== undefined ? { region: v.region } : {}),
    ...(v.endpoint !== undefined ? { endpoint: v.endpoint } : {}),
    ...(v.baseline !== undefined ? { baseline: v.baseline } : {}),
    ...(v.out !== undefined ? { out: v.out } : {}),
    attempt,
    watch: v.watch ?? false,
    wait: v.wait ?? false,
    intervalSeconds,
  };
}

const refusedNames = new Set(["AccessDenied", "AccessDeniedException", "UnauthorizedOperation", "AuthorizationError", "Forbidden"]);
const badCredentialNames = new Set(["UnrecognizedClientException", "InvalidClientTokenId", "InvalidAccessKeyId", "SignatureDoesNotMatch", "ExpiredToken", "ExpiredTokenException", "InvalidSignatureException"]);
const networkCodes = new Set(["ECONNREFUSED", "ECONNRESET", "ENOTFOUND", "EAI_AGAIN", "ETIMEDOUT", "EHOSTUNREACH", "ENETUNREACH"]);

/**
 * An AWS call's failure as one line naming what was being done: a missing region or credentials,
 * credentials AWS refuses, or a resource that is not there are the user's to fix (UsageError,
 * exit 2; checked before anything is written); an unreachable endpoint or a service error is a
 * failed run (exit 1). Anything that is not from AWS is returned as is (a bug: its stack shows).
 */
export function awsFailure(error: unknown, what: string, where: { region?: string; endpoint?: string } = {}): unknown {
  if (!(error instanceof Error) || error instanceof UsageError || error instanceof CommandFailure) return error;
  const { name, message } = error;
  const code = (error as NodeJS.ErrnoException).code;
  const fromService = typeof (error as { $metadata?: unknown }).$metadata === "object";
  if (/^Region is missing/.test(message)) return new UsageError("cloud: no AWS region: give --region or set AWS_REGION (or a region in the AWS profile)");
  if (name === "CredentialsProviderError" || name === "TokenProviderError")
    return new UsageError(
      `cloud: no AWS credentials found (environment, shared config/profile, SSO): ${message}; set AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY or AWS_PROFILE, or run \`aws configure\` / \`aws sso login\``,
    );
  if (refusedNames.has(name)) return new UsageError(`cloud: ${what}: access denied (${name}: ${message}); check the credentials' account and their permissions`);
  if (badCredentialNames.has(name)) return new UsageError(`cloud: ${what}: AWS refused the credentials (${name}: ${message})`);
  if (/NotFound|DoesNotExist|NoSuch/.test(name)) return new UsageError(`cloud: ${what}: not found (${name}: ${message})`);
  const network = [code, (error as { cause?: { code?: string } }).cause?.code].find((c) => c !== undefined && networkCodes.has(c));
  if (network || name === "TimeoutError") {
    const at = where.endpoint ?? `AWS${where.region ? ` in ${where.region}` : ""}`;
    return new CommandFailure(`cloud: ${what}: cannot reach ${at} (${network ?? name})`);
  }
  if (fromService) return new CommandFailure(`cloud: ${what} failed: ${name}: ${message}`);
  return error;
}

/** `call`, its AWS failures said in one line (awsFailure). */
async function aws<T>(what: string, args: CloudArgs, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw awsFailure(error, what, args);
  }
}

interface Cloud {
  region?: string;
  endpoint?: string;
  bucket: string;
  stateMachineArn: string;
  store: Store;
  sfn: SFNClient;
}

function clientConfig(args: CloudArgs) {
  return { ...(args.region ? { region: args.region } : {}), ...(args.endpoint ? { endpoint: args.endpoint } : {}) };
}

/** The stack's bucket and state machine, from its outputs or the flags. */
async function connect(args: CloudArgs): Promise<Cloud> {
  let bucket = args.bucket;
  let stateMachineArn = args.stateMachine;
  if (args.stack) {
    const cfn = new CloudFormationClient(clientConfig(args));
    let stack;
    try {
      stack = (await cfn.send(new DescribeStacksCommand({ StackName: args.stack }))).Stacks?.[0];
    } catch (error) {
      if ((error as Error).name === "ValidationError" || /does not exist/.test((error as Error).message))
        throw new UsageError(`cloud: no stack "${args.stack}"${args.region ? ` in ${args.region}` : ""} (deploy it with \`npx cdk deploy\`, or pass --region)`);
      throw awsFailure(error, `reading stack ${args.stack}'s outputs (DescribeStacks)`, args);
    } finally {
      cfn.destroy();
    }
    const output = (name: string) => stack?.Outputs?.find((o) => o.OutputKey === name)?.OutputValue;
    bucket = output(outputs.bucket);
    stateMachineArn = output(outputs.stateMachine);
    if (!bucket || !stateMachineArn)
      throw new UsageError(`cloud: stack "${args.stack}" has no ${outputs.bucket}/${outputs.stateMachine} outputs; is it a dropsweep stack?`);
  }
  return {
    ...(args.region ? { region: args.region } : {}),
    ...(args.endpoint ? { endpoint: args.endpoint } : {}),
    bucket: bucket!,
    stateMachineArn: stateMachineArn!,
    store: openStore(`s3://${bucket}`, { ...(args.endpoint ? { endpoint: args.endpoint } : {}), ...(args.region ? { region: args.region } : {}) }),
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
async function sweepIdOf(command: Subcommand, target: string): Promise<string> {
  if (/^[0-9a-f]{64}$/i.test(target)) return target.toLowerCase();
  const where = "`cloud start` prints it (so does the report: summary.json's sweepId), and it names the sweep's folder sweeps/<id>/ in the store";
  // A prefix such as the 12 characters `dropsweep run` prints: executions are named by the whole id.
  if (/^[0-9a-f]{1,63}$/i.test(target) && !existsSync(target))
    throw new UsageError(`cloud ${command}: "${target}" is not a whole sweep id: give all 64 hex digits or the SPEC file; ${where}`);
  return parseSpec(await readSpecFile(`cloud ${command}`, target, `the 64-hex sweep id or the SPEC file (YAML); ${where}`), { kernelVersion: kernelVersion(), source: target }).sweepId;
}

async function describe(cloud: Cloud, arn: string): Promise<DescribeExecutionCommandOutput | undefined> {
  try {
    return await cloud.sfn.send(new DescribeExecutionCommand({ executionArn: arn }));
  } catch (error) {
    if ((error as Error).name === "ExecutionDoesNotExist") return undefined;
    if ((error as Error).name === "StateMachineDoesNotExist")
      throw new UsageError(`cloud: no state machine ${cloud.stateMachineArn}${cloud.region ? ` in ${cloud.region}` : ""} (check --state-machine/--stack and --region)`);
    throw awsFailure(error, `reading execution ${arn} (DescribeExecution)`, cloud);
  }
}

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
  return new CommandFailure(`${failure.message}${failure.message.includes("\n") ? "\n" : "; "}the spec was uploaded to ${specUrl}, but no execution was started by this command`);
}

async function start(args: CloudArgs, out: NodeJS.WritableStream): Promise<number> {
  const text = await readSpecFile("cloud start", args.target);
  // Everything is checked before anything is written.
  const sweep = parseSpec(text, { kernelVersion: kernelVersion(), source: args.target });
  const cloud = await connect(args);
  try {
    const name = executionName(sweep.sweepId, args.attempt);
    const arn = executionArn(cloud.stateMachineArn, name);
    const existing = await describe(cloud, arn);
    if (existing) throw alreadyStarted(sweep.sweepId, arn, existing, args.attempt);

    const { event } = await aws(`uploading the spec to s3://${cloud.bucket}`, args, () =>
      submitSpec(cloud.store, text, { source: args.target, ...(args.baseline ? { baselineKey: args.baseline } : {}) }),
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

function describeLine(e: DescribeExecutionCommandOutput): string {
  const parts = [`${e.status}`];
  if (e.startDate) parts.push(`started ${e.startDate.toISOString()}`);
  if (e.stopDate) parts.push(`stopped ${e.stopDate.toISOString()}`);
  if (e.error) parts.push(`error ${e.error}${e.cause ? `: ${e.cause}` : ""}`);
  return parts.join(", ");
}

/** The map run's item counts while the execution runs (best effort: absent before the map starts). */
async function mapProgress(cloud: Cloud, arn: string): Promise<string | undefined> {
  try {
    const runs = await cloud.sfn.send(new ListMapRunsCommand({ executionArn: arn }));
    const run = runs.mapRuns?.[0];
    if (!run?.mapRunArn) return undefined;
    const counts = (await cloud.sfn.send(new DescribeMapRunCommand({ mapRunArn: run.mapRunArn }))).itemCounts;
    if (!counts) return undefined;
    return `cells: ${counts.succeeded ?? 0} done, ${counts.failed ?? 0} failed, ${counts.running ?? 0} running, ${counts.pending ?? 0} pending of ${counts.total ?? "?"}`;
  } catch {
    return undefined;
  }
}

function exitCodeOf(e: DescribeExecutionCommandOutput): number {
  if (e.status === "SUCCEEDED" || e.status === "RUNNING" || e.status === "PENDING_REDRIVE") return 0;
  return e.error === regressionError ? exitCodes.regression : exitCodes.failed;
}

const sleep = (seconds: number) => new Promise((r) => setTimeout(r, seconds * 1000));

/** Poll until the execution ends (or once, when not following), printing each change. */
async function follow(cloud: Cloud, sweepId: string, args: CloudArgs, keepPolling: boolean, out: NodeJS.WritableStream): Promise<DescribeExecutionCommandOutput> {
  const arn = executionArn(cloud.stateMachineArn, executionName(sweepId, args.attempt));
  let last = "";
  for (;;) {
    const execution = await describe(cloud, arn);
    if (!execution) throw new UsageError(`cloud: no execution ${arn}: start the sweep with \`dropsweep cloud start SPEC\` first${args.attempt > 1 ? ` (attempt ${args.attempt})` : ""}`);
    const running = execution.status === "RUNNING";
    const line = [describeLine(execution), running ? await mapProgress(cloud, arn) : undefined].filter(Boolean).join("; ");
    if (line !== last) out.write(`${new Date().toISOString().slice(11, 19)} ${line}\n`);
    last = line;
    if (!running || !keepPolling) return execution;
    await sleep(args.intervalSeconds);
  }
}

function printOutput(e: DescribeExecutionCommandOutput, out: NodeJS.WritableStream): void {
  if (!e.output) return;
  try {
    const result = JSON.parse(e.output) as Partial<AggregateResult>;
    if (result.cells) out.write(`cells: ${result.cells.computed} computed, ${result.cells.cached} cached, ${result.cells.failed} failed of ${result.cells.total}\n`);
    if (typeof result.regressions === "number") out.write(`regressions against the baseline: ${result.regressions}\n`);
  } catch {
    // Not ours to judge: the raw status line said enough.
  }
}

async function status(args: CloudArgs, out: NodeJS.WritableStream): Promise<number> {
  const sweepId = await sweepIdOf(args.command, args.target);
  const cloud = await connect(args);
  try {
    out.write(`sweep ${sweepId}\n`);
    const execution = await follow(cloud, sweepId, args, args.watch, out);
    printOutput(execution, out);
    return exitCodeOf(execution);
  } finally {
    cloud.sfn.destroy();
  }
}

/** Write `bytes` to `path` atomically (a reader sees the old file or the new one). */
function writeAtomically(path: string, bytes: Uint8Array): void {
  mkdirSync(dirname(path), { recursive: true });
  const temporary = `${path}.${process.pid}.part`;
  writeFileSync(temporary, bytes);
  renameSync(temporary, path);
}

async function fetch(args: CloudArgs, out: NodeJS.WritableStream): Promise<number> {
  const sweepId = await sweepIdOf(args.command, args.target);
  const cloud = await connect(args);
  try {
    const execution = await follow(cloud, sweepId, args, args.wait, out);
    if (execution.status === "RUNNING") {
      out.write("the execution is still running: its report is not written yet (add --wait to wait for it)\n");
      return exitCodes.failed;
    }
    const prefix = keys.report(sweepId, "");
    const reportKeys: string[] = [];
    await aws(`listing s3://${cloud.bucket}/${prefix}`, args, async () => {
      for await (const key of cloud.store.list(prefix)) reportKeys.push(key);
    });
    const summaryKey = keys.report(sweepId, "summary.json");
    if (!reportKeys.includes(summaryKey)) {
      out.write(`no report in s3://${cloud.bucket}/${prefix} (the execution ${execution.status} before Aggregate ran)\n`);
      return exitCodes.failed;
    }
    // Checked before anything is written: a damaged summary is an error, not a file.
    const files = new Map<string, Uint8Array>();
    for (const key of reportKeys) {
      const bytes = await aws(`downloading s3://${cloud.bucket}/${key}`, args, () => cloud.store.get(key));
      if (!bytes) throw new CommandFailure(`cloud: s3://${cloud.bucket}/${key} vanished while downloading; nothing was written`);
      files.set(key, bytes);
    }
    const where = `s3://${cloud.bucket}/${summaryKey}`;
    let parsed: unknown;
    try {
      parsed = JSON.parse(new TextDecoder().decode(files.get(summaryKey)));
    } catch {
      throw new CommandFailure(`cloud: ${where} is not JSON; nothing was written`);
    }
    let summary;
    try {
      summary = checkSummary(parsed, where);
    } catch (error) {
      throw new CommandFailure(`cloud: ${(error as Error).message}; nothing was written`);
    }
    if (summary.sweepId !== sweepId) throw new CommandFailure(`cloud: s3://${cloud.bucket}/${summaryKey} is the summary of sweep ${summary.sweepId}, not ${sweepId}`);
    const directory = resolve(args.out ?? join("cloud-reports", sweepId));
    for (const [key, bytes] of files) writeAtomically(join(directory, ...key.slice(prefix.length).split("/")), bytes);
    out.write(`${files.size} files in ${directory}\n`);
    for (const name of ["summary.json", "report.md", "report.html"]) if (files.has(prefix + name)) out.write(`  ${join(directory, name)}\n`);
    printOutput(execution, out);
    return exitCodeOf(execution);
  } finally {
    cloud.sfn.destroy();
  }
}

export async function run(argv: string[]): Promise<number> {
  const args = parse(argv);
  if ("help" in args) {
    process.stdout.write(helps[args.help] + "\n");
    return argv.length === 0 ? 2 : 0;
  }
  // The SDK's 8-line notice that its releases from 2027 need Node 22 would precede every
  // command's output; this project pins its SDK and runs on Node 20 (package.json engines).
  // AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED=false shows it again.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
  const out = process.stdout;
  if (args.command === "start") return start(args, out);
  if (args.command === "status") return status(args, out);
  return fetch(args, out);
}
