// `dropsweep cloud doctor --stack NAME`: the preflight to run before the first sweep on a
// deployed stack (docs/CLOUD.md "Before the first sweep: `dropsweep cloud doctor`"). Each check says what it found and,
// when it would make sweeps fail or fail unnoticed, what to change:
//   - the stack: its status and the outputs `cloud start|status|fetch` read;
//   - the Worker's Lambda concurrency (the account's, or the function's reservation) against
//     the sweep map's MaxConcurrency: throttled batches use up their retries and, with no
//     failures tolerated, fail the map (new accounts are often granted 10);
//   - the CDK bootstrap version against what this checkout's template requires;
//   - a confirmed subscription to the alarm topic, without which regression notices and
//     failure alarms reach nobody;
//   - the baseline the scheduled run compares with (the BaselineKey output): a deployment
//     creates none, so until one is promoted the scheduled run fails.
import type { Stack } from "@aws-sdk/client-cloudformation";
import { GetAccountSettingsCommand, GetFunctionConcurrencyCommand, LambdaClient } from "@aws-sdk/client-lambda";
import { DescribeStateMachineCommand, SFNClient } from "@aws-sdk/client-sfn";
import { ListSubscriptionsByTopicCommand, SNSClient, type Subscription } from "@aws-sdk/client-sns";
import { GetParameterCommand, SSMClient } from "@aws-sdk/client-ssm";
import { outputNames } from "../../../infra/names.js";
import { promoteBaseline } from "../../../shared/pipeline/baseline.js";
import { checkSummary } from "../../../shared/results/summary.js";
import { openStore } from "../../../shared/store/open.js";
import { counted } from "../../../shared/text.js";
import { defineCommand, helpText, parseCommandArgs, type CommandDefinition } from "../../args.js";
import { exitCodes } from "../../exitCodes.js";
import { awsFailure, type Where } from "./awsErrors.js";
import { clientConfig, describeStack, refuseProblems, stackArgs, stackOptions, stackOutput, type StackFlags } from "./stack.js";

export const summary = "check a deployed stack before the first sweep: concurrency, outputs, bootstrap, alarm subscribers, baseline";

export const definition = (): CommandDefinition => ({
  path: "cloud doctor",
  usage: "--stack NAME [--region R] [--endpoint URL]",
  description: `Checks a deployed stack before its first sweep and says what to change: the stack's status and outputs; the Worker's Lambda concurrency (the account's, or the function's reservation) against the sweep map's MaxConcurrency; the CDK bootstrap version against what this checkout's stack requires; whether anyone is subscribed to the alarm topic; and whether the baseline the scheduled run compares with (the BaselineKey output) is stored and readable. Needs cloudformation:DescribeStacks, states:DescribeStateMachine, lambda:GetAccountSettings, lambda:GetFunctionConcurrency, ssm:GetParameter, sns:ListSubscriptionsByTopic and s3:GetObject on the baseline.`,
  options: stackOptions(false),
  after: `Exit codes: 0 every check passed; 1 something to change (each finding says what), or a
check could not run; 2 bad input (no such stack, no region or credentials).`,
});

export const command = () => defineCommand(definition());

/** One check's outcome: "ok", something to change ("fix"), or "unchecked" (the call failed). */
export interface Finding {
  check: string;
  state: "ok" | "fix" | "unchecked";
  found: string;
  /** What to change (fix), or what would let the check run (unchecked). */
  change?: string;
}

/** The number Step Functions runs at most when a Distributed Map's MaxConcurrency is 0. */
const distributedMapLimit = 10_000;
/** Lambda's "Concurrent executions" quota (Service Quotas). */
const concurrencyQuotaCode = "L-B99A9384";

interface DistributedMap {
  state: string;
  maxConcurrency: number;
  /** The Lambda function its items invoke (an ARN or name), when the definition names one. */
  worker?: string;
}

