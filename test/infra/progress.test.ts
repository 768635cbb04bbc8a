// The terminal rendering of a local run's progress (infra/local/progress.ts).
import { describe, expect, it } from "vitest";
import { formatProgress, terminalProgress, type LocalProgress } from "../../infra/local/progress.js";

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
