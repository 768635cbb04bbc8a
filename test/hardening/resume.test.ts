// Crashes and damaged stores: a run killed with SIGKILL mid-sweep is finished by the next run,
// which computes exactly the missing cells; a damaged result is never used: Reduce reports it
// (and Aggregate with it), the next run computes it again.
import { readdirSync, writeFileSync, mkdtempSync, rmSync, readFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { run } from "../../cli/commands/run.js";
import { aggregate } from "../../shared/pipeline/aggregate.js";
import { keys } from "../../shared/store/layout.js";
import { plan, readManifest, submitSpec } from "../../shared/pipeline/plan.js";
import { reduce } from "../../shared/pipeline/reduce.js";
import { readSlices } from "../../shared/pipeline/slices.js";
import { runWorker } from "../../shared/pipeline/worker.js";
import { FileStore } from "../../shared/store/fs.js";
import { capture, resultFiles, spawnCli, unverified } from "./helpers.js";

const root = mkdtempSync(join(tmpdir(), "dropsweep-resume-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const noopSpec = (name: string, cells: number, iterations: number) =>
  `name: ${name}\nexperiment: noop\nseeds: [${Array.from({ length: cells }, (_, i) => i).join(", ")}]\ngrid: { work.iterations: [${iterations}] }\n`;

describe("SIGKILL mid-sweep", () => {
  it("the rerun computes only the missing cells and every result verifies", async () => {
    const total = 240;
    const spec = join(root, "kill.yaml");
    writeFileSync(spec, noopSpec("kill", total, 3_000_000));
    const out = join(root, "kill-runs");
    const count = () => resultFiles(out).size;

    const killed = await spawnCli(["run", spec, "--out", out, "--batch-size", "1", "--concurrency", "2"], (child) => {
      const poll = setInterval(() => {
        if (count() >= 20) {
          clearInterval(poll);
          child.kill("SIGKILL");
        }
      }, 20);
      child.on("exit", () => clearInterval(poll));
    });
    expect(killed.signal, killed.out + killed.err).toBe("SIGKILL");
    const before = resultFiles(out);
    expect(before.size).toBeGreaterThanOrEqual(20);
    expect(before.size).toBeLessThan(total);
    // Atomic writes: whatever was in flight is a hidden temporary file, never a partial result.
    expect(unverified(before)).toEqual([]);

    const rerun = await spawnCli(["run", spec, "--out", out, "--concurrency", "2"]);
    expect(rerun.code, rerun.err).toBe(0);
    expect(rerun.out).toContain(`computed ${total - before.size}, cached ${before.size}, failed 0 of ${total} cells`);
    const after = resultFiles(out);
    expect(after.size).toBe(total);
    expect(unverified(after)).toEqual([]);
    for (const [hash, bytes] of before) expect(after.get(hash)!.equals(bytes)).toBe(true);
  });
});

describe("a damaged result", () => {
  it("is reported by Aggregate, never used, and computed again by the next run", async () => {
    const spec = join(root, "damage.yaml");
    writeFileSync(spec, noopSpec("damage", 6, 1000));
    const out = join(root, "damage-runs");
    const first = await capture(() => run([spec, "--out", out]));
    expect(first.value, first.err).toBe(0);
    const original = resultFiles(out);
    const [flipped, truncated] = [...original.keys()].sort();
    const path = (hash: string) => join(out, "cells", hash!, "result.json");
    const bytes = readFileSync(path(flipped!));
    const at = bytes.indexOf('"checksum":') + 12; // a digit of the measurement
    bytes[at] = bytes[at] === 0x31 ? 0x32 : 0x31;
    writeFileSync(path(flipped!), bytes);
    writeFileSync(path(truncated!), original.get(truncated!)!.subarray(0, original.get(truncated!)!.length - 30));

    // Reduce and Aggregate alone (no plan), as the state machine runs them after the map: the
    // two rows say corrupt, the counts say failed.
    const store = new FileStore(out);
    const sweepId = readdirSync(join(out, "sweeps"))[0]!;
    const warnings: string[] = [];
    const log = { info() {}, warn: (m: string, d?: Record<string, unknown>) => warnings.push(`${m} ${String(d?.hash)}`) };
    for (const item of (await readSlices(store, sweepId))!) await reduce(store, item, { log });
    const result = await aggregate(store, { sweepId }, { log });
    expect(result.cells).toMatchObject({ total: 6, failed: 2 });
    const summary = JSON.parse(readFileSync(join(out, keys.report(sweepId, "summary.json")), "utf8")) as {
      rows: { hash: string; status: string; error?: string; objectiveGap: unknown }[];
    };
    const bad = summary.rows.filter((r) => r.status === "corrupt");
    expect(bad.map((r) => r.hash).sort()).toEqual([flipped, truncated].sort());
    expect(bad.find((r) => r.hash === flipped)!.error).toMatch(/SHA-256 does not match/);
    expect(bad.find((r) => r.hash === truncated)!.error).toMatch(/not JSON/);
    expect(warnings.filter((w) => w.startsWith("result is corrupt"))).toHaveLength(2);

    // The next run finds them, computes them again, and they come back byte for byte.
    const again = await capture(() => run([spec, "--out", out]));
    expect(again.value, again.err).toBe(0);
    expect(again.out).toContain("computed 2, cached 4, failed 0 of 6 cells");
    const repaired = resultFiles(out);
    for (const [hash, b] of original) expect(repaired.get(hash)!.equals(b), hash).toBe(true);
  });

  it("a worker replaces a corrupt result in its way, and a damaged cell definition is refused, then restored by plan", async () => {
    const store = new FileStore(join(root, "worker-damage"));
    const { event, sweep } = await submitSpec(store, noopSpec("worker-damage", 2, 10), { kernelVersion: 1 });
    await plan(store, event, { kernelVersion: 1 });
    const [a, b] = sweep.cells.map((c) => c.hash);
    const items = await readManifest(store, sweep.sweepId);
    await store.put(keys.result(a!), '{"result":'); // a torn write from a store without atomic puts
    // b's line of the definitions bundle overwritten in place, a's left intact.
    const bundle = keys.definitions(items[1]!.definition.bundle);
    const bytes = (await store.get(bundle))!.slice();
    bytes.fill(0x78, items[1]!.definition.offset, items[1]!.definition.offset + items[1]!.definition.length);
    await store.put(bundle, bytes);
    const first = await runWorker(store, { Items: items, BatchInput: { sweepId: sweep.sweepId } }, { kernelVersion: 1 });
    expect(first.computed).toEqual([a]);
    expect(first.failed).toEqual([{ hash: b, error: expect.stringMatching(/does not hash to/) }]);
    expect(existsSync(join(store.root, keys.result(b!)))).toBe(false);
    const replanned = await plan(store, event, { kernelVersion: 1 });
    expect(replanned).toMatchObject({ cached: 1, pending: 1 });
    const again = await readManifest(store, sweep.sweepId);
    expect((await runWorker(store, { Items: again, BatchInput: { sweepId: sweep.sweepId } }, { kernelVersion: 1 })).computed).toEqual([b]);
  });
});