/** The Distributed Map states of an ASL definition, with their concurrency and Worker function. */
export function distributedMaps(definition: string): DistributedMap[] {
  const found: DistributedMap[] = [];
  const visit = (states: Record<string, Record<string, unknown>> | undefined) => {
    for (const [name, state] of Object.entries(states ?? {})) {
      const processor = (state.ItemProcessor ?? state.Iterator) as
        { ProcessorConfig?: { Mode?: string }; States?: Record<string, Record<string, unknown>> } | undefined;
      if (state.Type === "Map" && processor?.ProcessorConfig?.Mode === "DISTRIBUTED") {
        const tasks = Object.values(processor.States ?? {}).filter((s) => s.Type === "Task");
        const worker = tasks
          .map((t) =>
            /^arn:[^:]+:lambda:/.test(String(t.Resource))
              ? String(t.Resource)
              : (t.Parameters as { FunctionName?: unknown } | undefined)?.FunctionName,
          )
          .find((f): f is string => typeof f === "string");
        found.push({
          state: name,
          maxConcurrency: typeof state.MaxConcurrency === "number" ? state.MaxConcurrency : 0,
          ...(worker ? { worker } : {}),
        });
      }
      if (processor?.States) visit(processor.States);
      for (const branch of (state.Branches as { States?: Record<string, Record<string, unknown>> }[] | undefined) ?? [])
        visit(branch.States);
    }
  };
  visit((JSON.parse(definition) as { States?: Record<string, Record<string, unknown>> }).States);
  return found;
}

/** The bootstrap version a synthesized template's CheckBootstrapVersion rule requires, and where it is read. */
export function bootstrapRequirement(template: Record<string, unknown>): { parameter: string; minimum: number } | undefined {
  const parameter = (template.Parameters as Record<string, { Default?: unknown }> | undefined)?.BootstrapVersion?.Default;
  const assertions =
    (template.Rules as Record<string, { Assertions?: { Assert?: unknown }[] }> | undefined)?.CheckBootstrapVersion?.Assertions ?? [];
  // { "Fn::Not": [{ "Fn::Contains": [["1", ..., "5"], { Ref: "BootstrapVersion" }] }] }: the versions refused.
  const refused = assertions.flatMap((a) => {
    const contains = ((a.Assert as { "Fn::Not"?: { "Fn::Contains"?: unknown[] }[] } | undefined)?.["Fn::Not"]?.[0]?.["Fn::Contains"] ??
      []) as unknown[];
    return Array.isArray(contains[0]) ? (contains[0] as unknown[]).map(Number).filter(Number.isInteger) : [];
  });
  if (typeof parameter !== "string" || refused.length === 0) return undefined;
  return { parameter, minimum: Math.max(...refused) + 1 };
}

/** `call`'s failure as an "unchecked" finding naming the call, or a bug rethrown. */
async function attempt<T>(check: string, what: string, where: Where, call: () => Promise<T>): Promise<T | Finding> {
  try {
    return await call();
  } catch (error) {
    const failure = awsFailure(error, what, where);
    if (!(failure instanceof Error) || failure === error) throw failure;
    return {
      check,
      state: "unchecked",
      found: failure.message.replace(/^cloud: /, ""),
      change: "give the credentials the permission named above, or check the endpoint and region",
    };
  }
}
const isFinding = (value: unknown): value is Finding => typeof value === "object" && value !== null && "state" in value && "check" in value;

function stackFindings(stack: Stack, name: string): Finding[] {
  const status = stack.StackStatus ?? "UNKNOWN";
  const settled = /_COMPLETE$/.test(status) && !/ROLLBACK_COMPLETE$|^DELETE/.test(status);
  const findings: Finding[] = [
    settled
      ? { check: "stack", state: "ok", found: `${name} is ${status}` }
      : {
          check: "stack",
          state: "fix",
          found: `${name} is ${status}`,
          change: /IN_PROGRESS$/.test(status)
            ? "wait for the operation to end, then run doctor again"
            : "fix the failed deployment (see the stack's events) and deploy again: npx cdk deploy",
        },
  ];
  const wanted = [outputNames.bucket, outputNames.stateMachine, outputNames.regressionTopic];
  const missing = wanted.filter((output) => !stackOutput(stack, output));
  findings.push(
    missing.length === 0
      ? { check: "outputs", state: "ok", found: wanted.map((o) => `${o} ${stackOutput(stack, o)}`).join(", ") }
      : {
          check: "outputs",
          state: "fix",
          found: `no ${missing.join(", ")} output`,
          change:
            "deploy this project's stack (npx cdk deploy): `dropsweep cloud` finds the bucket, state machine and alarm topic by these outputs",
        },
  );
  return findings;
}

