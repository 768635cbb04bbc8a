// Documents the pipeline reads back from a store, each damaged three ways (a field of the wrong
// type, a field missing, not JSON): the reader names the key, the field and what was expected,
// and the caller's recovery (plan again, rebuild the partial, recompute) still works. Every
// damage below is one the old `JSON.parse(...) as T` readers let through or crashed on.
import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { aggregate, summarise } from "../../shared/pipeline/aggregate.js";
import { readPartial } from "../../shared/pipeline/partial.js";
import { plan, readManifest, submitSpec } from "../../shared/pipeline/plan.js";
import { reduce } from "../../shared/pipeline/reduce.js";
import { readSlices } from "../../shared/pipeline/slices.js";
import { runWorker } from "../../shared/pipeline/worker.js";
import { openResult, readResult, sealResult, writeCellError } from "../../shared/results/result.js";
import { keys } from "../../shared/store/layout.js";
import { MemoryStore } from "../report/fixtures.js";

const spec = `
name: documents
experiment: noop
seeds: [0, 1]
grid:
  work.iterations: [0, 10]
`;
const decode = (bytes: Uint8Array | undefined) => new TextDecoder().decode(bytes);
const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");

/** A planned, computed, reduced and aggregated sweep; `summary` is its summary.json text. */
async function computed() {
  const store = new MemoryStore();
  const { event } = await submitSpec(store, spec);
  const planned = await plan(store, event);
  const { sweepId } = planned;
  await runWorker(store, { Items: await readManifest(store, sweepId), BatchInput: { sweepId } });
  for (const item of (await readSlices(store, sweepId))!) await reduce(store, item);
  await aggregate(store, { sweepId });
  return { store, event, sweepId, summary: decode(await store.get(keys.summary(sweepId))) };
}

/** Edit a JSON document (`edit` returns the replacement value) or a JSON Lines one (every line). */
function editJson(text: string, edit: (value: Record<string, unknown>) => unknown): string {
  return JSON.stringify(edit(JSON.parse(text) as Record<string, unknown>));
}
function editLines(text: string, edit: (value: Record<string, unknown>, i: number) => unknown): string {
  return text
    .trimEnd()
    .split("\n")
    .map((line, i) => JSON.stringify(edit(JSON.parse(line) as Record<string, unknown>, i)))
    .join("\n")
    .concat("\n");
}

