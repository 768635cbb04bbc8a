// Execute a rendered state machine locally: lower it (lower.ts), map every Task to something
// that runs here, and run it with aws-local-stepfunctions.
//
// Task mapping, by Resource:
//   a template function's ARN (LambdaInvoke with payloadResponseOnly) -> its handler, event = the
//     Task's effective input, result = the handler's return value (what AWS does);
//   arn:aws:states:::lambda:invoke -> the engine hands the override {FunctionName, Payload}; the
//     handler gets Payload and the result is wrapped as AWS wraps it ({Payload, StatusCode, ...});
//   arn:aws:states:::sns:publish -> a notice (printed by default, see `notify`);
//   the lowering's helper ARNs -> MapRuns (mapRun.ts).
// Any other resource is an error before the run starts. Handlers are module paths (run in the
// worker-thread pool, like Lambda containers) or in-process functions (tests, fault injection).
import "./polyfill.js";
import { isAbsolute, join } from "node:path";
import { StateMachine } from "aws-local-stepfunctions";
import type { LocalContext } from "../../functions/runtime.js";
import type { FinishedCell } from "../../shared/pipeline/worker.js";
import type { Store } from "../../shared/store/store.js";
import { HandlerError, HandlerPool } from "./handlerPool.js";
import { lowerDefinition, LoweringError, type Lowering } from "./lower.js";
import type { FaultPlan, InjectedFault } from "./faults.js";
import { MapRuns } from "./mapRun.js";
import { ProgressTracker, type LocalPhase, type ProgressListener } from "./progress.js";
import type { AslDefinition, AslState, RenderedFunction, RenderedStateMachine } from "./render.js";

/** A module path (absolute, or relative to the project root) exporting `handler`, or a function. */
export type TaskHandler =
  string | ((event: unknown, context?: LocalContext & { dropsweepFault?: InjectedFault }) => unknown | Promise<unknown>);

/** What an SNS publish Task would have sent. */
export interface Notice {
  state: string;
  topicArn: string;
  subject?: string;
  message: unknown;
}

export interface ExecuteOptions {
  machine: RenderedStateMachine;
  input: unknown;
  store: Store;
  /** Resolves relative handler paths (template metadata is relative to it). */
  projectRoot: string;
  /** Handlers by function placeholder ARN or logical id; they win over the template's metadata. */
  handlers?: Record<string, TaskHandler>;
  /** Worker threads, and the cap on children a lowered map runs at once. @default os.availableParallelism() */
  concurrency?: number;
  /** Handler environment on top of process.env (DROPSWEEP_STORE, DROPSWEEP_S3_ENDPOINT). */
  env?: Record<string, string | undefined>;
  /** The store key of an S3 object the definition names. @default the key itself */
  locate?: (bucket: string, key: string) => string;
  progress?: ProgressListener;
  /** Called for each SNS publish. @default a line on stderr */
  notify?: (notice: Notice) => void;
  /** Task states whose start marks a progress phase (e.g. {Plan: "plan", Aggregate: "aggregate"}). */
  phases?: Record<string, LocalPhase>;
  /** The Task whose result is Plan's (total/cached/pending feed progress). */
  planState?: string;
  /** The Distributed Map whose items are cells (progress counts its items only). @default every map's */
  cellsMap?: string;
  /** Reuse a pool (its concurrency wins); otherwise one is made and closed. */
  pool?: HandlerPool;
  /** Validate the lowered definition with the engine's ASL validator (~0.7 s). @default true */
  validate?: boolean;
  /** Inject faults into these functions' invocations (logical ids or ARNs), as `plan` decides. */
  faults?: { plan: FaultPlan; functions: string[] };
  /** Aborting it stops the execution (status "ABORTED"); a pool made here is then closed. */
  signal?: AbortSignal;
}

/** The largest input and output (bytes of JSON) each Task state saw: Step Functions caps both at 256 KiB. */
export type PayloadSizes = Map<string, { input: number; output: number }>;

export interface ExecutionOutcome {
  /** ABORTED: `signal` was aborted (the run was interrupted). */
  status: "SUCCEEDED" | "FAILED" | "ABORTED";
  /** The execution's output when it succeeded. */
  output?: unknown;
  /** Error name and cause when it failed (e.g. Dropsweep.Regression, States.ExceedToleratedFailureThreshold). */
  error?: { name: string; cause: string };
  /** The last result of each Task state, by name (Aggregate's report survives a later Fail). */
  taskResults: Map<string, unknown>;
  notices: Notice[];
  lowering: Lowering;
  elapsedSeconds: number;
  /** Per template function Task (Plan, Worker, Aggregate...), not the lowering's helpers. */
  payloadSizes: PayloadSizes;
  /**
   * The errors Task attempts failed with, retried or not, by state and error name (e.g.
   * Worker: {"Dropsweep.BatchIncomplete": 3}): what the execution history's TaskFailed events
   * would show.
   */
  attemptErrors: AttemptErrors;
}

/** State name -> error name -> failed attempts. */
export type AttemptErrors = Map<string, Map<string, number>>;