async function concurrencyFinding(stateMachineArn: string, where: Where & { region?: string }): Promise<Finding[]> {
  const check = "Lambda concurrency";
  const sfn = new SFNClient(clientConfig(where));
  const lambda = new LambdaClient(clientConfig(where));
  try {
    const described = await attempt(check, `reading ${stateMachineArn} (DescribeStateMachine)`, where, () =>
      sfn.send(new DescribeStateMachineCommand({ stateMachineArn })),
    );
    if (isFinding(described)) return [described];
    const maps = distributedMaps(described.definition ?? "{}");
    if (maps.length === 0)
      return [
        {
          check,
          state: "fix",
          found: `${stateMachineArn} has no Distributed Map state`,
          change: "deploy this project's stack (npx cdk deploy)",
        },
      ];
    const findings: Finding[] = [];
    const settings = await attempt(check, "reading the account's Lambda limits (GetAccountSettings)", where, () =>
      lambda.send(new GetAccountSettingsCommand({})),
    );
    if (isFinding(settings)) return [settings];
    const limit = settings.AccountLimit?.ConcurrentExecutions ?? 0;
    const unreserved = settings.AccountLimit?.UnreservedConcurrentExecutions ?? limit;
    for (const map of maps) {
      const wanted = map.maxConcurrency === 0 ? distributedMapLimit : map.maxConcurrency;
      let capacity = unreserved;
      let source = `the account's unreserved concurrency is ${unreserved} (of ${limit})`;
      if (map.worker) {
        const reserved = await attempt(check, `reading ${map.worker}'s reserved concurrency (GetFunctionConcurrency)`, where, () =>
          lambda.send(new GetFunctionConcurrencyCommand({ FunctionName: map.worker! })),
        );
        if (isFinding(reserved)) {
          findings.push(reserved);
          continue;
        }
        if (typeof reserved.ReservedConcurrentExecutions === "number") {
          capacity = reserved.ReservedConcurrentExecutions;
          source = `the Worker function reserves ${capacity} concurrent executions`;
        }
      }
      const runs = `the map "${map.state}" runs up to ${wanted} Workers at once (MaxConcurrency ${map.maxConcurrency})`;
      if (capacity >= wanted) {
        findings.push({ check, state: "ok", found: `${runs}; ${source}` });
        continue;
      }
      const lower = Math.max(1, Math.floor(capacity * 0.9));
      findings.push({
        check,
        state: "fix",
        found: `${runs}, but ${source}: batches beyond ${capacity} are throttled, use up their retries and fail the map`,
        change: [
          `ask for more concurrency (Service Quotas, AWS Lambda "Concurrent executions"):`,
          `aws service-quotas request-service-quota-increase --service-code lambda --quota-code ${concurrencyQuotaCode} --desired-value ${Math.max(wanted + 100, 1000)}${where.region ? ` --region ${where.region}` : ""}`,
          `or deploy with a map concurrency the account allows: npx cdk deploy -c dropsweep:maxConcurrency=${lower}`,
        ].join("; "),
      });
    }
    return findings;
  } finally {
    sfn.destroy();
    lambda.destroy();
  }
}

/** The template this checkout deploys (synthesized in-process, ~1 s), for its bootstrap rule. */
async function localTemplate(): Promise<Record<string, unknown>> {
  const { synthStack } = await import("../../../infra/synth.js");
  return synthStack({}).template;
}

