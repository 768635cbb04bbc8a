// The synthesized sweep state machine executed locally with the fixture handlers (worker-thread
// pool): the whole chain Plan -> Cells -> Slices -> Aggregate -> regression check, what each
// handler receives, the notice that replaces the SNS publish, and progress.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { executeLocally, type ExecuteOptions } from "../../infra/local/execute.js";
import { HandlerPool } from "../../infra/local/handlerPool.js";
import type { LocalProgress } from "../../infra/local/progress.js";
import { formatProgress } from "../../infra/local/progress.js";
import { renderStateMachine, type RenderedStateMachine } from "../../infra/local/render.js";
import { projectRoot } from "../../infra/stack.js";
import { regressionError, stateNames } from "../../infra/sweepStateMachine.js";
import { synthStack } from "../../infra/synth.js";
import { MemoryStore } from "./fixtures/memoryStore.js";
import { fixtureHandlers } from "./fixtures/handlerEntries.js";

let machine: RenderedStateMachine;
let pool: HandlerPool;

beforeAll(() => {
  const { template } = synthStack({
    props: { handlers: fixtureHandlers, settings: { maxItemsPerBatch: 4, toleratedFailurePercentage: 25 } },
  });
  machine = renderStateMachine(template);
  pool = new HandlerPool({ concurrency: 2 });
});
afterAll(async () => {
  await pool.close();
});

const manifestKey = "sweeps/s1/manifest.jsonl";
const slicesKey = "sweeps/s1/slices.jsonl";
/** The fake plan's slices: one per 5 cells of the sweep (the real ones hold 1,000). */
const sliceItems = (total: number) =>
  Array.from({ length: Math.ceil(total / 5) }, (_, i) => ({ sweepId: "s1", slice: i, cells: Math.min(5, total - 5 * i) }));

async function run(cells: number, extra: Record<string, unknown> = {}, failing: number[] = [], options: Partial<ExecuteOptions> = {}) {
  const store = new MemoryStore();
  const lines = Array.from(
    { length: cells },
    (_, i) => JSON.stringify({ hash: `h${i}`, ...(failing.includes(i) ? { fail: true } : {}) }) + "\n",
  );
  await store.put(manifestKey, lines.join(""));
  await store.put(
    slicesKey,
    sliceItems(cells + 2)
      .map((item) => JSON.stringify(item) + "\n")
      .join(""),
  );
  const planResult = {
    sweepId: "s1",
    manifest: { bucket: "b", key: manifestKey },
    slices: { bucket: "b", key: slicesKey },
    total: cells + 2,
    cached: 2,
    pending: cells,
    ...extra,
  };
  const progress: LocalProgress[] = [];
  const notices: unknown[] = [];
  const outcome = await executeLocally({
    machine,
    input: { specKey: "sweeps/s1/spec.yaml", planResult },
    store,
    projectRoot,
    pool,
    progress: (p) => progress.push(p),
    notify: (n) => notices.push(n),
    phases: { [stateNames.plan]: "plan", [stateNames.reduce]: "aggregate", [stateNames.aggregate]: "aggregate" },
    planState: stateNames.plan,
    cellsMap: stateNames.cells,
    // Validation compiles the ASL schemas (~0.7 s); the first test keeps it on.
    validate: false,
    ...options,
  });
  return { outcome, store, progress, notices };
}

