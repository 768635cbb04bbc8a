// Following a sweep's execution, shared by `cloud status` and `cloud fetch`: its status line,
// the map run's cell counts while it runs, its exit code, and what its output says.
import {
  DescribeExecutionCommand,
  DescribeMapRunCommand,
  ListMapRunsCommand,
  type DescribeExecutionCommandOutput,
} from "@aws-sdk/client-sfn";
import { regressionError } from "../../../infra/names.js";
import { UsageError } from "../../../shared/errors.js";
import type { AggregateResult } from "../../../shared/pipeline/contract.js";
import { claimIdSchema } from "../../../shared/claims/result.js";
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

/** Aggregate's result, from the execution's output (undefined before it ends, or if not ours). */
export function aggregateOutput(e: DescribeExecutionCommandOutput): Partial<AggregateResult> | undefined {
  if (!e.output) return undefined;
  try {
    const result = JSON.parse(e.output) as unknown;
    return result && typeof result === "object" ? (result as Partial<AggregateResult>) : undefined;
  } catch {
    // Not ours to judge: the status line said enough.
    return undefined;
  }
}

/** The cell counts, the regressions and the claims' verdict an ended execution reports. */
export function printOutput(
  result: Partial<AggregateResult> | undefined,
  claims: readonly ClaimVerdict[] | undefined,
  report: string | undefined,
  out: NodeJS.WritableStream,
): void {
  if (result?.cells)
    out.write(
      `cells: ${result.cells.computed} computed, ${result.cells.cached} cached, ${result.cells.failed} failed of ${result.cells.total}\n`,
    );
  if (typeof result?.regressions === "number") out.write(`regressions against the baseline: ${result.regressions}\n`);
  if (claims) out.write(`${verdictLine(claims, report)}\n`);
}

/** The claims of an execution's output, when it has them (stacks deployed before they were added do not). */
export function outputClaims(result: Partial<AggregateResult> | undefined): ClaimVerdict[] | undefined {
  return Array.isArray(result?.claims)
    ? result.claims.filter((c) => claimIdSchema.safeParse(c?.id).success && typeof c?.status === "string")
    : undefined;
}