async function bootstrapFinding(stack: Stack, where: Where): Promise<Finding> {
  const check = "CDK bootstrap";
  const requirement = bootstrapRequirement(await localTemplate());
  if (!requirement) return { check, state: "ok", found: "this checkout's stack needs no CDK bootstrap (no CheckBootstrapVersion rule)" };
  const account = stack.StackId?.split(":")[4];
  const bootstrap = `npx cdk bootstrap${account && where.region ? ` aws://${account}/${where.region}` : ""}`;
  const ssm = new SSMClient(clientConfig(where));
  try {
    const value = await ssm.send(new GetParameterCommand({ Name: requirement.parameter })).then(
      (r) => r.Parameter?.Value,
      (error: Error) => {
        if (error.name === "ParameterNotFound") return null;
        throw error;
      },
    );
    if (value === null || value === undefined)
      return {
        check,
        state: "fix",
        found: `no ${requirement.parameter}: this account and region are not bootstrapped for the CDK`,
        change: `run ${bootstrap}`,
      };
    const version = Number(value);
    if (!Number.isInteger(version) || version < requirement.minimum)
      return {
        check,
        state: "fix",
        found: `bootstrap version ${value} (${requirement.parameter}); this checkout's stack needs ${requirement.minimum} or newer`,
        change: `run ${bootstrap} (with this project's CDK CLI: npx)`,
      };
    return { check, state: "ok", found: `bootstrap version ${version}; this checkout's stack needs ${requirement.minimum} or newer` };
  } catch (error) {
    const failure = awsFailure(error, `reading ${requirement.parameter} (ssm:GetParameter)`, where);
    if (failure === error) throw error;
    return {
      check,
      state: "unchecked",
      found: (failure as Error).message.replace(/^cloud: /, ""),
      change: "give the credentials ssm:GetParameter on the bootstrap version parameter",
    };
  } finally {
    ssm.destroy();
  }
}

async function subscriberFinding(topicArn: string, where: Where): Promise<Finding> {
  const check = "alarm topic";
  const sns = new SNSClient(clientConfig(where));
  try {
    const subscriptions: Subscription[] = [];
    let next: string | undefined;
    do {
      const page = await attempt(check, `listing ${topicArn}'s subscriptions (ListSubscriptionsByTopic)`, where, () =>
        sns.send(new ListSubscriptionsByTopicCommand({ TopicArn: topicArn, ...(next ? { NextToken: next } : {}) })),
      );
      if (isFinding(page)) return page;
      subscriptions.push(...(page.Subscriptions ?? []));
      next = page.NextToken;
    } while (next);
    const confirmed = subscriptions.filter((s) => s.SubscriptionArn?.startsWith("arn:"));
    const pending = subscriptions.length - confirmed.length;
    const subscribe = `aws sns subscribe --topic-arn ${topicArn} --protocol email --notification-endpoint you@example.com${where.region ? ` --region ${where.region}` : ""}, then confirm the e-mail (or deploy with -c dropsweep:alarmEmail=you@example.com)`;
    if (confirmed.length > 0)
      return {
        check,
        state: "ok",
        found: `${counted(confirmed.length, "confirmed subscription")} (${confirmed.map((s) => `${s.Protocol} ${s.Endpoint}`).join(", ")})${pending ? `, ${pending} pending` : ""}`,
      };
    return {
      check,
      state: "fix",
      found: pending
        ? `${counted(pending, "subscription")} to ${topicArn}, none confirmed: regression notices and failure alarms reach nobody`
        : `nobody is subscribed to ${topicArn}: regression notices and failure alarms reach nobody`,
      change: pending
        ? `confirm the subscription (the link in the e-mail AWS sent), or subscribe again: ${subscribe}`
        : `subscribe: ${subscribe}`,
    };
  } finally {
    sns.destroy();
  }
}

/**
 * The baseline at the BaselineKey output, which the scheduled run compares its summary with
 * (shared/pipeline/baseline.ts): stored, and a summary this dropsweep reads. Without a schedule
 * nothing compares with it, so its absence is no finding.
 */
