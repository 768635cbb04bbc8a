// The terminal rendering of a local run's progress (infra/local/progress.ts).
import { describe, expect, it, vi } from "vitest";
import { formatProgress, ProgressTracker, remainingSeconds, terminalProgress, type LocalProgress } from "../../infra/local/progress.js";

const progress: LocalProgress = {
  phase: "cells",
  cellsTotal: 36,
  cellsPending: 36,
  cellsDone: 9,
  cellsFailed: 0,
  elapsedSeconds: 3,
  cellsPerSecond: 3,
  etaSeconds: 9,
};

/** A stream that records what is written, as a TTY of `columns` columns (or not a TTY). */
function stream(isTTY: boolean, columns?: number) {
  const written: string[] = [];
  return { written, stream: { isTTY, columns, write: (text: string) => written.push(text) > 0 } as unknown as NodeJS.WriteStream };
}

describe("terminal progress", () => {
  it("rewrites one line on a TTY, cut to its width, and uses 80 columns when the terminal reports none", () => {
    for (const [columns, width] of [
      [30, 29],
      [0, 79],
      [undefined, 79],
    ] as const) {
      const out = stream(true, columns);
      terminalProgress(out.stream)(progress);
      const line = out.written[0]!.replace("\r\x1b[2K", "");
      expect(line, String(columns)).toBe("cells 9/36 (25%), 3.0 cells/s, ETA 9s".slice(0, width));
    }
  });

  it("leaves the done line out when asked, clearing the TTY's line instead", () => {
    for (const isTTY of [true, false]) {
      const out = stream(isTTY, 80);
      const listener = terminalProgress(out.stream, { doneLine: false, plainIntervalMs: 0 });
      listener(progress);
      listener({ ...progress, phase: "done", cellsDone: 36 });
      expect(out.written.at(-1), String(isTTY)).toBe(isTTY ? "\r\x1b[2K" : "cells 9/36 (25%), 3.0 cells/s, ETA 9s\n");
      expect(out.written.join("")).not.toMatch(/done:/);
    }
  });

  it("says under a second as such, not 0s, while cells are left", () => {
    expect(formatProgress({ ...progress, etaSeconds: 0.3 })).toMatch(/, ETA <1s$/);
    expect(formatProgress({ ...progress, etaSeconds: 0.3, etaEstimated: true })).toMatch(/, ETA <1s \(estimated\)$/);
    expect(formatProgress({ ...progress, etaSeconds: 0 })).toMatch(/, ETA 0s$/);
  });

  it("writes a count of one in the singular", () => {
    const one = { ...progress, cellsTotal: 1, cellsPending: 1, cellsDone: 1 };
    expect([
      formatProgress({ ...one, phase: "plan" }),
      formatProgress({ ...one, phase: "aggregate" }),
      formatProgress({ ...one, phase: "done" }),
    ]).toEqual(["planned 1 cell, 1 to compute", "aggregating 1 cell...", "done: 1 of 1 cell finished in 3s"]);
  });

  it("writes plain lines at phase changes and at most every interval elsewhere", () => {
    const out = stream(false);
    const listener = terminalProgress(out.stream, { plainIntervalMs: 60_000 });
    listener(progress);
    listener({ ...progress, cellsDone: 10 });
    listener({ ...progress, phase: "done", cellsDone: 36 });
    expect(out.written).toEqual(["cells 9/36 (25%), 3.0 cells/s, ETA 9s\n", "done: 36 of 36 cells finished in 3s\n"]);
  });
});

