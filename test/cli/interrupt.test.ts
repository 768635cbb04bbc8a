// Ctrl-C (SIGINT) and SIGTERM during `dropsweep run`: the run stops its worker threads, says
// how many cells it kept and where, exits 130, leaves no partial result, and the same command
// resumes from there.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { resultFiles, spawnCli, unverified } from "../hardening/helpers.js";

const root = mkdtempSync(join(tmpdir(), "dropsweep-interrupt-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const total = 200;
const spec = join(root, "long.yaml");
writeFileSync(
  spec,
  `name: interrupted\nexperiment: noop\nseeds: [${Array.from({ length: total }, (_, i) => i).join(", ")}]\ngrid: { work.iterations: [3000000] }\n`,
);

/** Start the run, send `signal` once `atLeast` results are stored. */
async function interrupt(out: string, signal: NodeJS.Signals, atLeast: number) {
  return spawnCli(["run", spec, "--out", out, "--batch-size", "1", "--concurrency", "2"], (child) => {
    const poll = setInterval(() => {
      if (resultFiles(out).size >= atLeast) {
        clearInterval(poll);
        child.kill(signal);
      }
    }, 20);
    child.on("exit", () => clearInterval(poll));
  });
}

describe.each<[NodeJS.Signals, number]>([
  ["SIGINT", 12],
  ["SIGTERM", 6],
])("%s during a run", (signal, atLeast) => {
  const out = join(root, `runs-${signal}`);

  it("exits 130 saying how many cells are kept and where; every kept result verifies; nothing else is printed", async () => {
    const run = await interrupt(out, signal, atLeast);
    expect(run.signal, run.err).toBeNull();
    expect(run.code, run.err).toBe(130);
    const kept = resultFiles(out);
    const escaped = out.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    const said = new RegExp(`^interrupted: (\\d+) cells kept in ${escaped}; run the same command to resume$`, "m").exec(run.err);
    expect(said, run.err).not.toBeNull();
    // The threads were stopped before counting: the number said is the number stored.
    expect(Number(said![1])).toBe(kept.size);
    expect(kept.size).toBeGreaterThanOrEqual(atLeast);
    expect(kept.size).toBeLessThan(total);
    expect(unverified(kept)).toEqual([]);
    // Not a failed run, and no report of a run that did not finish.
    expect(run.err).not.toMatch(/run failed|Error|at .+:\d+/);
    expect(run.out).not.toMatch(/computed \d+|summary:|claims:/);
  }, 180_000);

  it("the same command resumes: computes only the rest and keeps what was there, byte for byte", async () => {
    const before = resultFiles(out);
    const rerun = await spawnCli(["run", spec, "--out", out, "--concurrency", "2"], undefined, 300_000);
    expect(rerun.code, rerun.err).toBe(0);
    expect(rerun.out).toContain(`computed ${total - before.size}, cached ${before.size}, failed 0 of ${total} cells`);
    const after = resultFiles(out);
    expect(after.size).toBe(total);
    for (const [hash, bytes] of before) expect(after.get(hash)!.equals(bytes)).toBe(true);
  }, 300_000);
});