async function baselineFinding(stack: Stack, name: string, where: Where): Promise<Finding | undefined> {
  const check = "baseline";
  const bucket = stackOutput(stack, outputNames.bucket);
  const key = stackOutput(stack, outputNames.baselineKey);
  if (!bucket) return undefined; // the outputs check says what to do
  if (!key)
    return {
      check,
      state: "fix",
      found: `no ${outputNames.baselineKey} output: the scheduled run's baseline is not known`,
      change: "deploy this checkout's stack (npx cdk deploy)",
    };
  const location = `s3://${bucket}/${key}`;
  const scheduled = stackOutput(stack, outputNames.scheduledSpecKey) !== undefined;
  const bytes = await attempt(check, `reading ${location} (s3:GetObject)`, where, () =>
    openStore(`s3://${bucket}`, clientConfig(where)).get(key),
  );
  if (isFinding(bytes)) return bytes;
  const promote = promoteBaseline(location, { stack: name, sweep: "SPEC" });
  if (!bytes)
    return scheduled
      ? {
          check,
          state: "fix",
          found: `no baseline at ${location} (the ${outputNames.baselineKey} output): the scheduled run compares its summary with it and fails without one; a deployment creates none, on purpose (a baseline is a reviewed run)`,
          change: `run the scheduled sweep once, npx dropsweep cloud start SPEC --stack ${name} (SPEC: the file dropsweep:scheduledSpec names, sweeps/paper.yaml by default), wait for it and review its report, then promote its summary: ${promote}`,
        }
      : { check, state: "ok", found: `no baseline at ${location}; the stack has no schedule, so no run compares with it` };
  try {
    const summary = checkSummary(JSON.parse(new TextDecoder().decode(bytes)) as unknown, location);
    return { check, state: "ok", found: `${location}: the summary of sweep ${summary.sweepId} (${counted(summary.cells.total, "cell")})` };
  } catch (error) {
    if (!(error instanceof Error)) throw error;
    return {
      check,
      state: "fix",
      found: `${location} is not a summary this dropsweep reads, so ${scheduled ? "the scheduled run" : "a run compared with it"} fails on it: ${error instanceof SyntaxError ? "not JSON" : error.message}`,
      change: `regenerate it from the stored results (npx dropsweep report SWEEP --store s3://${bucket}) and copy the new summary.json over it, or promote another reviewed run's summary: ${promote}`,
    };
  }
}

/** Every check of the stack, in the order they are printed. */
export async function diagnose(name: string, where: Where): Promise<Finding[]> {
  const stack = await describeStack(name, where);
  const findings = stackFindings(stack, name);
  const stateMachineArn = stackOutput(stack, outputNames.stateMachine);
  if (stateMachineArn) findings.push(...(await concurrencyFinding(stateMachineArn, where)));
  findings.push(await bootstrapFinding(stack, where));
  const topicArn = stackOutput(stack, outputNames.regressionTopic);
  if (topicArn) findings.push(await subscriberFinding(topicArn, where));
  const baseline = await baselineFinding(stack, name, where);
  if (baseline) findings.push(baseline);
  return findings;
}

const labels = { ok: "ok     ", fix: "CHANGE ", unchecked: "UNKNOWN" } as const;

/** The findings as printed: one line each, then what to change, indented under it. */
export function formatFindings(findings: readonly Finding[]): string {
  return findings.map((f) => `${labels[f.state]} ${f.check}: ${f.found}${f.change ? `\n        -> ${f.change}` : ""}`).join("\n") + "\n";
}

export async function run(argv: string[], out: NodeJS.WritableStream): Promise<number> {
  const { help, values, positionals } = parseCommandArgs<StackFlags>("cloud doctor", command(), argv);
  if (help) {
    out.write(helpText(command()));
    return exitCodes.ok;
  }
  const { problems, args } = stackArgs(values, false);
  if (positionals.length)
    problems.push(`unexpected arguments: ${positionals.join(" ")} (doctor takes only --stack and its region/endpoint)`);
  refuseProblems("doctor", problems);
  out.write(`checking stack ${args.stack}${args.region ? ` in ${args.region}` : ""}\n`);
  const findings = await diagnose(args.stack!, args);
  out.write(formatFindings(findings));
  const toFix = findings.filter((f) => f.state !== "ok");
  if (toFix.length === 0) {
    out.write("ready: every check passed\n");
    return exitCodes.ok;
  }
  out.write(`${counted(toFix.length, "finding")} to act on (marked CHANGE or UNKNOWN above)\n`);
  return exitCodes.failed;
}