describe("a plan's documents read back for a sweep planned without slices (resolved.json, cells.jsonl, the manifest)", () => {
  const damages: [string, (id: string) => string, (text: string) => string, RegExp][] = [
    [
      "resolved.json: a field of the wrong type",
      keys.resolved,
      (t) => editJson(t, (v) => ({ ...v, cells: (v.cells as object[]).map((c, i) => (i === 1 ? { ...c, hash: 5 } : c)) })),
      /resolved\.json in memory:\/\/test: cells\[1\]\.hash: expected a string, got 5; plan the sweep again$/,
    ],
    [
      "resolved.json: a field missing",
      keys.resolved,
      (t) => editJson(t, ({ maxCells: _, ...v }) => v),
      /resolved\.json in memory:\/\/test: maxCells: missing \(expected a number\); plan the sweep again$/,
    ],
    [
      "resolved.json: not JSON",
      keys.resolved,
      (t) => t.slice(0, 20),
      /resolved\.json in memory:\/\/test: not JSON \(.*\); plan the sweep again$/,
    ],
    [
      "cells.jsonl: a field of the wrong type",
      keys.cells,
      (t) => editLines(t, (v, i) => (i === 2 ? { hash: [v.hash] } : v)),
      /cells\.jsonl in memory:\/\/test: line 3: hash: expected a string, got \[.*; plan the sweep again$/,
    ],
    [
      "cells.jsonl: a field missing",
      keys.cells,
      (t) => editLines(t, (v, i) => (i === 0 ? { cell: v.hash } : v)),
      /cells\.jsonl in memory:\/\/test: line 1: hash: missing \(expected a string\); plan the sweep again$/,
    ],
    [
      "cells.jsonl: not JSON",
      keys.cells,
      (t) => `${t}{"hash"\n`,
      /cells\.jsonl in memory:\/\/test: line 5: not JSON \(.*\); plan the sweep again$/,
    ],
    [
      "the manifest: a field of the wrong type",
      keys.manifest,
      (t) => editLines(t, (v, i) => (i === 1 ? { ...v, hash: 1 } : v)),
      /manifest\.jsonl in memory:\/\/test: line 2: hash: expected a string, got 1; plan the sweep again$/,
    ],
    [
      "the manifest: a field missing",
      keys.manifest,
      (t) => editLines(t, ({ hash: _, ...v }) => v),
      /manifest\.jsonl in memory:\/\/test: line 1: hash: missing \(expected a string\); plan the sweep again$/,
    ],
    [
      "the manifest: not JSON",
      keys.manifest,
      (t) => `[${t}`,
      /manifest\.jsonl in memory:\/\/test: line 1: not JSON \(.*\); plan the sweep again$/,
    ],
  ];
  it.each(damages)("%s: the message names the key and the field; planning again recovers", async (_name, key, damage, message) => {
    const { store, event, sweepId, summary } = await computed();
    await store.delete(keys.slices(sweepId));
    expect(JSON.stringify(await summarise(store, sweepId))).toBe(JSON.stringify(JSON.parse(summary)));
    await store.put(key(sweepId), damage(decode(await store.get(key(sweepId)))));
    await expect(summarise(store, sweepId)).rejects.toThrow(message);
    await expect(aggregate(store, { sweepId })).rejects.toThrow(message);
    await plan(store, event);
    for (const item of (await readSlices(store, sweepId))!) await reduce(store, item);
    await aggregate(store, { sweepId });
    // Planned again, every cell is cached: the same summary but for where the cells were counted.
    expect(JSON.parse(decode(await store.get(keys.summary(sweepId))))).toMatchObject({ cells: { total: 4, cached: 4, failed: 0 } });
  });

  it("the manifest as a Worker's caller reads it: every item's definition is checked", async () => {
    const { store, sweepId } = await computed();
    const { event } = await submitSpec(store, spec.replace("[0, 1]", "[2]"));
    const other = await plan(store, event);
    const text = decode(await store.get(keys.manifest(other.sweepId)));
    await store.put(
      keys.manifest(other.sweepId),
      editLines(text, (v) => ({ ...v, definition: { ...(v.definition as object), offset: "0" } })),
    );
    await expect(readManifest(store, other.sweepId)).rejects.toThrow(
      /manifest\.jsonl in memory:\/\/test: line 1: definition\.offset: expected a number, got "0"; plan the sweep again$/,
    );
    expect(sweepId).not.toBe(other.sweepId);
  });
});

describe("a cell definition the Worker reads", () => {
  // A manifest item names the hash of the bytes it points at, so a foreign document passes the
  // hash check: the schema is what refuses it. The cell fails naming the field; planning again
  // writes the true definitions, and the cell is computed.
  const damages: [string, (document: Record<string, unknown>) => string, RegExp][] = [
    [
      "a field of the wrong type",
      (d) => JSON.stringify({ ...d, kernelVersion: String(d.kernelVersion) }),
      /not a cell definition: kernelVersion: expected a number, got "\d+"; plan the sweep again$/,
    ],
    [
      "a field missing in the cell",
      (d) => JSON.stringify({ ...d, cell: { ...(d.cell as object), seed: undefined } }),
      /not a cell definition: cell: seed: missing \(expected an integer\b.*\); plan the sweep again$/,
    ],
    ["not JSON", (d) => JSON.stringify(d).slice(0, -1), /not a cell definition: not JSON \(.*\); plan the sweep again$/],
  ];
  it.each(damages)("%s", async (_name, damage, message) => {
    const store = new MemoryStore();
    const { event } = await submitSpec(store, spec);
    const { sweepId } = await plan(store, event);
    const [item] = await readManifest(store, sweepId);
    const bundle = keys.definitions(item!.definition.bundle);
    const document = JSON.parse(decode((await store.get(bundle))!.subarray(0, item!.definition.length))) as Record<string, unknown>;
    const forged = damage(document);
    const forgedBundle = sha256(forged);
    await store.put(keys.definitions(forgedBundle), forged + "\n");
    const forgedItem = { hash: sha256(forged), definition: { bundle: forgedBundle, offset: 0, length: Buffer.byteLength(forged) } };
    const outcome = await runWorker(store, { Items: [forgedItem], BatchInput: { sweepId } });
    expect(outcome.failed).toEqual([{ hash: forgedItem.hash, error: expect.stringMatching(message) }]);
    expect(outcome.failed[0]!.error).toContain(`${keys.definitions(forgedBundle)} bytes 0-`);
    expect(await runWorker(store, { Items: [item!], BatchInput: { sweepId } })).toMatchObject({ computed: [item!.hash], failed: [] });
  });
});

describe("a slice's partial Aggregate reads", () => {
  /** Rewrite partial 0: its header (`header`) and records (`records`: the body's text), with a header that matches the body. */
  async function forge(store: MemoryStore, sweepId: string, edit: { header?: (h: string) => string; records?: (r: string) => string }) {
    const key = keys.partial(sweepId, 0);
    const text = decode(await store.get(key));
    const newline = text.indexOf("\n");
    const body = (edit.records ?? ((r) => r))(text.slice(newline + 1));
    const header = JSON.stringify({ ...JSON.parse(text.slice(0, newline)), sha256: sha256(body) });
    await store.put(key, `${(edit.header ?? ((h) => h))(header)}\n${body}`);
    return key;
  }
  const damages: [string, Parameters<typeof forge>[2], RegExp][] = [
    [
      "header: a field of the wrong type",
      { header: (h) => editJson(h, (v) => ({ ...v, cells: "4" })) },
      /^header: cells: expected a number, got "4"$/,
    ],
    ["header: a field missing", { header: (h) => editJson(h, ({ rows: _, ...v }) => v) }, /^header: rows: missing \(expected a string\)$/],
    ["header: not JSON", { header: (h) => h.slice(1) }, /^header is not JSON/],
    [
      "a record: a field of the wrong type",
      { records: (r) => editLines(r, (v, i) => (i === 1 ? { ...v, row: { ...(v.row as object), status: 5 } } : v)) },
      /^record line 2: row\.status: expected one of "computed", .*, got 5$/,
    ],
    [
      "a record: a field missing in its evidence's metrics",
      {
        records: (r) =>
          editLines(r, (v) => {
            const evidence = v.evidence as { metrics: Record<string, unknown> };
            const { checksum: _, ...metrics } = evidence.metrics;
            return { ...v, evidence: { ...evidence, metrics } };
          }),
      },
      /^record line 1: evidence: metrics\.checksum: missing \(expected a number\)$/,
    ],
    ["a record: not JSON", { records: (r) => r.replace("\n", "}\n") }, /^record line 1: not JSON/],
  ];
  it.each(damages)("%s: reported with its key, rebuilt from the slice's results, the summary unchanged", async (_name, edit, message) => {
    const { store, sweepId, summary } = await computed();
    const key = await forge(store, sweepId, edit);
    const item = (await readSlices(store, sweepId))![0]!;
    expect(await readPartial(store, item)).toEqual({ damaged: expect.stringMatching(message), key });
    const warnings: unknown[] = [];
    await aggregate(store, { sweepId }, { log: { info() {}, warn: (m, details) => warnings.push({ m, ...details }) } });
    expect(warnings).toEqual([expect.objectContaining({ m: "partial is damaged; rebuilt from the slice's results", key })]);
    expect(decode(await store.get(keys.summary(sweepId)))).toBe(summary);
  });
});

describe("a result", () => {
  it.each([
    [
      "a field of the wrong type",
      (r: Record<string, unknown>) => ({ ...r, status: 5 }),
      /: result\.status: expected one of "ok", "diverged", got 5$/,
    ],
    ["a field missing", ({ curves: _, ...r }: Record<string, unknown>) => r, /: result\.curves: missing \(expected a mapping\)$/],
    [
      "a field missing in its cell",
      (r: Record<string, unknown>) => ({ ...r, cell: { ...(r.cell as object), seed: undefined } }),
      /: result\.cell: seed: missing \(expected an integer\b.*\)$/,
    ],
  ])("sealed intact but %s: corrupt, naming its key and the field, and the row says so", async (_name, damage, message) => {
    const { store, sweepId } = await computed();
    const [item] = (await readSlices(store, sweepId))!;
    const hash = JSON.parse(decode(await store.get(keys.rows(sweepId))).split("\n")[0]!).hash as string;
    const read = await readResult(store, hash);
    if (read.state !== "valid") throw new Error("expected a valid result");
    // sealResult seals whatever it is given: bytes another build could have written.
    const forged = sealResult(damage(read.result as unknown as Record<string, unknown>) as never);
    expect(openResult(hash, new TextEncoder().encode(forged))).toEqual({
      state: "corrupt",
      reason: expect.stringMatching(new RegExp(`^${keys.result(hash)} is not a result${message.source}`)),
    });
    await store.put(keys.result(hash), forged);
    await reduce(store, item!);
    await aggregate(store, { sweepId });
    const row = JSON.parse(decode(await store.get(keys.summary(sweepId)))).rows.find((r: { hash: string }) => r.hash === hash);
    expect(row).toMatchObject({ status: "corrupt", error: expect.stringMatching(message) });
  });

  it("not JSON (truncated): corrupt, and the next plan leaves the cell to compute again", async () => {
    const { store, event, sweepId } = await computed();
    const hash = (await readSlices(store, sweepId)) && JSON.parse(decode(await store.get(keys.rows(sweepId))).split("\n")[0]!).hash;
    const bytes = (await store.get(keys.result(hash)))!;
    await store.put(keys.result(hash), bytes.subarray(0, 50));
    expect(await readResult(store, hash)).toEqual({ state: "corrupt", reason: expect.stringMatching(/^not JSON/) });
    expect(await plan(store, event)).toMatchObject({ pending: 1, corrupt: 1 });
    expect((await readManifest(store, sweepId)).map((item) => item.hash)).toEqual([hash]);
  });
});

describe("error.json", () => {
  it.each([
    ["a field of the wrong type", (e: string) => editJson(e, (v) => ({ ...v, error: 5 })), /error: expected a string, got 5/],
    ["a field missing", (e: string) => editJson(e, ({ at: _, ...v }) => v), /at: missing \(expected a string\)/],
    ["not JSON", (e: string) => e.slice(3), /not JSON/],
  ])("%s: the row is failed, naming the key and the field, and the next run computes the cell", async (_name, damage, message) => {
    const { store, event, sweepId } = await computed();
    const hash = JSON.parse(decode(await store.get(keys.rows(sweepId))).split("\n")[0]!).hash as string;
    await store.delete(keys.result(hash));
    await writeCellError(store, { hash, error: "out of memory", at: "2026-12-03T07:00:00.000Z" });
    await store.put(keys.error(hash), damage(decode(await store.get(keys.error(hash)))));
    const summary = await summarise(store, sweepId);
    const row = summary.rows.find((r) => r.hash === hash)!;
    expect(row.status).toBe("failed");
    expect(row.error).toMatch(
      new RegExp(`^${keys.error(hash)} in memory://test is damaged \\(.*${message.source}.*\\).*run the sweep again`),
    );
    expect(await plan(store, event)).toMatchObject({ pending: 1 });
  });
});
