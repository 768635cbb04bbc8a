// Progress of a local run: cells done out of the cells Plan left to compute, rate and ETA.
// The tracker counts; `terminalProgress` renders (one updating line on a TTY, plain periodic
// lines otherwise, e.g. in CI logs).
//
// A cell counts as done when the Worker reports it finished (its result or its error stored:
// runWorker's onCellFinished, relayed from the worker thread), not when its batch does: a batch of
// eight deep cells takes a minute. A batch that ends counts whatever of it was not reported yet
// (all of it, from a Worker that does not report cells). Each cell counts once: a retried or
// timed-out batch's cells that an earlier attempt stored come back cached and are not counted
// again, and a failed batch's cells that an attempt stored count as done, not failed.
//
// The ETA weighs cells by their expected cost (each manifest item's `cost`, the seconds
// shared/pipeline/cost.ts expects on one core), not by their number: a deep cell costs as much
// as 50 linear ones. The machine's speed is learned from the latest cells computed (the time
// their worker took against their expected cost: a shared machine's load changes during a run);
// before the first is, the cost model alone gives the ETA, marked as an estimate. A running
// batch's cells left count with the time since its last cell, and the batches left go to the
// workers in turn.
import { counted } from "../../shared/text.js";

/** start: synthesizing the state machine and starting the worker threads, before Plan runs. */
export type LocalPhase = "start" | "plan" | "cells" | "aggregate" | "done";

export interface LocalProgress {
  phase: LocalPhase;
  /** Cells of the sweep (Plan's total), when Plan has run. */
  cellsTotal?: number;
  /** Cells whose results were already stored (Plan's cached). */
  cellsCached?: number;
  /** Cells to compute in this run (items the map read). */
  cellsPending: number;
  /**
   * Cells finished: their results (or errors) stored, each counted once, as the Worker reports
   * them; and the cells of a batch that failed for good, which no attempt stored.
   */
  cellsDone: number;
  /**
   * Cells of failed batches that no attempt stored. A cell that fails inside a batch (the Worker
   * reports it and goes on) is not seen here: the run's summary (Aggregate) counts those.
   */
  cellsFailed: number;
  elapsedSeconds: number;
  /** Cells per second since the map started; 0 before any finished. */
  cellsPerSecond: number;
  /** The share of the expected work done (finished cells by their cost), when the items carry costs. */
  workDone?: number;
  /** Seconds left; undefined before it can be told. */
  etaSeconds?: number;
  /** The ETA rests on the cost model alone: no cell has been computed to measure this machine's speed. */
  etaEstimated?: boolean;
  /**
   * A batch has run over 1.5 times what the speed so far expects for all its cells left, since its
   * last finished (the load rose, or the cost model underestimates its cells): the ETA counts the
   * rest at that batch's speed and is a lower bound.
   */
  etaAtLeast?: boolean;
}

export type ProgressListener = (progress: LocalProgress) => void;

interface Batch {
  /** Expected cost and number of its cells not counted yet. */
  costLeft: number;
  cellsLeft: number;
  /** When its latest attempt started, and when that attempt last reported a cell (or started). */
  started?: number;
  lastAt?: number;
}

/** A cell of the cells' map: its expected cost and its batch's key. */
interface CellEntry {
  cost: number;
  batch?: string;
}

/** A manifest item's expected cost, when it carries one. */
function costOf(item: unknown): number | undefined {
  const cost = (item as { cost?: unknown } | null)?.cost;
  return typeof cost === "number" && Number.isFinite(cost) && cost >= 0 ? cost : undefined;
}

function hashOf(item: unknown): string | undefined {
  const hash = (item as { hash?: unknown } | null | undefined)?.hash;
  return typeof hash === "string" ? hash : undefined;
}

/** A batch's identity across its start and its end: its first item's hash. */
function batchKey(items: readonly unknown[]): string | undefined {
  return hashOf(items[0]);
}

