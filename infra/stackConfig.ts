// What a deployment may choose, read from `cdk.json` context (or `cdk deploy -c key=value`):
// one pure validation that collects every problem and throws once (STYLE.md,
// aws-solutions-constructs input-validation), so a deployer fixes cdk.json in one pass.
//
//   "dropsweep:schedule": "cron(0 6 ? * MON *)"   EventBridge Scheduler expression, or "off"
//   "dropsweep:scheduledSpec": "sweeps/paper.yaml" the reproduction sweep the schedule runs
//   "dropsweep:baselineKey": "baselines/paper.json" stored summary.json it is compared with
//   "dropsweep:batchSize": 8                        cells per Worker invocation (ItemBatcher)
//   "dropsweep:maxConcurrency": 200                 Worker invocations at once (0..10000)
//   "dropsweep:workerMemoryMb": 1769                Worker memory (CPU share follows it)
//   "dropsweep:workerTimeoutSeconds": 900           Worker timeout (and its Task's)
//   "dropsweep:toleratedFailurePercentage": 0       failed cells a sweep tolerates (0..100)
//   "dropsweep:alarmEmail": "me@example.com"        subscribed to regressions and failure alarms
//
// Context given on the command line arrives as strings, so numbers are accepted as decimal
// strings too.
import { existsSync, readFileSync } from "node:fs";
import { isAbsolute, join } from "node:path";
import { UsageError } from "../shared/errors.js";
import { checkSpec } from "../shared/spec/spec.js";
import { defaultSweepMapSettings, sweepMapSettingsProblems, type SweepMapSettings } from "./sweepSettings.js";

export const contextPrefix = "dropsweep:";

export interface StackConfig {
  /** Batching, concurrency, tolerated failures, timeouts of the Distributed Map. */
  readonly settings: SweepMapSettings;
  /** Worker Lambda memory in MB (1769 MB is one full vCPU). */
  readonly workerMemoryMb: number;
  /** Scheduler expression (rate(...), cron(...)), or null for no schedule. */
  readonly schedule: string | null;
  /** The scheduled sweep spec, relative to the project root. */
  readonly scheduledSpec: string;
  /** Store key of the baseline summary the scheduled run is compared with. */
  readonly baselineKey: string;
  /** Receives regression notices and failure alarms (a subscription to confirm by e-mail). */
  readonly alarmEmail: string | undefined;
}

/**
 * The Worker's memory and timeout, from Worker batches measured on this machine
 * (`npx tsx bench/workerBatch.ts`, Node 20, 2 cores shared with other work, Nov 2026):
 *   8 representative linear cells (20 x 15 targets, DropBlock, 500 epochs, 1000 MC samples):
 *     ~370 ms warm, ~720 ms cold, peak RSS ~155 MB;
 *   8 large linear cells (40 x 30, r = 24, 2000 epochs): ~4.9 s, peak RSS ~170 MB;
 *   1 deep-network cell (shared/deep, MNIST N = 1000, the defaults): ~30 s, peak RSS ~255 MB.
 * The kernels (and tfjs-backend-wasm) are single-threaded and CPU-bound, and Lambda's CPU share
 * grows with memory up to one vCPU at 1769 MB: below that a batch costs the same GB-seconds but
 * takes longer, above it nothing runs faster. So 1769 MB (~7x the largest peak RSS). Timeout:
 * a batch of 8 deep cells is ~240 s here and perhaps twice that on a Graviton vCPU, so the
 * Lambda maximum, 900 s; linear batches finish in seconds.
 */
export const measuredWorker = { memoryMb: 1769, timeoutSeconds: 900 } as const;

export const defaultStackConfig: StackConfig = {
  settings: { ...defaultSweepMapSettings, workerTimeoutSeconds: measuredWorker.timeoutSeconds },
  workerMemoryMb: measuredWorker.memoryMb,
  // Weekly, Monday 06:00 UTC.
  schedule: "cron(0 6 ? * MON *)",
  scheduledSpec: "sweeps/paper.yaml",
  baselineKey: "baselines/paper.json",
  alarmEmail: undefined,
};

/** Context keys (without the prefix) and the StackConfig field each sets. */
const numberKeys = {
  batchSize: "maxItemsPerBatch",
  maxConcurrency: "maxConcurrency",
  toleratedFailurePercentage: "toleratedFailurePercentage",
  workerTimeoutSeconds: "workerTimeoutSeconds",
} as const satisfies Record<string, keyof SweepMapSettings>;
const knownKeys = [...Object.keys(numberKeys), "workerMemoryMb", "schedule", "scheduledSpec", "baselineKey", "alarmEmail"];

const rateExpression = /^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$/;
// Six fields: minutes hours day-of-month month day-of-week year (EventBridge's cron).
const cronExpression = /^cron\(\S+( \S+){5}\)$/;
const email = /^[^@\s]+@[^@\s]+\.[^@\s]+$/;
const storeKey = /^[A-Za-z0-9!_.*'()-]+(\/[A-Za-z0-9!_.*'()-]+)*$/;

function numberFrom(value: unknown): number {
  if (typeof value === "number") return value;
  if (typeof value === "string" && /^-?\d+(\.\d+)?$/.test(value.trim())) return Number(value);
  return Number.NaN;
}