describe("ETA weighted by each cell's expected cost", () => {
  /** A tracker on a clock the test moves (seconds). */
  function tracker(parallelism: number) {
    let t = 0;
    const tracked = new ProgressTracker(undefined, { parallelism, now: () => t * 1000 });
    return { tracked, at: (seconds: number) => (t = seconds) };
  }
  const item = (hash: string, cost?: number) => ({ hash, ...(cost !== undefined ? { cost } : {}) });
  const cells = (prefix: string, n: number, cost?: number) => Array.from({ length: n }, (_, i) => item(`${prefix}${i}`, cost));

  it("counts the expensive cells still to come: 30 of 32 cells done is a quarter of the work, not 94%", () => {
    const { tracked, at } = tracker(1);
    // Two deep cells (5 s each, by the cost model) and thirty linear ones (0.1 s), the cheap ones first.
    const batches = [cells("a", 10, 0.1), cells("b", 10, 0.1), cells("c", 10, 0.1), cells("d", 2, 5)];
    tracked.items(batches.flat(), batches);
    // This machine runs at the model's speed: each batch of ten linear cells takes one second.
    for (const [i, batch] of batches.slice(0, 3).entries()) {
      at(i);
      tracked.batchStarted(batch);
      at(i + 1);
      tracked.finished(batch, true);
    }
    const p = tracked.snapshot();
    expect(p.cellsDone).toBe(30);
    expect(p.workDone).toBeCloseTo(3 / 13, 12);
    // Ten seconds of deep cells are left; counting cells would say 0.2 s (2 cells at 10 cells/s).
    expect(p.etaSeconds).toBeCloseTo(10, 9);
    expect(p.etaEstimated).toBeUndefined();
    expect(formatProgress(p)).toBe("cells 30/32 (23% of the work), 10.0 cells/s, ETA 10s");
    // Halfway through the deep batch: its running part counts as done.
    tracked.batchStarted(batches[3]!);
    at(8);
    expect(tracked.snapshot().etaSeconds).toBeCloseTo(5, 9);
  });

  it("learns this machine's speed from the batches that finished", () => {
    const { tracked, at } = tracker(2);
    const batches = [cells("a", 4, 1), cells("b", 4, 1), cells("c", 4, 1)];
    tracked.items(batches.flat(), batches);
    tracked.batchStarted(batches[0]!);
    // Before any batch finished: the cost model's seconds, marked as an estimate. Worker 1 has
    // 3 s left of the first batch, worker 2 takes the second (4 s), then worker 1 the third.
    at(1);
    const before = tracked.snapshot();
    expect(before.etaEstimated).toBe(true);
    expect(before.etaSeconds).toBeCloseTo(3 + 4, 9);
    expect(formatProgress(before)).toMatch(/ETA ~7s \(estimated\)$/);
    // The batch took 12 s for 4 s of expected work: this machine is three times slower, and
    // the two batches left run side by side.
    at(12);
    tracked.finished(batches[0]!, true);
    const after = tracked.snapshot();
    expect(after.etaEstimated).toBeUndefined();
    expect(after.etaSeconds).toBeCloseTo(4 * 3, 9);
  });

  it("grows the ETA while a batch runs past its expected time, marked as a lower bound", () => {
    const { tracked, at } = tracker(1);
    // A deep batch expected to take 10 s, then ten linear batches of 1 s each.
    const deep = cells("d", 2, 5);
    const linear = Array.from({ length: 10 }, (_, i) => cells(`l${i}-`, 10, 0.1));
    tracked.items([deep, ...linear].flat(), [deep, ...linear]);
    tracked.batchStarted(deep);
    at(5);
    expect(tracked.snapshot()).toMatchObject({ etaEstimated: true });
    expect(tracked.snapshot().etaSeconds).toBeCloseTo(5 + 10, 9);
    expect(tracked.snapshot().etaAtLeast).toBeUndefined();
    // At 12 s, a little over the 10 s expected (a shared machine's noise): still the estimate.
    at(12);
    expect(tracked.snapshot().etaAtLeast).toBeUndefined();
    expect(tracked.snapshot().etaSeconds).toBeCloseTo(10, 9);
    // Still running at 30 s, three times what was expected: the linear batches are counted at
    // that speed (30 s), not at the model's 10 s with the deep batch's part at 0.
    at(30);
    const late = tracked.snapshot();
    expect(late.etaAtLeast).toBe(true);
    expect(late.etaSeconds).toBeCloseTo(30, 9);
    expect(formatProgress(late)).toMatch(/, ETA over 30s \(cells slower than expected\)$/);
    at(60);
    expect(tracked.snapshot().etaSeconds).toBeCloseTo(60, 9);
    // Once it finishes, the speed is learned from it and the ETA is an estimate no more.
    tracked.finished(deep, true);
    const after = tracked.snapshot();
    expect(after.etaAtLeast).toBeUndefined();
    expect(after.etaEstimated).toBeUndefined();
    expect(after.etaSeconds).toBeCloseTo(60, 9);
  });

  it("hands batches to the first free worker: a long batch left at the end shows", () => {
    // A batch with 8 s left keeps its worker; four more of 10 s go to the three idle workers, then to it.
    expect(remainingSeconds([], [{ cost: 10, running: 2 }], 4, 1)).toBe(8);
    expect(remainingSeconds([10, 10, 10, 10], [{ cost: 10, running: 2 }], 4, 1)).toBe(18);
    // Eight batches of 5 units at 0.5 s a unit on four workers: two each.
    expect(remainingSeconds([5, 5, 5, 5, 5, 5, 5, 5], [], 4, 0.5)).toBe(5);
    // Most expensive first ends sooner than cheapest first: [1, 1, 1, 1, 4] on two workers.
    expect(remainingSeconds([4, 1, 1, 1, 1], [], 2, 1)).toBe(4);
    expect(remainingSeconds([1, 1, 1, 1, 4], [], 2, 1)).toBe(6);
  });

  it("re-emits every second while cells run, so a long batch still counts down, and stops after", () => {
    vi.useFakeTimers();
    try {
      let t = 0;
      const seen: LocalProgress[] = [];
      const tracked = new ProgressTracker((p) => seen.push(p), { parallelism: 1, now: () => t * 1000 });
      const deep = cells("d", 2, 5);
      tracked.items(deep, [deep]);
      tracked.batchStarted(deep);
      const before = seen.length;
      t = 3;
      vi.advanceTimersByTime(3000);
      expect(seen.length - before).toBe(3);
      expect(seen.at(-1)!.etaSeconds).toBeCloseTo(10 - 3, 9);
      tracked.setPhase("aggregate");
      const after = seen.length;
      vi.advanceTimersByTime(5000);
      expect(seen.length).toBe(after);
    } finally {
      vi.useRealTimers();
    }
  });

  it("counts cells alike when the manifest carries no costs (a plan from before costs)", () => {
    const { tracked, at } = tracker(2);
    const batches = [cells("a", 5), cells("b", 5)];
    tracked.items(batches.flat(), batches);
    tracked.batchStarted(batches[0]!);
    at(2);
    tracked.finished(batches[0]!, true);
    const p = tracked.snapshot();
    expect(p.workDone).toBeUndefined();
    // One batch of five cells left, as long as the first took.
    expect(p.etaSeconds).toBeCloseTo(2, 9);
    expect(formatProgress(p)).toBe("cells 5/10 (50%), 2.5 cells/s, ETA 2s");
  });
});