/**
 * The remaining time of a run of batches weighted by expected cost: the batches in flight (cost,
 * seconds running) keep their workers busy for what they have left, then the batches not yet
 * started (their costs, in the order the map hands them out) go to whichever of the
 * `parallelism` workers is free first, at `secondsPerUnit` (learned, or 1: the cost model's own
 * seconds). The run ends when the last worker does: a long batch at the end shows.
 */
export function remainingSeconds(
  notStarted: readonly number[],
  inFlight: readonly { cost: number; running: number }[],
  parallelism: number,
  secondsPerUnit: number,
): number {
  const free = inFlight.map((b) => Math.max(0, b.cost * secondsPerUnit - b.running));
  while (free.length < parallelism) free.push(0);
  for (const cost of notStarted) {
    let first = 0;
    for (let w = 1; w < free.length; w++) if (free[w]! < free[first]!) first = w;
    free[first] = free[first]! + cost * secondsPerUnit;
  }
  return Math.max(0, ...free);
}

/** A batch running this many times its expected time makes the ETA a lower bound. */
const overrunMargin = 1.5;

/** How often progress is re-emitted while cells run, with nothing finishing. */
const tickMs = 1000;

export class ProgressTracker {
  private phase: LocalPhase = "start";
  private cellsStarted?: number;
  private total?: number;
  private cached?: number;
  private pending = 0;
  private done = 0;
  private failed = 0;
  private lastEmit = 0;
  /** Expected cost of all items, of finished ones, and the mean per item (for items without one). */
  private workTotal = 0;
  private workFinished = 0;
  private meanCost = 1;
  private weighted = false;
  /** The cells' map's items by hash, and those counted (each cell counts once). */
  private readonly cells = new Map<string, CellEntry>();
  private readonly counted = new Set<string>();
  /** Batches by key: not started (no `started`), or running; finished ones are removed. */
  private readonly running = new Map<string, Batch>();
  /** Work measured, the latest last: a worker's wall seconds on cells, their expected cost and number. */
  private readonly measured: { seconds: number; cost: number; cells: number }[] = [];
  /** The speed is learned from the latest this many cells: max(4, 2 x parallelism) batches' worth. */
  private windowCells = 4;

  private ticker?: ReturnType<typeof setInterval>;
  private readonly minIntervalMs: number;
  private readonly parallelism: number;
  private readonly now: () => number;
  private readonly started: number;

  constructor(
    private readonly listener: ProgressListener | undefined,
    options: {
      /** Cell updates closer together than this are coalesced (phase changes never are). @default 100 */
      minIntervalMs?: number;
      /** Workers computing at once: the ETA divides the work left among them. @default 1 */
      parallelism?: number;
      /** The clock, in milliseconds. @default performance.now */
      now?: () => number;
    } = {},
  ) {
    this.minIntervalMs = options.minIntervalMs ?? 100;
    this.parallelism = options.parallelism ?? 1;
    this.now = options.now ?? (() => performance.now());
    this.started = this.now();
  }

  setPhase(phase: LocalPhase): void {
    if (phase === this.phase) return;
    this.phase = phase;
    // While cells run, a tick every second: a long cell (a deep one) finishes nothing for
    // seconds, and the line still counts down (a plain listener prints at its own interval).
    if (phase === "cells" && this.listener && !this.ticker) {
      this.ticker = setInterval(() => this.emit(true), tickMs);
      this.ticker.unref();
    } else if (phase !== "cells" && this.ticker) {
      clearInterval(this.ticker);
      this.ticker = undefined;
    }
    this.emit(true);
  }

  plan(result: { total?: unknown; cached?: unknown; pending?: unknown }): void {
    if (typeof result.total === "number") this.total = result.total;
    if (typeof result.cached === "number") this.cached = result.cached;
    if (typeof result.pending === "number" && this.pending === 0) this.pending = result.pending;
    this.emit(true);
  }

