// The local runner: the sweep state machine of infra/stack.ts, synthesized in-process (no
// bundling, no validation), rendered to plain ASL, lowered (lower.ts) and executed with
// aws-local-stepfunctions, every Lambda handler running in a worker-thread pool.
//
//   import { runLocal, terminalProgress } from "../../infra/local/index.js";
//   const run = await runLocal({
//     input: { specKey: "sweeps/abc/spec.yaml" },        // PlanEvent
//     storeUrl: "file:///home/me/runs",                  // or s3://bucket/prefix (+ endpoint)
//     progress: terminalProgress(process.stderr),
//   });
//   run.status;   // "SUCCEEDED" | "FAILED" (e.g. Dropsweep.Regression after Aggregate)
//   run.output;   // Aggregate's AggregateResult (also when a regression failed the run)
//
// Custom handlers (tests, fault injection): `handlers: { worker: "/abs/path/flaky.ts" }` or an
// in-process function `handlers: { worker: async (event) => ... }`.
import { availableParallelism } from "node:os";
import type { CfnElement } from "aws-cdk-lib";
import { locate, openStore } from "../../shared/store/open.js";
import type { Store } from "../../shared/store/store.js";
import type { AggregateResult, PlanEvent, PlanResult } from "../../shared/pipeline/contract.js";
import { projectRoot } from "../stack.js";
import type { SweepMapSettings } from "../sweepSettings.js";
import { stateNames } from "../sweepStateMachine.js";
import { synthStack } from "../synth.js";
import { executeLocally, type AttemptErrors, type Notice, type PayloadSizes, type TaskHandler } from "./execute.js";
import { FaultPlan, type FaultCounts, type FaultSettings } from "./faults.js";
import { HandlerPool } from "./handlerPool.js";
import { StatesError } from "./mapRun.js";
import { ProgressTracker, type LocalProgress, type ProgressListener } from "./progress.js";
import { renderStateMachine, type RenderedStateMachine } from "./render.js";

export {
  executeLocally,
  type AttemptErrors,
  type ExecuteOptions,
  type ExecutionOutcome,
  type Notice,
  type PayloadSizes,
  type TaskHandler,
} from "./execute.js";
export {
  FaultPlan,
  faultyStore,
  uniform,
  workerFaultKinds,
  injectedFaultError,
  type FaultCounts,
  type FaultSettings,
  type InjectedFault,
  type WorkerFaultKind,
} from "./faults.js";
export { HandlerPool, HandlerError } from "./handlerPool.js";
export { lowerDefinition, loweredNames, LoweringError, type Lowering } from "./lower.js";
export { MapRuns, StatesError } from "./mapRun.js";
export { formatProgress, terminalProgress, ProgressTracker, type LocalProgress, type ProgressListener } from "./progress.js";
export { renderStateMachine, type AslDefinition, type AslState, type RenderedStateMachine } from "./render.js";

export type SweepRole = "plan" | "worker" | "reduce" | "aggregate";

/** The state machine's functions, in the order they run. */
export const sweepRoles: readonly SweepRole[] = ["plan", "worker", "reduce", "aggregate"];

export interface RunLocalOptions {
  /** Plan's event: the spec is already in the store at `specKey`. */
  input: PlanEvent;
  /** The store the handlers and the map read and write: file:///abs/dir or s3://bucket/prefix. */
  storeUrl: string;
  /** S3-compatible endpoint for an s3:// store (DROPSWEEP_S3_ENDPOINT of the handlers). */
  endpoint?: string;
  /** Worker threads, and the cap on concurrent batches. @default os.availableParallelism() */
  concurrency?: number;
  /** Cells per Worker invocation (ItemBatcher MaxItemsPerBatch). @default the stack's (8) */
  batchSize?: number;
  /** Other state machine settings, e.g. toleratedFailurePercentage. @default the stack's */
  settings?: Partial<SweepMapSettings>;
  /** Receives progress (phase, cells done/pending, rate, ETA); see terminalProgress. */
  progress?: ProgressListener;
  /** Receives what the SNS publish would send. @default a notice on stderr */
  notify?: (notice: Notice) => void;
  /** Replace a handler: a module path (absolute or project-relative) or an in-process function. */
  handlers?: Partial<Record<SweepRole, TaskHandler>>;
  /** An already opened store for `storeUrl` (else it is opened here). */
  store?: Store;
  /**
   * More handler environment, over the defaults: DROPSWEEP_STORE, DROPSWEEP_S3_ENDPOINT, and
   * quiet Powertools (POWERTOOLS_LOG_LEVEL=WARN, POWERTOOLS_METRICS_DISABLED=true) unless the
   * process environment sets them; e.g. { POWERTOOLS_LOG_LEVEL: "INFO" } for handler logs.
   */
  env?: Record<string, string>;
  /**
   * Inject faults into the Worker (faults.ts): at `rate`, invocations crash or hang past the
   * Task timeout and store writes fail, deterministically for a `seed`. The Worker handler
   * becomes infra/local/faultyWorker.ts (the real runWorker over a failing store) unless
   * `handlers.worker` is given. Retries (the state machine's, the worker's) absorb them.
   */
  faults?: FaultSettings;
  /**
   * Aborting it interrupts the run (Ctrl-C): the execution stops, the worker threads are
   * terminated (a write in flight never lands: writes are atomic), and the result's status is
   * ABORTED. What was stored stays; running the same sweep again resumes.
   */
  signal?: AbortSignal;
}