function* taskStates(definition: AslDefinition): Generator<[string, AslState]> {
  for (const [name, state] of Object.entries(definition.States)) {
    if (state.Type === "Task") yield [name, state];
    if (state.Type === "Parallel") for (const branch of state.Branches as AslDefinition[]) yield* taskStates(branch);
    if (state.Type === "Map") yield* taskStates((state.ItemProcessor ?? state.Iterator) as AslDefinition);
  }
}

const validated = new Set<string>();

const lambdaInvoke = /^arn:aws[a-z-]*:states:::lambda:invoke$/;
const snsPublish = /^arn:aws[a-z-]*:states:::sns:publish$/;

function defaultNotify(notice: Notice): void {
  process.stderr.write(
    `dropsweep: notice (${notice.state}, SNS ${notice.topicArn})${notice.subject ? `: ${notice.subject}` : ""}\n  ${typeof notice.message === "string" ? notice.message : JSON.stringify(notice.message)}\n`,
  );
}

export async function executeLocally(options: ExecuteOptions): Promise<ExecutionOutcome> {
  const started = performance.now();
  const pool =
    options.pool ??
    new HandlerPool({ ...(options.concurrency !== undefined ? { concurrency: options.concurrency } : {}), env: options.env ?? {} });
  try {
    const lowering = lowerDefinition(options.machine.definition, { concurrency: pool.concurrency });
    const tracker = new ProgressTracker(options.progress, { parallelism: pool.concurrency });
    // Map run ARNs name their map (mapRun.ts): ...:mapRun:<machine>/<map>:<id>.
    const counts = (mapRunArn: string) => options.cellsMap === undefined || mapRunArn.includes(`/${options.cellsMap}:`);
    const notices: Notice[] = [];
    const taskResults = new Map<string, unknown>();
    const notify = options.notify ?? defaultNotify;
    const mapRuns = new MapRuns({
      store: options.store,
      locate: options.locate ?? ((_bucket, key) => key),
      stateMachineName: options.machine.logicalId,
      onItems: (arn, items, children) => {
        if (counts(arn)) tracker.items(items, children);
      },
      onChildFinished: (arn, items, succeeded) => {
        if (counts(arn)) tracker.finished(items, succeeded);
      },
    });

    const functionsByName = new Map<string, RenderedFunction>();
    for (const fn of options.machine.functions.values()) functionsByName.set(fn.logicalId, fn);
    const resolveFunction = (reference: string): RenderedFunction | undefined =>
      options.machine.functions.get(reference) ??
      functionsByName.get(reference) ??
      options.machine.functions.get(reference.replace(/:(\$LATEST|\d+)$/, ""));

    const handlerOf = (fn: RenderedFunction, state: string): TaskHandler => {
      const handler = options.handlers?.[fn.arn] ?? options.handlers?.[fn.logicalId] ?? fn.handler;
      if (handler === undefined)
        throw new LoweringError(`state "${state}": function ${fn.logicalId} has no handler module (template metadata or options.handlers)`);
      return handler;
    };

    const payloadSizes: PayloadSizes = new Map();
    const measure = (state: string, input: unknown, output: unknown) => {
      const sizes = payloadSizes.get(state) ?? { input: 0, output: 0 };
      sizes.input = Math.max(sizes.input, Buffer.byteLength(JSON.stringify(input) ?? ""));
      sizes.output = Math.max(sizes.output, Buffer.byteLength(JSON.stringify(output) ?? ""));
      payloadSizes.set(state, sizes);
    };
    const faulty = new Set(options.faults?.functions ?? []);
    const faultFor = (fn: RenderedFunction, event: unknown) =>
      options.faults && (faulty.has(fn.logicalId) || faulty.has(fn.arn)) ? options.faults.plan.next(fn.logicalId, event) : undefined;

    const invoke = async (handler: TaskHandler, fn: RenderedFunction, event: unknown, timeoutSeconds: number): Promise<unknown> => {
      // A batch of the map (a Worker's event): its clock starts for the ETA, and the Worker tells
      // each cell it finishes (the tracker counts the cells of the cells' map only, each once).
      const items = (event as { Items?: unknown } | null)?.Items;
      const batch = Array.isArray(items);
      if (batch) tracker.batchStarted(items);
      const onCellFinished = batch ? (cell: FinishedCell) => tracker.cellFinished(cell) : undefined;
      const fault = faultFor(fn, event);
      if (typeof handler === "function") {
        try {
          const context = {
            ...(fault ? { dropsweepFault: fault } : {}),
            ...(onCellFinished ? { dropsweepCellFinished: onCellFinished } : {}),
          };
          return (await handler(event, fault || onCellFinished ? context : undefined)) ?? null;
        } catch (error) {
          const e = error instanceof Error ? error : new Error(String(error));
          throw new HandlerError(e.name || "Error", e.message, e.stack);
        }
      }
      const module = isAbsolute(handler) ? handler : join(options.projectRoot, handler);
      return pool.invoke(
        { module, event, functionName: fn.logicalId, timeoutMs: timeoutSeconds * 1000, ...(fault ? { fault } : {}) },
        {
          enforceTimeout: true,
          ...(options.faults ? { onFault: (f) => options.faults!.plan.report(f) } : {}),
          ...(onCellFinished ? { onCellFinished } : {}),
        },
      );
    };

    // The engine hands each override untyped JSON; every override below states the input it reads.
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const overrides: Record<string, (input: any) => Promise<any>> = {};
    for (const [name, state] of taskStates(lowering.definition)) {
      const resource = String(state.Resource);
      const timeoutSeconds = typeof state.TimeoutSeconds === "number" ? state.TimeoutSeconds : 900;
      const phase = options.phases?.[name];
      const record = (result: unknown) => {
        taskResults.set(name, result);
        if (name === options.planState && result && typeof result === "object") tracker.plan(result as Record<string, unknown>);
        return result;
      };
      const helper = lowering.helpers.get(name);
      if (helper === "readItems") overrides[name] = async (input) => mapRuns.readItems(input);
      else if (helper === "tally") overrides[name] = async (input) => mapRuns.tally(input);
      else if (helper === "finishMap") overrides[name] = async (input) => mapRuns.finish(input);
      else if (snsPublish.test(resource)) {
        overrides[name] = async (input: { TopicArn?: string; Message?: unknown; Subject?: string }) => {
          const notice: Notice = {
            state: name,
            topicArn: String(input.TopicArn),
            message: input.Message,
            ...(input.Subject ? { subject: input.Subject } : {}),
          };
          notices.push(notice);
          notify(notice);
          return record({ MessageId: `local-${notices.length}` });
        };
      } else if (lambdaInvoke.test(resource)) {
        overrides[name] = async (input: { FunctionName?: string; Payload?: unknown }) => {
          const fn = resolveFunction(String(input.FunctionName));
          if (!fn)
            throw new HandlerError(
              "Lambda.ResourceNotFoundException",
              `state "${name}": no function ${String(input.FunctionName)} in the template`,
            );
          if (phase) tracker.setPhase(phase);
          const payload = await invoke(handlerOf(fn, name), fn, input.Payload ?? null, timeoutSeconds);
          measure(name, input.Payload ?? null, payload);
          record(payload);
          return { ExecutedVersion: "$LATEST", Payload: payload, StatusCode: 200 };
        };
      } else {
        const fn = resolveFunction(resource);
        if (!fn) throw new LoweringError(`state "${name}": no local implementation for resource ${resource}`);
        const handler = handlerOf(fn, name);
        overrides[name] = async (input) => {
          if (phase) tracker.setPhase(phase);
          const output = await invoke(handler, fn, input, timeoutSeconds);
          measure(name, input, output);
          return record(output);
        };
      }
    }

    // The lowered definition is validated (asl-validator) here, which also checks the lowering;
    // once per definition and process, as compiling the schemas costs ~0.7 s.
    const text = JSON.stringify(lowering.definition);
    const validate = options.validate !== false && !validated.has(text);
    const validationOptions = validate ? { checkArn: true, checkPaths: true } : { noValidate: true };
    const machine = new StateMachine(lowering.definition as never, { validationOptions });
    if (validate) validated.add(text);
    const execution = machine.run(options.input as never, { overrides: { taskResourceLocalHandlers: overrides } });
    const abort = () => execution.abort();
    if (options.signal?.aborted) abort();
    else options.signal?.addEventListener("abort", abort, { once: true });
    // Unconsumed event logs pile up for the whole run: drain them, counting failed Task attempts.
    // The log ends when the execution does (succeeded, failed or aborted).
    const attemptErrors: AttemptErrors = new Map();
    const drained = (async () => {
      for await (const event of execution.eventLogs) {
        if (event.type !== "StateFailed" || event.state.type !== "Task") continue;
        const errors = attemptErrors.get(event.state.name) ?? new Map<string, number>();
        errors.set(event.Error, (errors.get(event.Error) ?? 0) + 1);
        attemptErrors.set(event.state.name, errors);
      }
    })().catch(() => undefined);

    let outcome: Pick<ExecutionOutcome, "status" | "output" | "error">;
    try {
      outcome = { status: "SUCCEEDED", output: await execution.result };
    } catch (error) {
      const cause = (error as Error & { cause?: unknown }).cause;
      const failure = cause instanceof Error ? cause : (error as Error);
      outcome = options.signal?.aborted
        ? { status: "ABORTED", error: { name: "Interrupted", cause: "the run was interrupted" } }
        : { status: "FAILED", error: { name: failure.name, cause: failure.message } };
    } finally {
      options.signal?.removeEventListener("abort", abort);
    }
    await drained;
    tracker.setPhase("done");
    return {
      ...outcome,
      taskResults,
      notices,
      lowering,
      payloadSizes,
      attemptErrors,
      elapsedSeconds: (performance.now() - started) / 1000,
    };
  } finally {
    if (!options.pool) await pool.close();
  }
}
