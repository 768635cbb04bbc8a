// The local stand-in for Lambda: handler modules run in a pool of worker threads (piscina),
// one thread per core by default, each thread a warm container that keeps its imported modules.
// TypeScript handler modules load through tsx (see handlerWorker.mjs).
import { availableParallelism } from "node:os";
import { fileURLToPath } from "node:url";
import { Piscina } from "piscina";
import type { FinishedCell } from "../../shared/pipeline/worker.js";
import type { InjectedFault } from "./faults.js";

/** setTimeout's limit; the lowering's "no timeout" default (24 days) is above it. */
const maxTimerMs = 2 ** 31 - 1;

/** One invocation, as handlerWorker.mjs receives it. */
export interface HandlerCall {
  /** Absolute path of the module exporting `handler`. */
  module: string;
  event: unknown;
  functionName: string;
  /** What the handler's context.getRemainingTimeInMillis counts down from. */
  timeoutMs: number;
  /** Fault injection (faults.ts): handed to the handler as context.dropsweepFault. */
  fault?: InjectedFault;
}

/**
 * What the thread receives: the call, the id its cell reports carry when they are wanted, and
 * the deadline (Date.now() milliseconds) its context.getRemainingTimeInMillis counts down to.
 */
type ThreadCall = HandlerCall & { reportCells?: number; deadline: number };

/** A Worker's report of a finished cell, posted by the thread (handlerWorker.mjs) as it happens. */
interface CellMessage {
  dropsweepCellFinished: number;
  cell: FinishedCell;
}

const outcomes = new Set<unknown>(["computed", "cached", "failed"] satisfies FinishedCell["outcome"][]);

function isCellMessage(message: unknown): message is CellMessage {
  const m = message as Partial<CellMessage> | null;
  return typeof m?.dropsweepCellFinished === "number" && typeof m.cell?.hash === "string" && outcomes.has(m.cell.outcome);
}

type HandlerOutcome = ({ ok: true; value: unknown } | { ok: false; name: string; message: string; stack?: string }) & {
  fault?: InjectedFault;
};

export interface InvokeOptions {
  /**
   * Enforce the Task's timeout: past it the thread is terminated, as Lambda ends a timed-out
   * invocation, and the call rejects with States.Timeout. Its writes so far stay (they are
   * atomic and idempotent, so a retry is safe); nothing it would have written later lands.
   */
  enforceTimeout?: boolean;
  /** Receives the fault as the thread returned it (with what was injected). */
  onFault?: (fault: InjectedFault) => void;
  /**
   * Told of each cell the handler finishes (a Worker: runWorker's onCellFinished, through the
   * context's dropsweepCellFinished), while it runs; also for a call that then fails or times out.
   */
  onCellFinished?: (cell: FinishedCell) => void;
}

export interface HandlerPoolOptions {
  /** Worker threads. @default os.availableParallelism() */
  concurrency?: number;
  /** Environment of the handlers (merged over process.env). */
  env?: Record<string, string | undefined>;
}

/** A handler error carried back from a worker thread, with the Lambda errorType as its name. */
export class HandlerError extends Error {
  constructor(
    name: string,
    message: string,
    readonly handlerStack?: string,
  ) {
    super(message);
    this.name = name;
  }
}

export class HandlerPool {
  readonly concurrency: number;
  private readonly piscina: Piscina<ThreadCall, HandlerOutcome>;
  /** The cell listeners of calls in flight, by the id their threads' reports carry. */
  private readonly cellListeners = new Map<number, (cell: FinishedCell) => void>();
  private calls = 0;

  constructor(options: HandlerPoolOptions = {}) {
    this.concurrency = options.concurrency ?? availableParallelism();
    if (!Number.isInteger(this.concurrency) || this.concurrency < 1) {
      throw new Error(`dropsweep local: concurrency must be a positive integer (got ${options.concurrency})`);
    }
    const env: Record<string, string> = {};
    for (const [name, value] of Object.entries({ ...process.env, ...options.env })) if (value !== undefined) env[name] = value;
    this.piscina = new Piscina<ThreadCall, HandlerOutcome>({
      filename: fileURLToPath(new URL("./handlerWorker.mjs", import.meta.url)),
      // Not the parent's flags: under the tsx CLI or vitest those carry loader hooks that
      // break tsImport inside the worker.
      execArgv: [],
      env,
      minThreads: 1,
      maxThreads: this.concurrency,
      // Lambda runs one invocation per container at a time.
      concurrentTasksPerWorker: 1,
      idleTimeout: 60_000,
    });
    // Messages a thread posts besides its result (piscina's 'message' event): cell reports.
    this.piscina.on("message", (message: unknown) => {
      if (isCellMessage(message)) this.cellListeners.get(message.dropsweepCellFinished)?.(message.cell);
    });
  }

  /** Run `handler(event)` of `module` in a worker thread; a handler error rejects as HandlerError. */
  async invoke(call: HandlerCall, options: InvokeOptions = {}): Promise<unknown> {
    // The handler's remaining time runs out when the timeout's timer (run) fires, not later:
    // counted from here, not from when the thread got the call (starting a thread and importing
    // the handler take a second or more on a loaded machine).
    const deadline = Date.now() + call.timeoutMs;
    if (!options.onCellFinished) return this.run({ ...call, deadline }, options);
    const id = ++this.calls;
    this.cellListeners.set(id, options.onCellFinished);
    try {
      return await this.run({ ...call, deadline, reportCells: id }, options);
    } finally {
      // A report travels on another channel than the result and may arrive just after it: the
      // listener stays until the messages pending now are delivered.
      setImmediate(() => this.cellListeners.delete(id));
    }
  }

  private async run(call: ThreadCall, options: InvokeOptions): Promise<unknown> {
    let outcome: HandlerOutcome;
    if (options.enforceTimeout && call.timeoutMs < maxTimerMs) {
      const abort = new AbortController();
      const timer = setTimeout(() => abort.abort(), call.timeoutMs);
      try {
        outcome = await this.piscina.run(call, { signal: abort.signal });
      } catch (error) {
        if (!abort.signal.aborted) throw error;
        throw new HandlerError(
          "States.Timeout",
          `${call.functionName} did not finish within ${call.timeoutMs / 1000} s; its thread was terminated`,
        );
      } finally {
        clearTimeout(timer);
      }
    } else {
      outcome = await this.piscina.run(call);
    }
    if (outcome.fault) options.onFault?.(outcome.fault);
    if (outcome.ok) return outcome.value;
    throw new HandlerError(outcome.name, outcome.message, outcome.stack);
  }

  async close(): Promise<void> {
    await this.piscina.destroy();
  }
}