  /**
   * The map read its items (manifest items, with their expected cost when Plan wrote one), to
   * hand out in `batches` (each item alone when not batched), in that order.
   */
  items(items: readonly unknown[], batches: readonly (readonly unknown[])[] = items.map((item) => [item])): void {
    this.cellsStarted ??= this.now();
    // The map's item count is the truth for this run (Plan's pending is a forecast).
    this.pending = items.length;
    const costs = items.map(costOf);
    const known = costs.filter((c): c is number => c !== undefined);
    this.weighted = known.length > 0;
    this.meanCost = known.length ? known.reduce((a, b) => a + b, 0) / known.length : 1;
    this.workTotal = costs.reduce<number>((sum, c) => sum + (c ?? this.meanCost), 0);
    this.windowCells = Math.max(4, 2 * this.parallelism) * Math.max(1, ...batches.map((b) => b.length));
    for (const batch of batches) {
      const key = batchKey(batch);
      for (const item of batch) {
        const hash = hashOf(item);
        if (hash !== undefined) this.cells.set(hash, { cost: this.costOf(item), ...(key !== undefined ? { batch: key } : {}) });
      }
      if (key !== undefined) this.running.set(key, { costLeft: this.cost(batch), cellsLeft: batch.length });
    }
    this.setPhase("cells");
    this.emit(true);
  }

  private costOf(item: unknown): number {
    return costOf(item) ?? this.meanCost;
  }

  private cost(items: readonly unknown[]): number {
    return items.reduce<number>((sum, item) => sum + this.costOf(item), 0);
  }

  /**
   * A Worker started on a batch (again, when retried: the clock restarts). Only batches of the
   * cells' map count (those `items` announced): another map's (Reduce's) are not cells.
   */
  batchStarted(items: readonly unknown[]): void {
    const key = batchKey(items);
    const batch = key !== undefined ? this.running.get(key) : undefined;
    if (batch) batch.started = batch.lastAt = this.now();
  }

  /** Count a cell (once): done, its cost finished, one fewer left in its batch. */
  private count(hash: string | undefined, cost: number, batch: Batch | undefined): void {
    if (hash !== undefined) this.counted.add(hash);
    this.done++;
    this.workFinished += cost;
    if (batch) {
      batch.cellsLeft--;
      batch.costLeft = batch.cellsLeft > 0 ? Math.max(0, batch.costLeft - cost) : 0;
    }
  }

  private measure(seconds: number, cost: number, cells: number): void {
    this.measured.push({ seconds, cost, cells });
    // The window is all that is read: keep a few times it.
    if (this.measured.length > 4 * this.windowCells) this.measured.splice(0, this.measured.length - 2 * this.windowCells);
  }

  /**
   * A Worker finished a cell of its batch (runWorker's onCellFinished): its result stored
   * (computed, or found there: cached) or its error. Counted once, whatever attempt reports it;
   * the time since its batch's previous report measures this machine's speed when it was computed.
   */
  cellFinished(cell: { hash: string; outcome: "computed" | "cached" | "failed" }): void {
    const entry = this.cells.get(cell.hash);
    if (!entry) return; // not a cell of the cells' map
    const batch = entry.batch !== undefined ? this.running.get(entry.batch) : undefined;
    const now = this.now();
    if (!this.counted.has(cell.hash)) {
      this.count(cell.hash, entry.cost, batch);
      // Only computing measures the speed: a cached cell takes no time, a failed one rarely its cost.
      if (cell.outcome === "computed" && batch?.lastAt !== undefined) this.measure((now - batch.lastAt) / 1000, entry.cost, 1);
    }
    if (batch?.lastAt !== undefined) batch.lastAt = now;
    this.emit(this.done >= this.pending);
  }

