// Progress of a local run: cells done out of the cells Plan left to compute, rate and ETA.
// The tracker counts; `terminalProgress` renders (one updating line on a TTY, plain periodic
// lines otherwise, e.g. in CI logs).
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
  /** Cells whose batch finished, successfully or not. */
  cellsDone: number;
  /**
   * Cells in failed batches. A cell that fails inside a batch that succeeds (the Worker reports
   * it and goes on) is not seen here: the run's summary (Aggregate) counts those.
   */
  cellsFailed: number;
  elapsedSeconds: number;
  /** Cells per second since the map started; 0 before any finished. */
  cellsPerSecond: number;
  /** Seconds left at the current rate; undefined before any cell finished. */
  etaSeconds?: number;
}

export type ProgressListener = (progress: LocalProgress) => void;

export class ProgressTracker {
  private phase: LocalPhase = "start";
  private readonly started = performance.now();
  private cellsStarted?: number;
  private total?: number;
  private cached?: number;
  private pending = 0;
  private done = 0;
  private failed = 0;
  private lastEmit = 0;

  /** `minIntervalMs`: cell updates closer together than this are coalesced (phase changes never are). */
  constructor(
    private readonly listener: ProgressListener | undefined,
    private readonly minIntervalMs = 100,
  ) {}

  setPhase(phase: LocalPhase): void {
    if (phase === this.phase) return;
    this.phase = phase;
    this.emit(true);
  }

  plan(result: { total?: unknown; cached?: unknown; pending?: unknown }): void {
    if (typeof result.total === "number") this.total = result.total;
    if (typeof result.cached === "number") this.cached = result.cached;
    if (typeof result.pending === "number" && this.pending === 0) this.pending = result.pending;
    this.emit(true);
  }

  items(count: number): void {
    this.cellsStarted ??= performance.now();
    // The map's item count is the truth for this run (Plan's pending is a forecast).
    this.pending = count;
    this.setPhase("cells");
    this.emit(true);
  }

  finished(count: number, succeeded: boolean): void {
    this.done += count;
    if (!succeeded) this.failed += count;
    this.emit(this.done >= this.pending);
  }

  snapshot(): LocalProgress {
    const now = performance.now();
    const mapSeconds = this.cellsStarted === undefined ? 0 : (now - this.cellsStarted) / 1000;
    const rate = this.done > 0 && mapSeconds > 0 ? this.done / mapSeconds : 0;
    return {
      phase: this.phase,
      ...(this.total !== undefined ? { cellsTotal: this.total } : {}),
      ...(this.cached !== undefined ? { cellsCached: this.cached } : {}),
      cellsPending: this.pending,
      cellsDone: this.done,
      cellsFailed: this.failed,
      elapsedSeconds: (now - this.started) / 1000,
      cellsPerSecond: rate,
      ...(rate > 0 ? { etaSeconds: Math.max(0, this.pending - this.done) / rate } : {}),
    };
  }

  private emit(force: boolean): void {
    if (!this.listener) return;
    const now = performance.now();
    if (!force && now - this.lastEmit < this.minIntervalMs) return;
    this.lastEmit = now;
    this.listener(this.snapshot());
  }
}

function duration(seconds: number): string {
  if (!Number.isFinite(seconds)) return "?";
  const s = Math.round(seconds);
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
      const percent = p.cellsPending > 0 ? ` (${Math.floor((100 * p.cellsDone) / p.cellsPending)}%)` : "";
      const failed = p.cellsFailed > 0 ? `, ${p.cellsFailed} in failed batches` : "";
      const rate = p.cellsPerSecond > 0 ? `, ${p.cellsPerSecond.toFixed(1)} cells/s` : "";
      const eta = p.etaSeconds !== undefined ? `, ETA ${duration(p.etaSeconds)}` : "";
      return `cells ${p.cellsDone}/${p.cellsPending}${percent}${failed}${cached}${rate}${eta}`;
    }
    case "aggregate":
      return `aggregating ${counted(p.cellsTotal ?? p.cellsDone, "cell")}...`;
    case "done":
      // Whether each cell was computed or failed is the summary's to say (Aggregate reads every
      // result); the map only knows which batches finished.
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
