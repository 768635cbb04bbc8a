// `dropsweep cloud status SWEEP`: the execution's status and, while it runs, its map run's cell
// counts (--watch: until it ends), then Aggregate's counts and the claims' verdict.
import { exitCodes } from "../../exitCodes.js";
import { defineCommand, flag, helpText, parseCommandArgs, type CommandDefinition } from "../../args.js";
import { strictExit } from "../../verdict.js";
import { aggregateOutput, exitCodeOf, follow, printOutput } from "./execution.js";
import { connect, refuseProblems, stackArgs, stackOptions, sweepIdOf, type StackFlags } from "./stack.js";

export const summary = "the execution's status and its cells' counts (--watch: until it ends)";

export const definition = (): CommandDefinition => ({
  path: "cloud status",
  usage:
    "SWEEP (--stack NAME | --bucket NAME --state-machine ARN) [--watch] [--interval S] [--strict] [--attempt N] [--region R] [--endpoint URL]",
  description: `The execution's status and, while it runs, its map run's cell counts; once it has ended, the claims' verdict. SWEEP: the 64-hex sweep id \`cloud start\` printed, or the SPEC file itself.`,
  options: [
    ...stackOptions(),
    flag("--watch", "poll until the execution ends, printing each change"),
    flag("--interval <S>", "seconds between polls (default 15)"),
    flag("--strict", "exit 4 when the ended execution's claims include one that fails (any status but pass or skipped)"),
  ],
  after: `Exit codes: 0 succeeded or still running; 1 failed, timed out or aborted, or an AWS call
failed; 2 bad input (e.g. no such execution), or an execution output this dropsweep cannot
read (another version's stack, or not a dropsweep stack: the field is named); 3 regressions
against the baseline; 4 with --strict, succeeded but a claim failed or is inconclusive.`,
});

export const command = () => defineCommand(definition());

export interface FollowFlags extends StackFlags {
  interval?: string;
  strict?: boolean;
}

/** The SWEEP argument and --interval checked with the stack flags: every problem at once. */
export function followArgs(subcommand: string, values: FollowFlags, positionals: string[]) {
  const { problems, args } = stackArgs(values);
  const [target, ...rest] = positionals;
  if (!target) problems.unshift(`${subcommand} needs a SWEEP id (64 hex digits) or SPEC file`);
  if (rest.length) problems.push(`unexpected arguments: ${rest.join(" ")}`);
  const intervalSeconds = values.interval === undefined ? 15 : Number(values.interval);
  if (!Number.isFinite(intervalSeconds) || intervalSeconds < 0.1 || intervalSeconds > 3600)
    problems.push(`--interval must be a number of seconds from 0.1 to 3600 (got "${values.interval}")`);
  refuseProblems(subcommand, problems);
  return { target: target!, args, intervalSeconds };
}

export async function run(argv: string[], out: NodeJS.WritableStream): Promise<number> {
  const { help, values, positionals } = parseCommandArgs<FollowFlags & { watch?: boolean }>("cloud status", command(), argv);
  if (help) {
    out.write(helpText(command()));
    return exitCodes.ok;
  }
  const { target, args, intervalSeconds } = followArgs("status", values, positionals);
  const sweepId = await sweepIdOf("status", target);
  const cloud = await connect(args);
  try {
    out.write(`sweep ${sweepId}\n`);
    const execution = await follow(cloud, sweepId, { attempt: args.attempt, intervalSeconds, keepPolling: values.watch === true }, out);
    const result = aggregateOutput(execution);
    const claims = result?.claims;
    printOutput(result, claims, undefined, out);
    const code = exitCodeOf(execution);
    return code === 0 && values.strict && claims ? strictExit(claims) : code;
  } finally {
    cloud.sfn.destroy();
  }
}