/** Problems with a schedule expression ("off" means none). */
export function scheduleProblems(schedule: string): string[] {
  if (schedule === "off") return [];
  const rate = rateExpression.exec(schedule);
  if (rate) return Number(rate[1]) >= 1 ? [] : [`schedule: a rate must be at least 1 (got "${schedule}")`];
  if (cronExpression.test(schedule)) return [];
  return [
    `schedule must be "rate(N minutes|hours|days)", "cron(min hour day-of-month month day-of-week year)" or "off" (got "${schedule}")`,
  ];
}

export interface StackConfigOptions {
  /** Where relative paths (the scheduled spec) are resolved. */
  readonly projectRoot: string;
  /** The deployed kernels' version (specs are checked against it); called only when needed. */
  readonly kernelVersion: () => number;
  /** Settings that win over the context (tests, the local runner). */
  readonly settings?: Partial<SweepMapSettings>;
}

/**
 * Every problem with `context` (keys with the "dropsweep:" prefix; others are ignored) merged
 * over the defaults (and `options.settings` over both), and the resulting config. The scheduled
 * spec is parsed with the same schema as `dropsweep run` when a schedule is on.
 */
export function checkStackConfig(
  context: Record<string, unknown>,
  options: StackConfigOptions,
): { config: StackConfig; problems: string[] } {
  const problems: string[] = [];
  const value = (key: string) => context[contextPrefix + key];
  for (const key of Object.keys(context)) {
    if (key.startsWith(contextPrefix) && !knownKeys.includes(key.slice(contextPrefix.length)))
      problems.push(`${key} is not a dropsweep setting (known: ${knownKeys.map((k) => contextPrefix + k).join(", ")})`);
  }

  const settings: Record<string, unknown> = { ...defaultStackConfig.settings };
  for (const [key, field] of Object.entries(numberKeys)) if (value(key) !== undefined) settings[field] = numberFrom(value(key));
  Object.assign(settings, options.settings);
  // Named as the context keys, so a deployer finds the key to fix.
  const fieldToKey = Object.fromEntries(Object.entries(numberKeys).map(([k, f]) => [f, k]));
  for (const p of sweepMapSettingsProblems(settings as unknown as SweepMapSettings)) {
    const field = p.split(" ")[0]!;
    problems.push(`${contextPrefix}${fieldToKey[field] ?? field}${p.slice(field.length)}`);
  }

  const workerMemoryMb = value("workerMemoryMb") === undefined ? defaultStackConfig.workerMemoryMb : numberFrom(value("workerMemoryMb"));
  if (!Number.isInteger(workerMemoryMb) || workerMemoryMb < 128 || workerMemoryMb > 10240)
    problems.push(`${contextPrefix}workerMemoryMb must be an integer from 128 to 10240 MB (got ${String(value("workerMemoryMb"))})`);

  const text = (key: string, fallback: string) => {
    const v = value(key);
    if (v === undefined) return fallback;
    if (typeof v !== "string" || v.trim() === "") {
      problems.push(`${contextPrefix}${key} must be a non-empty string (got ${JSON.stringify(v)})`);
      return fallback;
    }
    return v.trim();
  };
  const schedule = text("schedule", defaultStackConfig.schedule!);
  problems.push(...scheduleProblems(schedule).map((p) => contextPrefix + p));

  const baselineKey = text("baselineKey", defaultStackConfig.baselineKey);
  if (!storeKey.test(baselineKey) || !baselineKey.startsWith("baselines/"))
    problems.push(
      `${contextPrefix}baselineKey must be a store key under baselines/ (the only prefix Aggregate may read baselines from), got "${baselineKey}"`,
    );

  const scheduledSpec = text("scheduledSpec", defaultStackConfig.scheduledSpec);
  if (schedule !== "off") {
    const path = isAbsolute(scheduledSpec) ? scheduledSpec : join(options.projectRoot, scheduledSpec);
    if (!existsSync(path))
      problems.push(
        `${contextPrefix}scheduledSpec: no file ${scheduledSpec} (the sweep the schedule runs; or set ${contextPrefix}schedule to "off")`,
      );
    else {
      const check = checkSpec(readFileSync(path, "utf8"), { kernelVersion: options.kernelVersion(), source: scheduledSpec });
      if (!check.ok)
        problems.push(
          `${contextPrefix}scheduledSpec ${scheduledSpec} is not a valid spec: ${check.problems.map((p) => (p.path ? `${p.path}: ${p.message}` : p.message)).join("; ")}`,
        );
    }
  }

  let alarmEmail: string | undefined;
  if (value("alarmEmail") !== undefined && value("alarmEmail") !== "") {
    const v = value("alarmEmail");
    if (typeof v !== "string" || !email.test(v))
      problems.push(`${contextPrefix}alarmEmail must be an e-mail address (got ${JSON.stringify(v)})`);
    else alarmEmail = v;
  }

  return {
    config: {
      settings: settings as unknown as SweepMapSettings,
      workerMemoryMb,
      schedule: schedule === "off" ? null : schedule,
      scheduledSpec,
      baselineKey,
      alarmEmail,
    },
    problems,
  };
}

/** The config `context` describes; throws one UsageError naming every problem. */
export function resolveStackConfig(context: Record<string, unknown>, options: StackConfigOptions): StackConfig {
  const { config, problems } = checkStackConfig(context, options);
  if (problems.length > 0)
    throw new UsageError(
      `invalid cdk.json context (${problems.length} problem${problems.length === 1 ? "" : "s"}):\n  ${problems.join("\n  ")}`,
    );
  return config;
}
