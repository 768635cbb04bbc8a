// `dropsweep cloud fetch SWEEP`: download the sweep's report (summary.json, report.md,
// report.html, plots/) after checking the summary; nothing is written if it is damaged.
import { join, resolve } from "node:path";
import { keys } from "../../../shared/store/layout.js";
import { checkSummary } from "../../../shared/results/summary.js";
import { FileStore } from "../../../shared/store/fs.js";
import { defineCommand, flag, helpText, parseCommandArgs, type CommandDefinition } from "../../args.js";
import { exitCodes } from "../../exitCodes.js";
import { CommandFailure } from "../../failure.js";
import { strictExit } from "../../verdict.js";
import { aws } from "./awsErrors.js";
import { aggregateOutput, exitCodeOf, follow, printOutput } from "./execution.js";
import { connect, stackOptions, sweepIdOf } from "./stack.js";
import { followArgs, type FollowFlags } from "./status.js";

export const summary = "download the sweep's report (summary.json, report.md, report.html, plots)";

export const definition = (): CommandDefinition => ({
  path: "cloud fetch",
  usage:
    "SWEEP (--stack NAME | --bucket NAME --state-machine ARN) [--out DIR] [--wait] [--interval S] [--strict] [--attempt N] [--region R] [--endpoint URL]",
  description: `Downloads the sweep's report (summary.json, report.md, report.html, plots/) into --out DIR, after checking the summary (nothing is written if it is damaged), and prints the claims' verdict. SWEEP: the 64-hex sweep id \`cloud start\` printed, or the SPEC file itself.`,
  options: [
    ...stackOptions(),
    flag("--out <DIR>", "where to write (default cloud-reports/SWEEP)"),
    flag("--wait", "wait for a running execution to end first"),
    flag("--interval <S>", "seconds between polls while waiting (default 15)"),
    flag("--strict", "exit 4 when a claim of the report fails or is inconclusive (any status but pass or skipped)"),
  ],
  after: `Exit codes: 0 fetched, the execution succeeded; 1 still running, failed without a report, or an
AWS call failed; 2 bad input, or an execution output this dropsweep cannot read (another
version's stack, or not a dropsweep stack: the field is named), nothing written; 3 fetched,
regressions against the baseline; 4 with --strict, fetched, a claim failed or is inconclusive.`,
});

export const command = () => defineCommand(definition());

export async function run(argv: string[], out: NodeJS.WritableStream): Promise<number> {
  const { help, values, positionals } = parseCommandArgs<FollowFlags & { out?: string; wait?: boolean }>("cloud fetch", command(), argv);
  if (help) {
    out.write(helpText(command()));
    return exitCodes.ok;
  }
  const { target, args, intervalSeconds } = followArgs("fetch", values, positionals);
  const sweepId = await sweepIdOf("fetch", target);
  const cloud = await connect(args);
  try {
    const execution = await follow(cloud, sweepId, { attempt: args.attempt, intervalSeconds, keepPolling: values.wait === true }, out);
    // Checked before anything is downloaded or written: an output this dropsweep cannot read
    // means the stack is not the one it talks to.
    const result = aggregateOutput(execution, "nothing was written");
    if (execution.status === "RUNNING") {
      out.write("the execution is still running: its report is not written yet (add --wait to wait for it)\n");
      return exitCodes.failed;
    }
    const prefix = keys.report(sweepId, "");
    const reportKeys: string[] = [];
    await aws(`listing s3://${cloud.bucket}/${prefix}`, args, async () => {
      for await (const key of cloud.store.list(prefix)) reportKeys.push(key);
    });
    const summaryKey = keys.summary(sweepId);
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
    if (summary.sweepId !== sweepId) throw new CommandFailure(`cloud: ${where} is the summary of sweep ${summary.sweepId}, not ${sweepId}`);
    // The store's atomic, durable write (temporary file, fsync, rename): a reader of DIR never
    // sees half a file, and a crash leaves the old file or the new one.
    const directory = resolve(values.out ?? join("cloud-reports", sweepId));
    const local = new FileStore(directory);
    for (const [key, bytes] of files) await local.put(key.slice(prefix.length), bytes);
    out.write(`${files.size} files in ${directory}\n`);
    for (const name of ["summary.json", "report.md", "report.html"])
      if (files.has(prefix + name)) out.write(`  ${join(directory, name)}\n`);
    const claims = summary.claims.map(({ id, status }) => ({ id, status }));
    printOutput(result, claims, join(directory, "report.html"), out);
    const code = exitCodeOf(execution);
    return code === exitCodes.ok && values.strict ? strictExit(claims) : code;
  } finally {
    cloud.sfn.destroy();
  }
}