describe("cells counted as the Worker finishes them", () => {
  function tracker(parallelism: number) {
    let t = 0;
    const seen: LocalProgress[] = [];
    const tracked = new ProgressTracker((p) => seen.push(p), { parallelism, minIntervalMs: 0, now: () => t * 1000 });
    return { tracked, seen, at: (seconds: number) => (t = seconds) };
  }
  const cells = (prefix: string, n: number, cost?: number) =>
    Array.from({ length: n }, (_, i) => ({ hash: `${prefix}${i}`, ...(cost !== undefined ? { cost } : {}) }));
  const report = (tracked: ProgressTracker, items: { hash: string }[], outcome: "computed" | "cached" | "failed" = "computed") => {
    for (const { hash } of items) tracked.cellFinished({ hash, outcome });
  };

  it("counts each cell of a running batch as it finishes, and the ETA learns from them", () => {
    const { tracked, seen, at } = tracker(1);
    // One batch of four deep cells, 5 s each by the cost model; this machine takes 10 s a cell.
    const batch = cells("d", 4, 5);
    tracked.items(batch, [batch]);
    tracked.batchStarted(batch);
    for (const [i, cell] of batch.entries()) {
      at(10 * (i + 1));
      tracked.cellFinished({ hash: cell.hash, outcome: "computed" });
      if (i === 0) {
        // Learned from the first cell (not an estimate any more): three cells left at 2 s per unit.
        const p = tracked.snapshot();
        expect(p).toMatchObject({ cellsDone: 1, cellsFailed: 0, workDone: 0.25 });
        expect(p.etaEstimated).toBeUndefined();
        expect(p.etaSeconds).toBeCloseTo(30, 9);
        // Four seconds into the second cell: the time since the last cell counts against the rest.
        at(14);
        expect(tracked.snapshot().etaSeconds).toBeCloseTo(26, 9);
      }
    }
    tracked.finished(batch, true);
    expect(seen.map((p) => p.cellsDone).filter((n, i, all) => n !== all[i - 1])).toEqual([0, 1, 2, 3, 4]);
    expect(tracked.snapshot()).toMatchObject({ cellsDone: 4, cellsFailed: 0, workDone: 1, etaSeconds: 0 });
  });

  it("counts a retried batch's cells once: those an earlier attempt stored come back cached", () => {
    const { tracked, seen, at } = tracker(1);
    const batch = cells("c", 4, 1);
    tracked.items(batch, [batch]);
    // The first attempt stores two cells, then crashes (or times out); the retry finds them cached.
    tracked.batchStarted(batch);
    at(1);
    report(tracked, batch.slice(0, 2));
    at(5);
    tracked.batchStarted(batch);
    at(5.1);
    report(tracked, batch.slice(0, 2), "cached");
    expect(tracked.snapshot().cellsDone).toBe(2);
    at(7);
    report(tracked, batch.slice(2));
    // A report that arrives after the batch's reply (another channel) changes nothing.
    tracked.finished(batch, true);
    report(tracked, batch.slice(3));
    const counts = seen.map((p) => p.cellsDone);
    expect(counts).toEqual([...counts].sort((a, b) => a - b));
    expect(Math.max(...counts)).toBe(4);
    expect(tracked.snapshot()).toMatchObject({ cellsDone: 4, cellsFailed: 0, workDone: 1 });
  });

  it("learns the speed from computed cells only: a cached one takes no time", () => {
    const { tracked, at } = tracker(1);
    const [a, b] = [cells("a", 4, 1), cells("b", 4, 1)];
    tracked.items([...a, ...b], [a, b]);
    tracked.batchStarted(a);
    at(0.5);
    report(tracked, a.slice(0, 2), "cached");
    at(2.5);
    report(tracked, a.slice(2, 3));
    at(4.5);
    report(tracked, a.slice(3, 4));
    // 2 s a unit (counting the cached cells would say 1.125): the next batch's four units take 8 s.
    tracked.finished(a, true);
    expect(tracked.snapshot().etaSeconds).toBeCloseTo(8, 9);
  });

  it("counts a failed batch's stored cells as done and only the others as failed", () => {
    const { tracked } = tracker(1);
    const batch = cells("f", 4, 1);
    tracked.items(batch, [batch]);
    for (let attempt = 0; attempt < 3; attempt++) {
      tracked.batchStarted(batch);
      // Every attempt stores (or finds) the first cell, then crashes on the second.
      tracked.cellFinished({ hash: batch[0]!.hash, outcome: attempt === 0 ? "computed" : "cached" });
    }
    tracked.finished(batch, false);
    expect(tracked.snapshot()).toMatchObject({ cellsDone: 4, cellsFailed: 3 });
    expect(formatProgress({ ...tracked.snapshot(), phase: "done" })).toMatch(/^done: 4 of 4 cells finished \(3 in failed batches\)/);
  });

  it("ignores cells that are not the cells' map's, and still counts a Worker that reports none at its batch's end", () => {
    const { tracked, at } = tracker(2);
    const [a, b] = [cells("a", 3, 1), cells("b", 3, 1)];
    tracked.items([...a, ...b], [a, b]);
    tracked.cellFinished({ hash: "slice-0", outcome: "computed" });
    expect(tracked.snapshot().cellsDone).toBe(0);
    tracked.batchStarted(a);
    at(6);
    tracked.finished(a, true);
    // The batch as a whole measured the speed: 6 s for 3 units.
    expect(tracked.snapshot()).toMatchObject({ cellsDone: 3, etaSeconds: 6 });
  });

  it("marks the ETA a lower bound when a batch's cells left run past their expected time since its last cell", () => {
    const { tracked, at } = tracker(1);
    const batch = cells("s", 3, 1);
    tracked.items(batch, [batch]);
    tracked.batchStarted(batch);
    at(1);
    report(tracked, batch.slice(0, 1));
    // Learned 1 s a unit; two cells left. At 3.5 s since the last cell, 1.75 s a unit: a lower bound.
    at(3);
    expect(tracked.snapshot().etaAtLeast).toBeUndefined();
    at(4.5);
    const late = tracked.snapshot();
    expect(late.etaAtLeast).toBe(true);
    expect(late.etaSeconds).toBeCloseTo(0, 9);
    // Its last cell finished and the reply not yet in: nothing is overrunning.
    report(tracked, batch.slice(1));
    at(60);
    expect(tracked.snapshot().etaAtLeast).toBeUndefined();
  });
});
