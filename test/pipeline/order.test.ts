// The manifest's order (shared/pipeline/plan.ts) and the cost it rests on (shared/pipeline/
// cost.ts): the most expensive cells first, ties in grid order; definition bundles still cut in
// grid order; and results byte-identical whatever order and batches the cells run in.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { aggregate } from "../../shared/pipeline/aggregate.js";
import type { ManifestItem } from "../../shared/pipeline/contract.js";
import { expectedSeconds } from "../../shared/pipeline/cost.js";
import { plan, readManifest, submitSpec } from "../../shared/pipeline/plan.js";
import { runWorker } from "../../shared/pipeline/worker.js";
import { parseSpec } from "../../shared/spec/spec.js";
import type { Cell } from "../../shared/spec/cell.js";
import { keys } from "../../shared/store/layout.js";
import { FileStore } from "../../shared/store/fs.js";

const root = mkdtempSync(join(tmpdir(), "dropsweep-order-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

// Cheap linear cells whose cost grows with the epochs and with DropConnect, in a grid order
// (epochs outermost, ascending) that is the reverse of their cost.
const spec = `
name: order
experiment: linear-factorisation
sizes: { m: 4, n: 4, hiddenUnits: 4 }
target: { generator: gaussian }
optimiser: { learningRate: 0.05, epochs: 20, batchSize: 4 }
monteCarloSamples: 20
mask: { family: dropout, keepProbability: 0.5 }
seeds: [0, 1]
grid:
  optimiser.epochs: [20, 80, 40]
  mask:
    - { family: dropout, keepProbability: 0.5 }
    - { family: dropconnect, keepProbability: 0.5, layer: last }
`;

const sweep = parseSpec(spec, { kernelVersion: 0, source: "order.yaml" });
const cellOf = (cell: Cell) => cell as Extract<Cell, { experiment: "linear-factorisation" }>;

describe("expected cost", () => {
  it("grows with the epochs and the sizes, and is higher for DropConnect than Dropout of the same size", () => {
    const base = cellOf(sweep.cells[0]!.cell);
    const longer = { ...base, optimiser: { ...base.optimiser, epochs: base.optimiser.epochs * 4 } };
    const wider = { ...base, sizes: { ...base.sizes, m: base.sizes.m * 4 } };
    const dropconnect = { ...base, mask: { family: "dropconnect", keepProbability: 0.5, layer: "last" } } as const;
    expect(expectedSeconds(longer)).toBeGreaterThan(expectedSeconds(base));
    expect(expectedSeconds(wider)).toBeGreaterThan(expectedSeconds(base));
    expect(expectedSeconds(dropconnect)).toBeGreaterThan(expectedSeconds(base));
  });

  it("weighs a paper deep cell against a paper linear cell as measured (about 90 times)", () => {
    // Measured on a run of sweeps/paper.yaml (KERNEL_VERSION 6, every linear optimiser default):
    // compute (timings.json) 6.56 s for deep DropBlock cells on average, 0.051 s for
    // factorisation DropBlock cells, each plus about 0.02 s a cell of store work besides (the
    // workers' busy time less the compute, over the cells). The deep cells took 4.99 s on an
    // earlier, quieter run, the unit of the coefficients (cost.ts).
    const ratio = (6.56 + 0.02) / (0.051 + 0.02);
    const deepSeconds = 4.99 + 0.02;
    const paper = parseSpec(
      `
name: paper-like
seeds: [1]
sections:
  - name: linear
    experiment: linear-factorisation
    sizes: { m: 12, n: 10, hiddenUnits: 8 }
    monteCarloSamples: 2000
    mask: { family: dropblock, keepProbability: 0.5, blockSize: 2 }
  - name: deep
    experiment: deep
    samples: 1000
    hiddenUnits: 40
    firstHiddenUnits: 128
    mask: { family: dropblock, keepProbability: 0.5, blockSize: 4 }
`,
      { kernelVersion: 0, source: "paper-like.yaml" },
    );
    const [linear, deep] = paper.cells.map((c) => expectedSeconds(c.cell));
    const within = (value: number, target: number) => {
      expect(value).toBeGreaterThan(target / 1.3);
      expect(value).toBeLessThan(target * 1.3);
    };
    within(deep! / linear!, ratio);
    within(deep!, deepSeconds);
  });
});

describe("the manifest's order", () => {
  it("lists the most expensive cells first, ties in grid order, each with its expected cost", async () => {
    const store = new FileStore(join(root, "a"));
    const { event, sweep: planned } = await submitSpec(store, spec);
    const result = await plan(store, event);
    const items = await readManifest(store, result.sweepId);
    const grid = planned.cells.map((c) => c.hash);
    expect(items.map((i) => i.hash).sort()).toEqual([...grid].sort());
    for (const item of items) expect(item.cost).toBe(Math.round(expectedSeconds(planned.cells[grid.indexOf(item.hash)]!.cell) * 1e6) / 1e6);
    for (let i = 1; i < items.length; i++) {
      const [a, b] = [items[i - 1]!, items[i]!];
      expect(a.cost!).toBeGreaterThanOrEqual(b.cost!);
      if (a.cost === b.cost) expect(grid.indexOf(a.hash)).toBeLessThan(grid.indexOf(b.hash));
    }
    // Not grid order: the grid lists the cheapest epochs first.
    expect(items.map((i) => i.hash)).not.toEqual(grid);
    const epochsOf = (item: ManifestItem) => cellOf(planned.cells[grid.indexOf(item.hash)]!.cell).optimiser.epochs;
    expect(epochsOf(items[0]!)).toBe(80);
    expect(epochsOf(items.at(-1)!)).toBe(20);
  });

  it("still cuts the definition bundles in grid order", async () => {
    const store = new FileStore(join(root, "b"));
    const { event, sweep: planned } = await submitSpec(store, spec);
    const items = await readManifest(store, (await plan(store, event)).sweepId);
    const grid = planned.cells.map((c) => c.hash);
    const bundles = [...new Set(items.map((i) => i.definition.bundle))];
    for (const bundle of bundles) {
      const inBundle = items.filter((i) => i.definition.bundle === bundle).sort((a, b) => a.definition.offset - b.definition.offset);
      const positions = inBundle.map((i) => grid.indexOf(i.hash));
      expect(positions).toEqual([...positions].sort((a, b) => a - b));
      // The bundle's bytes are exactly its cells' definitions, back to back in that order.
      const bytes = (await store.get(keys.definitions(bundle)))!;
      const last = inBundle.at(-1)!.definition;
      expect(bytes.byteLength).toBe(last.offset + last.length + 1);
    }
  });

  it("gives byte-identical results and summary whatever the order and batches the cells run in", async () => {
    const run = async (name: string, arrange: (items: ManifestItem[]) => ManifestItem[][]) => {
      const store = new FileStore(join(root, name));
      const { event } = await submitSpec(store, spec);
      const { sweepId } = await plan(store, event);
      for (const batch of arrange(await readManifest(store, sweepId))) await runWorker(store, { Items: batch, BatchInput: { sweepId } });
      await aggregate(store, { sweepId });
      return { store, sweepId };
    };
    const inOrder = await run("in-order", (items) => [items]);
    const reversed = await run("reversed", (items) => {
      const back = [...items].reverse();
      return [back.slice(0, 5), back.slice(5)];
    });
    const text = async (store: FileStore, key: string) => new TextDecoder().decode(await store.get(key));
    for (const cell of sweep.cells)
      expect(await text(reversed.store, keys.result(cell.hash)), cell.hash).toBe(await text(inOrder.store, keys.result(cell.hash)));
    const summary = keys.report(inOrder.sweepId, "summary.json");
    expect(await text(reversed.store, summary)).toBe(await text(inOrder.store, summary));
  });
});
