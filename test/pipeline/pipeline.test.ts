// Plan, worker and aggregate called directly on a filesystem store: cache and resume,
// idempotence, failure reporting, corrupt and missing results.
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { aggregate } from "../../shared/pipeline/aggregate.js";
import type { Summary } from "../../shared/results/summary.js";
import { type ManifestItem, type PlanResult } from "../../shared/pipeline/contract.js";
import { keys } from "../../shared/store/layout.js";
import { plan, submitSpec } from "../../shared/pipeline/plan.js";
import { runWorker } from "../../shared/pipeline/worker.js";
import { readResult } from "../../shared/results/result.js";
import { verifyCellDocument } from "../../shared/spec/hash.js";
import { FileStore } from "../../shared/store/fs.js";
import type { Store } from "../../shared/store/store.js";

const root = mkdtempSync(join(tmpdir(), "dropsweep-pipeline-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let stores = 0;
const freshStore = () => new FileStore(join(root, `s${stores++}`));
const decode = (bytes: Uint8Array | undefined) => new TextDecoder().decode(bytes);

const spec = `
name: overhead
experiment: noop
seeds: [0, 1]
grid:
  work.iterations: [0, 10, 100]
`;

async function manifest(store: Store, result: PlanResult): Promise<ManifestItem[]> {
  return decode(await store.get(keys.manifest(result.sweepId)))
    .split("\n")
    .filter(Boolean)
    .map((line) => JSON.parse(line) as ManifestItem);
}

async function summaryOf(store: Store, sweepId: string): Promise<Summary> {
  return JSON.parse(decode(await store.get(keys.report(sweepId, "summary.json")))) as Summary;
}

async function planned(store: Store, text = spec) {
  const { event, sweep } = await submitSpec(store, text);
  return { event, sweep, result: await plan(store, event) };
}

describe("plan", () => {
  it("saves the spec, the resolved sweep, every cell and the manifest before anything runs", async () => {
    const store = freshStore();
    const { sweep, result } = await planned(store);
    expect(result).toMatchObject({ sweepId: sweep.sweepId, total: 6, cached: 0, pending: 6 });
    expect(result.manifest).toEqual({ bucket: store.url, key: keys.manifest(sweep.sweepId) });
    expect(decode(await store.get(keys.spec(sweep.sweepId)))).toBe(spec);
    const resolved = JSON.parse(decode(await store.get(keys.resolved(sweep.sweepId))));
    expect(resolved).toMatchObject({ sweepId: sweep.sweepId, name: "overhead", cells: sweep.resolved.cells });
    const listed = decode(await store.get(keys.cells(sweep.sweepId)))
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(listed).toEqual(sweep.cells.map((c) => ({ hash: c.hash })));
    const items = await manifest(store, result);
    expect(items.map((i) => ({ hash: i.hash }))).toEqual(listed);
    // Each item locates its cell's definition: those bytes, and only those, hash to the cell.
    for (const [i, c] of sweep.cells.entries()) {
      const { bundle, offset, length } = items[i]!.definition;
      const document = verifyCellDocument(c.hash, (await store.getRange(keys.definitions(bundle), offset, length))!);
      expect(document).toMatchObject({ cell: c.cell });
      expect(typeof verifyCellDocument(c.hash, (await store.getRange(keys.definitions(bundle), offset, length + 1))!)).toBe("string");
    }
  });

  it("names only the cells without a valid result; a finished sweep has none", async () => {
    const store = freshStore();
    const { event, result } = await planned(store);
    const items = await manifest(store, result);
    await runWorker(store, { Items: items.slice(0, 2), BatchInput: { sweepId: result.sweepId } });
    const again = await plan(store, event);
    expect(again).toMatchObject({ total: 6, cached: 2, pending: 4 });
    expect((await manifest(store, again)).map((i) => i.hash)).toEqual(items.slice(2).map((i) => i.hash));
    await runWorker(store, { Items: items.slice(2), BatchInput: { sweepId: result.sweepId } });
    const done = await plan(store, event);
    expect(done).toMatchObject({ total: 6, cached: 6, pending: 0 });
    expect(await manifest(store, done)).toEqual([]);
  });

  it("shares results between sweeps: cells are content-addressed", async () => {
    const store = freshStore();
    const first = await planned(store);
    await runWorker(store, { Items: await manifest(store, first.result), BatchInput: { sweepId: first.result.sweepId } });
    const second = await planned(store, `${spec}\nname: other\n`.replace("name: overhead\n", ""));
    expect(second.result.sweepId).not.toBe(first.result.sweepId);
    expect(second.result).toMatchObject({ total: 6, cached: 6, pending: 0 });
  });

  it("treats a corrupt result as missing, reports it, and rewrites a damaged definitions bundle", async () => {
    const store = freshStore();
    const { event, result } = await planned(store);
    const items = await manifest(store, result);
    await runWorker(store, { Items: items, BatchInput: { sweepId: result.sweepId } });
    const victim = items[3]!.hash;
    const bytes = (await store.get(keys.result(victim)))!;
    await store.put(keys.result(victim), bytes.subarray(0, 40));
    const warnings: string[] = [];
    const again = await plan(store, event, { log: { info() {}, warn: (message) => warnings.push(message) } });
    expect(again).toMatchObject({ cached: 5, pending: 1, corrupt: 1 });
    const [item] = await manifest(store, again);
    expect(item?.hash).toBe(victim);
    expect(warnings).toEqual([expect.stringMatching(/corrupt; the cell will be computed again/)]);
    // A damaged bundle fails its cells in the worker and is written whole by the next plan.
    const bundle = keys.definitions(item!.definition.bundle);
    await store.put(bundle, "{}");
    expect((await runWorker(store, { Items: [item!], BatchInput: { sweepId: result.sweepId } })).failed).toEqual([
      { hash: victim, error: expect.stringMatching(/only 2 of \d+ bytes there/) },
    ]);
    const repaired = await plan(store, event);
    expect(await manifest(store, repaired)).toEqual([item]);
    expect(await runWorker(store, { Items: [item!], BatchInput: { sweepId: result.sweepId } })).toMatchObject({
      computed: [victim],
      failed: [],
    });
    expect(await store.get(keys.result(victim))).toEqual(bytes);
  });
});

describe("worker", () => {
  it("is idempotent: a computed cell is skipped, and recomputing it writes the same bytes", async () => {
    const store = freshStore();
    const { result } = await planned(store);
    const items = await manifest(store, result);
    const event = { Items: items, BatchInput: { sweepId: result.sweepId } };
    expect(await runWorker(store, event)).toEqual({ computed: items.map((i) => i.hash), cached: [], failed: [] });
    expect(await runWorker(store, event)).toEqual({ computed: [], cached: items.map((i) => i.hash), failed: [] });
    const before = await Promise.all(items.map((i) => store.get(keys.result(i.hash))));
    for (const i of items) await store.delete(keys.result(i.hash));
    await runWorker(store, event);
    const after = await Promise.all(items.map((i) => store.get(keys.result(i.hash))));
    expect(after).toEqual(before);
    expect(JSON.parse(decode(await store.get(keys.timings(items[0]!.hash))))).toMatchObject({
      hash: items[0]!.hash,
      computeMs: expect.any(Number),
    });
  });

  it("reports a failing cell and carries on with the batch", async () => {
    const store = freshStore();
    const { result, sweep } = await planned(
      store,
      "experiment: noop\nzip: [{ work.fail: [false, true, false], work.iterations: [1, 2, 3] }]",
    );
    const items = await manifest(store, result);
    const out = await runWorker(store, { Items: items, BatchInput: { sweepId: result.sweepId } });
    const failing = sweep.cells[1]!.hash;
    expect(out.computed).toEqual([items[0]!.hash, items[2]!.hash]);
    expect(out.failed).toEqual([{ hash: failing, error: "noop cell failed on purpose (work.fail = true)" }]);
    expect(JSON.parse(decode(await store.get(keys.error(failing))))).toMatchObject({
      hash: failing,
      error: expect.stringMatching(/on purpose/),
    });
    expect(await readResult(store, failing)).toEqual({ state: "missing" });
  });

  it("tells each cell as it finishes, after its result or its error is stored; a failing listener fails nothing", async () => {
    const dir = join(root, "told");
    const store = new FileStore(dir);
    const { result } = await planned(store, "experiment: noop\nzip: [{ work.fail: [false, true, false], work.iterations: [1, 2, 3] }]");
    const items = await manifest(store, result);
    const event = { Items: items, BatchInput: { sweepId: result.sweepId } };
    const told: { hash: string; outcome: string; stored: string }[] = [];
    // What the store holds for the cell when it is told (a directory store: its files, read at once).
    const onCellFinished = (cell: { hash: string; outcome: string }) =>
      told.push({
        ...cell,
        stored: [keys.result(cell.hash), keys.error(cell.hash)].filter((key) => existsSync(join(dir, key))).join(" ") || "nothing",
      });
    const out = await runWorker(store, event, { onCellFinished });
    expect(told).toEqual([
      { hash: items[0]!.hash, outcome: "computed", stored: keys.result(items[0]!.hash) },
      { hash: items[1]!.hash, outcome: "failed", stored: keys.error(items[1]!.hash) },
      { hash: items[2]!.hash, outcome: "computed", stored: keys.result(items[2]!.hash) },
    ]);
    expect(out.computed).toEqual([items[0]!.hash, items[2]!.hash]);
    // Again: the stored cells are told as cached; a listener that throws is only logged.
    const warnings: string[] = [];
    const again = await runWorker(store, event, {
      onCellFinished: (cell) => {
        told.push({ ...cell, stored: "-" });
        throw new Error("listener broke");
      },
      log: { info() {}, warn: (message) => warnings.push(message) },
    });
    expect(told.slice(3).map((t) => t.outcome)).toEqual(["cached", "failed", "cached"]);
    expect(again).toMatchObject({ computed: [], cached: [items[0]!.hash, items[2]!.hash] });
    expect(warnings.filter((w) => w === "cell progress callback failed")).toHaveLength(3);
  });

  it("fails cells it cannot trust: a bad reference, a missing or altered definition, another kernel", async () => {
    const store = freshStore();
    const { result } = await planned(store);
    const [a, b, c, d] = await manifest(store, result);
    // The four share one bundle: alter b's seed in it (same length), then let a point at a missing bundle.
    const bundle = keys.definitions(b!.definition.bundle);
    const text = decode(await store.get(bundle));
    const { offset, length } = b!.definition;
    const line = text.slice(offset, offset + length);
    await store.put(
      bundle,
      text.slice(0, offset) +
        line.replace(/"seed":(\d)/, (_, digit: string) => `"seed":${(Number(digit) + 1) % 10}`) +
        text.slice(offset + length),
    );
    const missing = { ...a!, definition: { ...a!.definition, bundle: "0".repeat(64) } };
    const elsewhere = { ...d!, definition: { ...d!.definition, offset: d!.definition.offset + 1 } };
    const bare = { hash: c!.hash } as unknown as ManifestItem;
    const pastEnd = { ...d!, definition: { ...d!.definition, offset: 10 ** 9 } };
    const huge = { ...c!, definition: { ...c!.definition, length: 2 ** 40 } };
    const items = [{ hash: "not-a-hash" } as unknown as ManifestItem, bare, huge, missing, b!, elsewhere, pastEnd];
    const out = await runWorker(store, { Items: items, BatchInput: { sweepId: result.sweepId } });
    expect(out.failed.map((f) => f.error)).toEqual([
      expect.stringMatching(/not a cell reference.*plan the sweep again/),
      expect.stringMatching(/not a cell reference/),
      expect.stringMatching(/not a cell reference/),
      expect.stringMatching(/no cell definitions at definitions\/0{64}\.jsonl; plan the sweep again/),
      expect.stringMatching(
        new RegExp(`^${bundle.replace(".", "\\.")} bytes ${offset}-${offset + length - 1}: cell definition does not hash to`),
      ),
      expect.stringMatching(/does not hash to/),
      expect.stringMatching(/bytes 1000000000-\d+: only 0 of \d+ bytes there/),
    ]);
    expect(out.computed).toEqual([]);
    // One bad item fails only its cell: the batch goes on with the next.
    expect(await runWorker(store, { Items: [huge, pastEnd, c!], BatchInput: { sweepId: result.sweepId } })).toMatchObject({
      computed: [c!.hash],
    });
    await store.delete(keys.result(c!.hash));
    const other = await runWorker(store, { Items: [c!], BatchInput: { sweepId: result.sweepId } }, { kernelVersion: 999 });
    expect(other.failed[0]!.error).toMatch(/planned for kernel version \d+, this worker runs 999/);
  });

  it("throws when the store fails, so the state machine retries the batch", async () => {
    const store = freshStore();
    const { result } = await planned(store);
    const items = await manifest(store, result);
    const broken: Store = Object.assign(Object.create(store) as Store, {
      put: async () => {
        throw new Error("connection reset");
      },
    });
    await expect(runWorker(broken, { Items: items, BatchInput: { sweepId: result.sweepId } })).rejects.toThrow("connection reset");
  });
});

describe("aggregate", () => {
  it("writes a summary with exactly the fixed fields, all seven claims and one row per cell", async () => {
    const store = freshStore();
    const { result, sweep } = await planned(store);
    await runWorker(store, { Items: await manifest(store, result), BatchInput: { sweepId: result.sweepId } });
    const out = await aggregate(store, { sweepId: result.sweepId });
    expect(out).toEqual({
      sweepId: result.sweepId,
      summaryKey: keys.report(result.sweepId, "summary.json"),
      reportKeys: [],
      cells: { total: 6, computed: 6, cached: 0, failed: 0 },
      regressions: 0,
      // Each claim's number and status, for the verdict line and the ClaimsFailing metric.
      claims: ["1", "2", "3", "4", "5", "6", "7"].map((id) => ({ id, status: "skipped" })),
    });
    const summary = await summaryOf(store, result.sweepId);
    expect(Object.keys(summary)).toEqual(["format", "sweepId", "cells", "claims", "rows"]);
    expect(summary.format).toBe("dropsweep.summary/1");
    expect(summary.claims.map((c) => [c.id, c.status])).toEqual(["1", "2", "3", "4", "5", "6", "7"].map((id) => [id, "skipped"]));
    for (const claim of summary.claims) {
      expect(Object.keys(claim)).toEqual(["id", "title", "status", "measured", "tolerance", "cells", "reason", "justification"]);
      expect(claim.reason).toMatch(/^no /);
    }
    expect(summary.rows).toEqual(
      sweep.cells.map((c) => ({
        hash: c.hash,
        parameters: c.parameters,
        objectiveGap: null,
        spectrumError: null,
        balanceRatio: null,
        learnedRank: null,
        closedFormRank: null,
        representable: null,
        status: "computed",
      })),
    );
  });

  it("reports failed, missing and corrupt results by row and count, and tells cached from computed", async () => {
    const store = freshStore();
    const text = "experiment: noop\nseeds: [0, 1, 2]\ngrid: { work.fail: [false, true] }";
    const first = await planned(store, text);
    const items = await manifest(store, first.result);
    // Seeds 0 and 1 computed in an earlier run; the rest is left to this one.
    await runWorker(store, { Items: [items[0]!, items[1]!], BatchInput: { sweepId: first.result.sweepId } });
    const { result } = await planned(store, text);
    const pending = await manifest(store, result);
    expect(pending.map((p) => p.hash)).toEqual(items.slice(2).map((i) => i.hash));
    // items: [ok s0, ok s1, ok s2, fail s0, fail s1, fail s2]; compute all but the last.
    await runWorker(store, { Items: pending.slice(0, 3), BatchInput: { sweepId: result.sweepId } });
    await store.put(keys.result(items[1]!.hash), "garbage");
    const warnings: string[] = [];
    const out = await aggregate(store, { sweepId: result.sweepId }, { log: { info() {}, warn: (m) => warnings.push(m) } });
    expect(out.cells).toEqual({ total: 6, computed: 1, cached: 1, failed: 4 });
    const summary = await summaryOf(store, result.sweepId);
    expect(summary.rows.map((r) => r.status)).toEqual(["cached", "corrupt", "computed", "failed", "failed", "missing"]);
    expect(summary.rows[1]!.error).toMatch(/^result is corrupt/);
    expect(summary.rows[3]!.error).toMatch(/on purpose/);
    expect(summary.rows[5]!.error).toBe("no result was written for this cell");
    expect(summary.rows[0]).not.toHaveProperty("error");
    expect(warnings.sort()).toEqual(["cell failed", "cell failed", "result is corrupt; not used", "result is missing"]);
  });

  it("counts claims whose status moved against a baseline summary", async () => {
    const store = freshStore();
    const { result } = await planned(store);
    await runWorker(store, { Items: await manifest(store, result), BatchInput: { sweepId: result.sweepId } });
    // The baseline: this sweep's own summary with claim 3 passing instead of skipped.
    await aggregate(store, { sweepId: result.sweepId });
    const own = await summaryOf(store, result.sweepId);
    const baseline = {
      ...own,
      sweepId: "b",
      claims: own.claims.map((c) => (c.id === "3" ? { ...c, status: "pass", checks: [], hashes: [] } : c)),
    };
    await store.put("baselines/summary.json", JSON.stringify(baseline));
    expect((await aggregate(store, { sweepId: result.sweepId, baselineKey: "baselines/summary.json" })).regressions).toBe(1);
  });

  it("refuses a baseline summary an older dropsweep wrote, saying how to regenerate it", async () => {
    const store = freshStore();
    const { result } = await planned(store);
    await runWorker(store, { Items: await manifest(store, result), BatchInput: { sweepId: result.sweepId } });
    await aggregate(store, { sweepId: result.sweepId });
    const { format: _, ...old } = await summaryOf(store, result.sweepId);
    await store.put("baselines/old.json", JSON.stringify({ ...old, sweepId: "b" }));
    await expect(aggregate(store, { sweepId: result.sweepId, baselineKey: "baselines/old.json" })).rejects.toThrow(
      /baseline baselines\/old\.json in .*: no format field: written by an older dropsweep; this dropsweep reads dropsweep\.summary\/1\. Regenerate it from the stored results with `dropsweep report b`/,
    );
  });

  it("a baseline key with nothing stored: says which key, that a deployment creates none, and how to promote one", async () => {
    const store = freshStore();
    const { result } = await planned(store);
    await runWorker(store, { Items: await manifest(store, result), BatchInput: { sweepId: result.sweepId } });
    const path = join(store.root, "baselines", "paper.json");
    const failure = aggregate(store, { sweepId: result.sweepId, baselineKey: "baselines/paper.json" });
    await expect(failure).rejects.toThrow(
      `aggregate: no baseline at ${path}: the summary.json this sweep is compared with (its baselineKey, baselines/paper.json: the stack's BaselineKey for the scheduled run, or \`cloud start --baseline\`). A deployment creates none, on purpose, so the first scheduled run fails here until one is promoted (docs/CLOUD.md "4. The scheduled reproduction and its baseline"); promote a reviewed run's summary: cp DIR/summary.json ${path}`,
    );
    await expect(failure).rejects.not.toThrow(/has Plan run/);
  });

  it("fails loudly when the sweep was never planned", async () => {
    await expect(aggregate(freshStore(), { sweepId: "f".repeat(64) })).rejects.toThrow(/resolved\.json is missing/);
  });
});