  /**
   * A batch finished: its items, succeeded or not. Its cells not reported yet are counted now;
   * when it failed, they are the cells it failed (no attempt stored them).
   */
  finished(items: readonly unknown[], succeeded: boolean): void {
    const key = batchKey(items);
    const batch = key !== undefined ? this.running.get(key) : undefined;
    let cost = 0;
    let cells = 0;
    for (const item of items) {
      const hash = hashOf(item);
      if (hash !== undefined && this.counted.has(hash)) continue;
      const itemCost = (hash !== undefined ? this.cells.get(hash)?.cost : undefined) ?? this.costOf(item);
      this.count(hash, itemCost, batch);
      if (!succeeded) this.failed++;
      cost += itemCost;
      cells++;
    }
    // What was not reported cell by cell (all of a batch whose Worker reports none) took the time
    // since the last report.
    if (succeeded && batch?.lastAt !== undefined && cells > 0) this.measure((this.now() - batch.lastAt) / 1000, cost, cells);
    if (key !== undefined) this.running.delete(key);
    this.emit(this.done >= this.pending);
  }

  snapshot(): LocalProgress {
    const now = this.now();
    const mapSeconds = this.cellsStarted === undefined ? 0 : (now - this.cellsStarted) / 1000;
    const rate = this.done > 0 && mapSeconds > 0 ? this.done / mapSeconds : 0;
    const snapshot: LocalProgress = {
      phase: this.phase,
      ...(this.total !== undefined ? { cellsTotal: this.total } : {}),
      ...(this.cached !== undefined ? { cellsCached: this.cached } : {}),
      cellsPending: this.pending,
      cellsDone: this.done,
      cellsFailed: this.failed,
      elapsedSeconds: (now - this.started) / 1000,
      cellsPerSecond: rate,
    };
    if (this.cellsStarted === undefined || this.pending === 0) return snapshot;
    if (this.weighted && this.workTotal > 0) snapshot.workDone = Math.min(1, this.workFinished / this.workTotal);
    // This machine's speed from the latest cells (its load changes during a run: other work).
    let first = this.measured.length;
    for (let cells = 0; first > 0 && cells < this.windowCells;) cells += this.measured[--first]!.cells;
    const recent = this.measured.slice(first);
    const recentCost = recent.reduce((sum, b) => sum + b.cost, 0);
    const learned = recentCost > 0;
    // Without costs, every cell weighs the same and the speed is learned from the first cells.
    if (!this.weighted && !learned) return rate > 0 ? { ...snapshot, etaSeconds: Math.max(0, this.pending - this.done) / rate } : snapshot;
    const expected = learned ? recent.reduce((sum, b) => sum + b.seconds, 0) / recentCost : 1;
    const batches = [...this.running.values()];
    // A running batch's cells left have had the time since its last report.
    const inFlight = batches.flatMap((b) =>
      b.started === undefined ? [] : [{ cost: b.costLeft, cells: b.cellsLeft, running: (now - (b.lastAt ?? b.started)) / 1000 }],
    );
    const notStarted = batches.flatMap((b) => (b.started === undefined ? [b.costLeft] : []));
    // A batch still running past what that speed expects of its cells left shows this machine is
    // at least that slow now: the rest is counted at its speed, so the ETA grows instead of
    // standing still (or reaching 0) while it runs on. How long it has left is unknown: the ETA
    // is a lower bound. A batch counts as overrunning past half again its expected time: cheap
    // batches vary that much on a shared machine, and the ETA should not flip between the two
    // readings. (A batch with no cells left is only waiting for its reply.)
    const slowest = Math.max(0, ...inFlight.map((b) => (b.cells > 0 && b.cost > 0 ? b.running / b.cost : 0)));
    const overrun = slowest > overrunMargin * expected ? slowest : 0;
    const secondsPerUnit = Math.max(expected, overrun);
    return {
      ...snapshot,
      etaSeconds: remainingSeconds(notStarted, inFlight, this.parallelism, secondsPerUnit),
      ...(learned ? {} : { etaEstimated: true }),
      ...(overrun > expected ? { etaAtLeast: true } : {}),
    };
  }

  private emit(force: boolean): void {
    if (!this.listener) return;
    const now = this.now();
    if (!force && now - this.lastEmit < this.minIntervalMs) return;
    this.lastEmit = now;
    this.listener(this.snapshot());
  }
}

