// The Worker's time budget (ARCHITECTURE.md "Worker"): a Lambda invocation has a hard time
// limit, and one killed mid-cell loses that cell's work and is billed the whole limit. So before
// it starts a cell the Worker asks whether the cell fits in the time left, and when it does not
// it stops between cells and ends the invocation with BatchIncompleteError, which the state
// machine retries on its own Retry entry (infra/sweepStateMachine.ts): the next attempt skips the
// stored cells (cached) and goes on with the rest.
//
// The estimate: the cell's expected seconds (shared/pipeline/cost.ts) at this invocation's
// measured speed (actual over expected seconds of the cells it computed), plus a margin for the
// store writes. Until the invocation has computed a cell there is no speed to scale by and
// nothing is refused: the first cell is always started, so every attempt stores at least one
// result and a batch needs at most as many attempts as it has cells. "Computed" means a result
// stored: a cell that fails leaves only its error, which a retry computes again (it is not
// cached), so counting it as progress could make every attempt redo the failing cell and stop
// before the next one, until the retries run out.
import type { WorkerResult } from "./contract.js";

/** The error name the Worker's Retry entry matches (Lambda reports a thrown error's `name` as its errorType). */
export const batchIncompleteError = "Dropsweep.BatchIncomplete";

/**
 * The Worker stopped between cells to stay inside its time limit. Not a failure: the state
 * machine runs the batch again, and the cells stored so far come back cached. Carries what this
 * invocation did (the handler publishes its metrics from it).
 */
export class BatchIncompleteError extends Error {
  constructor(
    message: string,
    readonly result: WorkerResult,
  ) {
    super(message);
    this.name = batchIncompleteError;
  }
}

/**
 * Seconds kept back for a cell's store writes after its computation: its result (a conditional
 * put, and a get when one is already there) and its timings, each an S3 request of tens of
 * milliseconds that the AWS SDK retries up to 5 times with backoff (S3_MAX_ATTEMPTS, ~1.5 s of
 * waits at most), then the handler's return. 5 s covers three such requests at their worst; of a
 * 900 s invocation that is under 1 %.
 */
const storeWriteMarginSeconds = 5;
/**
 * The margin is at most this share of the invocation's time limit: with a short limit (a local
 * run's --worker-timeout of a few seconds, on a store written in milliseconds) a whole 5 s
 * would leave room for no second cell.
 */
const marginShareOfLimit = 0.1;

/** Whether a cell may start, and the numbers it was decided on (for the log and the error's message). */
export interface BudgetDecision {
  start: boolean;
  /** Seconds the cell is expected to take here (scaled by the measured speed, the margin included); absent before any cell was computed. */
  estimateSeconds?: number;
  remainingSeconds: number;
}

export class TimeBudget {
  private readonly marginSeconds: number;
  private actualSeconds = 0;
  private expectedSeconds = 0;
  private computedCells = 0;

  /** `limitSeconds`: the invocation's time left when it started (its time limit, less its start-up). */
  constructor(limitSeconds: number) {
    this.marginSeconds = Math.min(storeWriteMarginSeconds, marginShareOfLimit * Math.max(0, limitSeconds));
  }

  /** A cell computed (its result stored) in `actualSeconds`, of `expectedSeconds` by the cost model. */
  computed(actualSeconds: number, expectedSeconds: number): void {
    this.actualSeconds += Math.max(0, actualSeconds);
    this.expectedSeconds += Math.max(0, expectedSeconds);
    this.computedCells++;
  }

  /** Actual over expected seconds of the cells computed so far; undefined before any. */
  speed(): number | undefined {
    return this.computedCells > 0 && this.expectedSeconds > 0 ? this.actualSeconds / this.expectedSeconds : undefined;
  }

  /** May a cell of `expectedSeconds` (cost model) start with `remainingSeconds` left? */
  decide(expectedSeconds: number, remainingSeconds: number): BudgetDecision {
    const speed = this.speed();
    if (speed === undefined) return { start: true, remainingSeconds };
    const estimateSeconds = expectedSeconds * speed + this.marginSeconds;
    return { start: estimateSeconds <= remainingSeconds, estimateSeconds, remainingSeconds };
  }
}