describe("the sweep state machine, locally", () => {
  it("runs Plan -> Cells -> Slices -> Aggregate and succeeds without regressions", async () => {
    const { outcome, store, notices } = await run(10, {}, [], { validate: true });
    expect(outcome.status).toBe("SUCCEEDED");
    const output = outcome.output as any;
    expect(output.sweepId).toBe("s1");
    expect(output.regressions).toBe(0);
    // Aggregate received the map's ResultWriter details at $.mapResult.
    const key = output.mapResult.ResultWriterDetails.Key as string;
    expect(key).toMatch(/^map-runs\/.+\/manifest\.json$/);
    const manifest = JSON.parse(store.text(key)!);
    const succeeded = store
      .text(manifest.ResultFiles.SUCCEEDED[0].Key)!
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(succeeded.flatMap((r: any) => r.computed)).toEqual(Array.from({ length: 10 }, (_, i) => `h${i}`));
    expect(succeeded.every((r: any) => r.batchInput.sweepId === "s1")).toBe(true);
    expect(succeeded.map((r: any) => r.computed.length)).toEqual([4, 4, 2]);
    // Then one Reduce per slice, each given its line of slices.jsonl as it is, its result
    // manifest at $.reduceResult.
    const reduced = JSON.parse(store.text(output.reduceResult.ResultWriterDetails.Key)!);
    const slices = store
      .text(reduced.ResultFiles.SUCCEEDED[0].Key)!
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(slices.map((r: any) => r.slice).sort()).toEqual([0, 1, 2]);
    expect(slices.map((r: any) => r.usable).reduce((a: number, b: number) => a + b)).toBe(12);
    expect(notices).toEqual([]);
  });

  it("publishes a notice and fails with Dropsweep.Regression when Aggregate reports regressions, keeping Aggregate's result", async () => {
    const { outcome, notices } = await run(3, { regressions: 2 });
    expect(outcome.status).toBe("FAILED");
    expect(outcome.error?.name).toBe(regressionError);
    expect(notices).toEqual([
      {
        state: stateNames.notify,
        topicArn: expect.stringMatching(/^arn:aws:sns:local:000000000000:Regressions/),
        subject: "dropsweep: regression against the baseline",
        // States.Format, evaluated by the engine: a line a person reads in the e-mail.
        message: expect.stringMatching(
          /^dropsweep: sweep s1 has 2 regression\(s\) against its baseline, listed in its report s3:\/\/store[0-9a-z]+-000000000000\/sweeps\/s1\/report\/report\.html \(summary\.json beside it\)\. Download both with: npx dropsweep cloud fetch s1 --stack <your stack>$/,
        ),
      },
    ]);
    expect((outcome.taskResults.get(stateNames.aggregate) as any).regressions).toBe(2);
  });

  it("skips the cells' map when nothing is pending, and still reduces the slices", async () => {
    const { outcome, store } = await run(0);
    expect(outcome.status).toBe("SUCCEEDED");
    expect((outcome.output as any).mapResult).toBeNull();
    const written = [...store.objects.keys()].filter((k) => k.startsWith("map-runs/") && k.endsWith("/manifest.json"));
    expect(written).toEqual([(outcome.output as any).reduceResult.ResultWriterDetails.Key]);
  });

  it("tolerates failed batches up to the configured percentage, and fails the run beyond it", async () => {
    // Batches of 4 over 12 cells: one bad cell fails 4 of 12 (33 %) > 25 %.
    const beyond = await run(12, {}, [5]);
    expect(beyond.outcome.status).toBe("FAILED");
    expect(beyond.outcome.error?.name).toBe("States.ExceedToleratedFailureThreshold");
    expect(beyond.outcome.taskResults.has(stateNames.aggregate)).toBe(false);
    // Over 16 cells the same failure is 4 of 16 (25 %): tolerated, Aggregate runs.
    const within = await run(16, {}, [5]);
    expect(within.outcome.status).toBe("SUCCEEDED");
    // Each of the failed batch's five attempts reported h4 done (stored) before failing at h5: it
    // counts once, as done; the three cells no attempt stored count as failed.
    expect(within.progress.at(-1)).toMatchObject({ phase: "done", cellsDone: 16, cellsFailed: 3 });
    const counts = within.progress.map((p) => p.cellsDone);
    expect(counts).toEqual([...counts].sort((a, b) => a - b));
  });

  it("reports progress: Plan's counts, cells done out of pending, then aggregate and done", async () => {
    const { progress } = await run(10);
    const phases = progress.map((p) => p.phase).filter((phase, i, all) => phase !== all[i - 1]);
    expect(phases).toEqual(["plan", "cells", "aggregate", "done"]);
    const planned = progress.find((p) => p.cellsTotal !== undefined)!;
    expect(planned).toMatchObject({ cellsTotal: 12, cellsCached: 2, cellsPending: 10 });
    const done = progress.map((p) => p.cellsDone);
    expect(done).toEqual([...done].sort((a, b) => a - b));
    // The slices' map does not count as cells (12 cells in 3 slices would read 3 of 10).
    expect(progress.at(-1)).toMatchObject({ phase: "done", cellsDone: 10, cellsFailed: 0, cellsPending: 10 });
    expect(formatProgress({ ...progress.at(-1)!, phase: "cells" })).toMatch(/^cells 10\/10 \(100%\), 2 cached/);
    expect(formatProgress({ ...progress.at(-1)!, phase: "done", cellsDone: 10, cellsFailed: 3 })).toMatch(
      /^done: 10 of 10 cells finished \(3 in failed batches\), 2 cached in (\d+|<1)s$/,
    );
    expect(formatProgress({ ...progress.at(-1)!, phase: "cells", cellsFailed: 3 })).toMatch(
      /^cells 10\/10 \(100%\), 3 in failed batches, 2 cached/,
    );
  });
});