function duration(seconds: number): string {
  if (!Number.isFinite(seconds)) return "?";
  const s = Math.round(seconds);
  // A few cheap cells left: "ETA <1s", not "ETA 0s" while they run.
  if (s === 0 && seconds > 0) return "<1s";
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, "0")}m`;
}

/** One line describing `p`, e.g. "cells 120/480 (25%), 3 in failed batches, 41.2 cells/s, ETA 9s". */
export function formatProgress(p: LocalProgress): string {
  const cached = p.cellsCached ? `, ${p.cellsCached} cached` : "";
  switch (p.phase) {
    case "start":
      return "starting: synthesizing the state machine, starting worker threads...";
    case "plan":
      return p.cellsTotal === undefined ? "planning..." : `planned ${counted(p.cellsTotal, "cell")}${cached}, ${p.cellsPending} to compute`;
    case "cells": {
      // The share of the work (cells weighed by their expected cost) when known, else of the cells.
      const percent =
        p.workDone !== undefined
          ? ` (${Math.floor(100 * p.workDone)}% of the work)`
          : p.cellsPending > 0
            ? ` (${Math.floor((100 * p.cellsDone) / p.cellsPending)}%)`
            : "";
      const failed = p.cellsFailed > 0 ? `, ${p.cellsFailed} in failed batches` : "";
      const rate = p.cellsPerSecond > 0 ? `, ${p.cellsPerSecond.toFixed(1)} cells/s` : "";
      const eta =
        p.etaSeconds === undefined
          ? ""
          : p.etaAtLeast
            ? `, ETA over ${duration(p.etaSeconds)} (cells slower than expected)`
            : `, ETA ${p.etaEstimated && p.etaSeconds >= 0.5 ? "~" : ""}${duration(p.etaSeconds)}${p.etaEstimated ? " (estimated)" : ""}`;
      return `cells ${p.cellsDone}/${p.cellsPending}${percent}${failed}${cached}${rate}${eta}`;
    }
    case "aggregate":
      return `aggregating ${counted(p.cellsTotal ?? p.cellsDone, "cell")}...`;
    case "done":
      // Whether each cell was computed or failed is the summary's to say (Aggregate reads every
      // result); progress counts cells finished and the failed batches' cells never stored.
      return `done: ${p.cellsDone} of ${counted(p.cellsPending, "cell")} finished${p.cellsFailed > 0 ? ` (${p.cellsFailed} in failed batches)` : ""}${cached} in ${duration(p.elapsedSeconds)}`;
  }
}

export interface TerminalProgressOptions {
  /** Between plain lines when the stream is not a TTY. @default 10000 */
  plainIntervalMs?: number;
  /**
   * Write the closing "done: ..." line. Without it the in-place line of a TTY is cleared at the
   * end, for a caller that prints its own result. @default true
   */
  doneLine?: boolean;
}

/**
 * A listener that renders progress on `stream`: a single line rewritten in place on a TTY;
 * otherwise a plain line at each phase change and at most every `plainIntervalMs`.
 */
export function terminalProgress(stream: NodeJS.WriteStream = process.stderr, options: TerminalProgressOptions = {}): ProgressListener {
  const interval = options.plainIntervalMs ?? 10_000;
  let lastStep: string | undefined;
  let lastPlain = 0;
  const doneLine = options.doneLine ?? true;
  return (p) => {
    if (p.phase === "done" && !doneLine) {
      if (stream.isTTY) stream.write("\r\x1b[2K");
      return;
    }
    const line = formatProgress(p);
    if (stream.isTTY) {
      // A pty that reports no size (0 columns) gets the usual 80.
      const width = Math.max(20, (stream.columns || 80) - 1);
      stream.write(`\r\x1b[2K${line.slice(0, width)}${p.phase === "done" ? "\n" : ""}`);
      return;
    }
    const now = performance.now();
    // "planning..." and "planned N cells" are both the plan phase: each gets its line.
    const step = p.phase === "plan" && p.cellsTotal !== undefined ? "planned" : p.phase;
    if (step !== lastStep || now - lastPlain >= interval) {
      stream.write(`${line}\n`);
      lastStep = step;
      lastPlain = now;
    }
  };
}