export interface RunLocalResult {
  status: "SUCCEEDED" | "FAILED" | "ABORTED";
  /** Aggregate's result, when Aggregate ran (also when a regression then failed the run). */
  output?: AggregateResult;
  /** Plan's result, when Plan ran. */
  plan?: PlanResult;
  /** Why the run failed: the error name the state machine saw and its cause. */
  error?: { name: string; cause: string };
  /** What the SNS publish would have sent (regressions). */
  notices: Notice[];
  /** The last progress snapshot (cells done and failed, rate). */
  progress: LocalProgress;
  elapsedSeconds: number;
  /** Largest input and output of each Task (Plan, Worker, Reduce, Aggregate), in bytes of JSON. */
  payloadSizes: PayloadSizes;
  /** What was injected, when `faults` was given. */
  faults?: FaultCounts;
  /**
   * Errors of Task attempts, retried or not, by state and error name: e.g. the Worker's
   * Dropsweep.BatchIncomplete (a batch continued in a new invocation) or States.Timeout.
   */
  attemptErrors: AttemptErrors;
}

const machines = new Map<string, { machine: RenderedStateMachine; logicalIds: Record<SweepRole, string> }>();

/** The stack's state machine as plain ASL (memoized per settings: synthesis costs ~1 s). */
export function localStateMachine(settings: Partial<SweepMapSettings> = {}): {
  machine: RenderedStateMachine;
  logicalIds: Record<SweepRole, string>;
} {
  const cacheKey = JSON.stringify(settings);
  let found = machines.get(cacheKey);
  if (!found) {
    const { stack, template } = synthStack({ props: { settings } });
    const logicalId = (role: SweepRole) => stack.getLogicalId(stack.functions[role].function.node.defaultChild as CfnElement);
    found = {
      machine: renderStateMachine(template, stack.getLogicalId(stack.sweep.stateMachine.node.defaultChild as CfnElement)),
      logicalIds: Object.fromEntries(sweepRoles.map((role) => [role, logicalId(role)])) as Record<SweepRole, string>,
    };
    machines.set(cacheKey, found);
  }
  return found;
}

/**
 * S3 locations in the definition -> store keys: the template's bucket placeholders (the
 * ResultWriter's bucket) name the store itself; the store's own bucket (what Plan reports via
 * `locate`) is the store with its prefix removed. Anything else is outside the one local store.
 */
export function storeLocator(store: Store, placeholderBuckets: Iterable<string>): (bucket: string, key: string) => string {
  const placeholders = new Set(placeholderBuckets);
  const probe = locate(store, "probe");
  const prefix = probe.key.slice(0, probe.key.length - "probe".length);
  return (bucket, key) => {
    if (placeholders.has(bucket)) return key;
    if (bucket === probe.bucket && key.startsWith(prefix)) return key.slice(prefix.length);
    throw new StatesError("States.ItemReaderFailed", `s3://${bucket}/${key} is outside the local store ${store.url}`);
  };
}

export async function runLocal(options: RunLocalOptions): Promise<RunLocalResult> {
  // Synthesis and the first threads' imports take seconds on a cold start: say so.
  options.progress?.(new ProgressTracker(undefined).snapshot());
  const settings = { ...options.settings, ...(options.batchSize !== undefined ? { maxItemsPerBatch: options.batchSize } : {}) };
  const { machine, logicalIds } = localStateMachine(settings);
  const store = options.store ?? openStore(options.storeUrl, options.endpoint ? { endpoint: options.endpoint } : {});
  // Handlers log and emit metrics as JSON lines meant for CloudWatch; on a terminal they would
  // bury the progress line, so warnings only unless asked.
  const env = {
    POWERTOOLS_LOG_LEVEL: process.env.POWERTOOLS_LOG_LEVEL ?? "WARN",
    POWERTOOLS_METRICS_DISABLED: process.env.POWERTOOLS_METRICS_DISABLED ?? "true",
    ...options.env,
    DROPSWEEP_STORE: options.storeUrl,
    ...(options.endpoint ? { DROPSWEEP_S3_ENDPOINT: options.endpoint } : {}),
  };

  const handlers: Record<string, TaskHandler> = {};
  const roleHandlers = { ...(options.faults ? { worker: "infra/local/faultyWorker.ts" } : {}), ...options.handlers };
  for (const role of sweepRoles) {
    const handler = roleHandlers[role];
    if (handler !== undefined) handlers[logicalIds[role]] = handler;
  }
  const faultPlan = options.faults ? new FaultPlan(options.faults) : undefined;

  let last: LocalProgress | undefined;
  const pool = new HandlerPool({ concurrency: options.concurrency ?? availableParallelism(), env });
  try {
    const outcome = await executeLocally({
      machine,
      input: options.input,
      store,
      projectRoot,
      handlers,
      pool,
      locate: storeLocator(store, machine.buckets.values()),
      progress: (p) => {
        last = p;
        options.progress?.(p);
      },
      ...(options.notify ? { notify: options.notify } : {}),
      phases: { [stateNames.plan]: "plan", [stateNames.reduce]: "aggregate", [stateNames.aggregate]: "aggregate" },
      planState: stateNames.plan,
      cellsMap: stateNames.cells,
      ...(faultPlan ? { faults: { plan: faultPlan, functions: [logicalIds.worker] } } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
    });
    const plan = outcome.taskResults.get(stateNames.plan) as PlanResult | undefined;
    const output = outcome.taskResults.get(stateNames.aggregate) as AggregateResult | undefined;
    return {
      status: outcome.status,
      ...(output !== undefined ? { output } : {}),
      ...(plan !== undefined ? { plan } : {}),
      ...(outcome.error ? { error: outcome.error } : {}),
      notices: outcome.notices,
      progress: last ?? new ProgressTracker(undefined).snapshot(),
      elapsedSeconds: outcome.elapsedSeconds,
      payloadSizes: outcome.payloadSizes,
      attemptErrors: outcome.attemptErrors,
      ...(faultPlan ? { faults: faultPlan.counts } : {}),
    };
  } finally {
    await pool.close();
  }
}
