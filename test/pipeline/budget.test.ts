// The Worker's time budget (shared/pipeline/budget.ts): which cells it starts given the time left
// and their costs, and the Worker stopping between cells with Dropsweep.BatchIncomplete, each
// attempt storing at least one result, the results those of a batch run in one go.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { BatchIncompleteError, TimeBudget, batchIncompleteError } from "../../shared/pipeline/budget.js";
import { type ManifestItem } from "../../shared/pipeline/contract.js";
import { plan, submitSpec } from "../../shared/pipeline/plan.js";
import { runWorker, type FinishedCell } from "../../shared/pipeline/worker.js";
import { keys } from "../../shared/store/layout.js";
import { FileStore } from "../../shared/store/fs.js";
import type { Store } from "../../shared/store/store.js";

const root = mkdtempSync(join(tmpdir(), "dropsweep-budget-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let stores = 0;
const freshStore = () => {
  const dir = join(root, `s${stores++}`);
  return { dir, store: new FileStore(dir) };
};

describe("TimeBudget: which cells start", () => {
  it("starts cells until one has been computed, whatever the time left: every attempt makes progress", () => {
    const budget = new TimeBudget(900);
    expect(budget.decide(1000, 0)).toEqual({ start: true, remainingSeconds: 0 });
    expect(budget.decide(1000, 0).start).toBe(true);
    expect(budget.speed()).toBeUndefined();
  });

  it("then scales a cell's expected seconds by the speed measured so far, plus the store margin", () => {
    // Limit 900 s: the margin is its cap, 5 s. Two cells took 2 s and 4 s for 1 s expected each:
    // speed (2 + 4) / (1 + 1) = 3. A cell expected to take 2 s needs 2 x 3 + 5 = 11 s.
    const budget = new TimeBudget(900);
    budget.computed(2, 1);
    budget.computed(4, 1);
    expect(budget.speed()).toBe(3);
    expect(budget.decide(2, 11)).toEqual({ start: true, estimateSeconds: 11, remainingSeconds: 11 });
    expect(budget.decide(2, 10.99)).toEqual({ start: false, estimateSeconds: 11, remainingSeconds: 10.99 });
    // A faster machine than the model's: half the expected time.
    const fast = new TimeBudget(900);
    fast.computed(0.5, 1);
    expect(fast.decide(10, 10).start).toBe(true); // 10 x 0.5 + 5 = 10
    expect(fast.decide(10, 9.9).start).toBe(false);
  });

  it("keeps back a tenth of a short time limit instead of 5 s", () => {
    // Limit 10 s: margin 1 s. Speed 1: a 1 s cell needs 2 s.
    const budget = new TimeBudget(10);
    budget.computed(1, 1);
    expect(budget.decide(1, 2).start).toBe(true);
    expect(budget.decide(1, 1.9).start).toBe(false);
  });

  it("in an invocation of 60 s on a machine 1.5 times slower than the model, starts the cells that fit", () => {
    // Costs 10, 10, 30, 5 s; each takes 1.5 times its cost; margin 5 s (a tenth of 60 s is 6).
    //   cell 0: always started; takes 15 s, 45 s left.
    //   cell 1: needs 10 x 1.5 + 5 = 20 <= 45: started; takes 15 s, 30 s left.
    //   cell 2: needs 30 x 1.5 + 5 = 50 > 30: the batch stops here (cell 3 would fit, but the
    //           Worker keeps the batch's order: the next attempt starts with cell 2).
    const costs = [10, 10, 30, 5];
    const budget = new TimeBudget(60);
    let left = 60;
    const started: number[] = [];
    for (const [i, cost] of costs.entries()) {
      if (!budget.decide(cost, left).start) break;
      started.push(i);
      budget.computed(1.5 * cost, cost);
      left -= 1.5 * cost;
    }
    expect(started).toEqual([0, 1]);
  });
});

/** A noop sweep planned in `store`: its manifest items, in order (the zip keeps the spec's order of `work.fail`). */
async function plannedItems(store: Store, text: string): Promise<{ items: ManifestItem[]; sweepId: string }> {
  const { event } = await submitSpec(store, text);
  const result = await plan(store, event);
  const items = new TextDecoder()
    .decode(await store.get(keys.manifest(result.sweepId)))
    .split("\n")
    .filter(Boolean)
    .map((line) => JSON.parse(line) as ManifestItem);
  return { items, sweepId: result.sweepId };
}

const threeCells = "name: budget\nexperiment: noop\nseeds: [0, 1, 2]\ngrid:\n  work.iterations: [1000]\n";

describe("runWorker with the time left", () => {
  it("with no time left computes one cell per attempt, then reports the rest as BatchIncomplete, until the batch is done", async () => {
    const { dir, store } = freshStore();
    const { items, sweepId } = await plannedItems(store, threeCells);
    const event = { Items: items, BatchInput: { sweepId } };
    const told: FinishedCell[] = [];
    const attempts: { error?: BatchIncompleteError; computed: string[] }[] = [];
    for (let attempt = 0; attempt < 5; attempt++) {
      try {
        const out = await runWorker(store, event, { remainingMs: () => 0, onCellFinished: (cell) => told.push(cell) });
        attempts.push({ computed: out.computed });
        break;
      } catch (error) {
        expect(error).toBeInstanceOf(BatchIncompleteError);
        attempts.push({ error: error as BatchIncompleteError, computed: (error as BatchIncompleteError).result.computed });
      }
    }
    const hashes = items.map((i) => i.hash);
    // Three attempts, one new result each; the last returns normally.
    expect(attempts.map((a) => a.computed)).toEqual([[hashes[0]], [hashes[1]], [hashes[2]]]);
    expect(attempts.map((a) => a.error?.name)).toEqual([batchIncompleteError, batchIncompleteError, undefined]);
    expect(attempts[0]!.error!.message).toMatch(/1 of 3 cells of this batch are stored \(1 computed, 0 cached, 0 failed\), 2 remain/);
    expect(attempts[1]!.error!.message).toMatch(/2 of 3 cells of this batch are stored \(1 computed, 1 cached, 0 failed\), 1 remain/);
    expect(attempts[1]!.error!.result).toEqual({ computed: [hashes[1]], cached: [hashes[0]], failed: [] });
    // Each cell told computed once, and cached by every later attempt; the stopped cell is not told.
    expect(told).toEqual([
      { hash: hashes[0], outcome: "computed" },
      { hash: hashes[0], outcome: "cached" },
      { hash: hashes[1], outcome: "computed" },
      { hash: hashes[0], outcome: "cached" },
      { hash: hashes[1], outcome: "cached" },
      { hash: hashes[2], outcome: "computed" },
    ]);

    // The same bytes as the batch computed in one go.
    const { dir: oneGoDir, store: oneGo } = freshStore();
    await plannedItems(oneGo, threeCells);
    expect(await runWorker(oneGo, event, { remainingMs: () => 3_600_000 })).toEqual({ computed: hashes, cached: [], failed: [] });
    for (const hash of hashes)
      expect(readFileSync(join(dir, keys.result(hash))).equals(readFileSync(join(oneGoDir, keys.result(hash)))), hash).toBe(true);
  });

  it("does not count a failed cell as progress: a retry computes it again, so the next cell still starts", async () => {
    const { store } = freshStore();
    const { items, sweepId } = await plannedItems(
      store,
      "name: budget-fail\nexperiment: noop\nzip: [{ work.fail: [true, false, false], work.iterations: [1, 2, 3] }]\n",
    );
    const hashes = items.map((i) => i.hash);
    const error = await runWorker(store, { Items: items, BatchInput: { sweepId } }, { remainingMs: () => 0 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BatchIncompleteError);
    expect((error as BatchIncompleteError).result).toMatchObject({ computed: [hashes[1]], cached: [], failed: [{ hash: hashes[0] }] });
    expect(await store.exists(keys.result(hashes[2]!))).toBe(false);
  });

  it("computes the whole batch when the time suffices, or without a clock", async () => {
    const { store } = freshStore();
    const { items, sweepId } = await plannedItems(store, threeCells);
    const out = await runWorker(store, { Items: items, BatchInput: { sweepId } }, { remainingMs: () => 900_000 });
    expect(out.computed).toEqual(items.map((i) => i.hash));
    const { store: other } = freshStore();
    await plannedItems(other, threeCells);
    expect((await runWorker(other, { Items: items, BatchInput: { sweepId } })).computed).toHaveLength(3);
  });
});
