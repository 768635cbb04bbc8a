// Following a sweep's execution, shared by `cloud status` and `cloud fetch`: its status line,
// the map run's cell counts while it runs, its exit code, and what its output says (Aggregate's
// result, checked with the contract's schema before anything reads or writes by it).
import {
  DescribeExecutionCommand,
  DescribeMapRunCommand,
  ListMapRunsCommand,
  type DescribeExecutionCommandOutput,
} from "@aws-sdk/client-sfn";
import { regressionError } from "../../../infra/names.js";
import { UsageError } from "../../../shared/errors.js";
import { aggregateResultSchema, type AggregateResult } from "../../../shared/pipeline/contract.js";
import { parseDocument } from "../../../shared/store/document.js";
import { verdictLine, type ClaimVerdict } from "../../../shared/pipeline/verdict.js";
import { exitCodes } from "../../exitCodes.js";
import { awsFailure } from "./awsErrors.js";
import { executionArn, executionName, type Cloud } from "./stack.js";

/** The execution, or undefined when there is none by that ARN. */
export async function describe(cloud: Cloud, arn: string): Promise<DescribeExecutionCommandOutput | undefined> {
  try {
    return await cloud.sfn.send(new DescribeExecutionCommand({ executionArn: arn }));
  } catch (error) {
    if ((error as Error).name === "ExecutionDoesNotExist") return undefined;
    if ((error as Error).name === "StateMachineDoesNotExist")
      throw new UsageError(
        `cloud: no state machine ${cloud.stateMachineArn}${cloud.region ? ` in ${cloud.region}` : ""} (check --state-machine/--stack and --region)`,
      );
    throw awsFailure(error, `reading execution ${arn} (DescribeExecution)`, cloud);
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

/** 0 succeeded or still running; 3 regressions; 1 any other end. */
export function exitCodeOf(e: DescribeExecutionCommandOutput): number {
  if (e.status === "SUCCEEDED" || e.status === "RUNNING" || e.status === "PENDING_REDRIVE") return exitCodes.ok;
  return e.error === regressionError ? exitCodes.regression : exitCodes.failed;
}

const sleep = (seconds: number) => new Promise((r) => setTimeout(r, seconds * 1000));

/** Poll until the execution ends (or once, when not following), printing each change. */
export async function follow(
  cloud: Cloud,
  sweepId: string,
  options: { attempt: number; intervalSeconds: number; keepPolling: boolean },
  out: NodeJS.WritableStream,
): Promise<DescribeExecutionCommandOutput> {
  const arn = executionArn(cloud.stateMachineArn, executionName(sweepId, options.attempt));
  let last = "";
  for (;;) {
    const execution = await describe(cloud, arn);
    if (!execution)
      throw new UsageError(
        `cloud: no execution ${arn}: start the sweep with \`dropsweep cloud start SPEC\` first${options.attempt > 1 ? ` (attempt ${options.attempt})` : ""}`,
      );
    const running = execution.status === "RUNNING";
    const line = [describeLine(execution), running ? await mapProgress(cloud, arn) : undefined].filter(Boolean).join("; ");
    if (line !== last) out.write(`${new Date().toISOString().slice(11, 19)} ${line}\n`);
    last = line;
    if (!running || !options.keepPolling) return execution;
    await sleep(options.intervalSeconds);
  }
}

/**
 * Aggregate's result, from an ended execution's output, checked with the contract's schema (the
 * one the Aggregate handler returns); undefined while it runs or when it ended without one (a
 * failed, timed-out or regressing run). An output that is not one (another dropsweep version's
 * stack, not a dropsweep stack, cut short) is refused: one line naming each field that is wrong,
 * exit 2, and the caller has written nothing yet. `consequence` ends the line (fetch: "nothing
 * was written").
 */
export function aggregateOutput(e: DescribeExecutionCommandOutput, consequence = ""): AggregateResult | undefined {
  if (e.output === undefined && e.status !== "SUCCEEDED") return undefined;
  const checked = e.output === undefined ? { ok: false as const, problem: "no output" } : parseDocument(aggregateResultSchema, e.output);
  if (checked.ok) return checked.value;
  throw new UsageError(
    `cloud: the output of execution ${e.executionArn} is not Aggregate's result as this dropsweep reads it: ${checked.problem} ` +
      `(a stack deployed by another dropsweep version: deploy this one with npx cdk deploy; or not a dropsweep stack: check --stack/--state-machine)` +
      (consequence ? `; ${consequence}` : ""),
  );
}

/** The cell counts, the regressions and the claims' verdict an ended execution reports. */
export function printOutput(
  result: AggregateResult | undefined,
  claims: readonly ClaimVerdict[] | undefined,
  report: string | undefined,
  out: NodeJS.WritableStream,
): void {
  if (result) {
    out.write(
      `cells: ${result.cells.computed} computed, ${result.cells.cached} cached, ${result.cells.failed} failed of ${result.cells.total}\n`,
    );
    out.write(`regressions against the baseline: ${result.regressions}\n`);
  }
  if (claims) out.write(`${verdictLine(claims, report)}\n`);
}
