// `dropsweep run`: validation before anything is written, a run through the local state
// machine, and a rerun that computes nothing and says so.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it, vi } from "vitest";
import { run } from "../../cli/commands/run.js";
import { SpecError } from "../../shared/spec/problems.js";

const root = mkdtempSync(join(tmpdir(), "dropsweep-run-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

async function capture(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  const o = vi.spyOn(process.stdout, "write").mockImplementation((chunk) => ((out += String(chunk)), true));
  const e = vi.spyOn(process.stderr, "write").mockImplementation((chunk) => ((err += String(chunk)), true));
  try {
    return { code: await run(argv), out, err };
  } finally {
    o.mockRestore();
    e.mockRestore();
  }
}

describe("dropsweep run", () => {
  it("rejects a bad spec with every problem and writes nothing", async () => {
    const spec = join(root, "bad.yaml");
    writeFileSync(
      spec,
      "experiment: linear-factorisation\nsizes: { m: 4, n: 4, hiddenUnits: 3 }\nmask: { family: dropblock, blockSize: 2 }\noptimiser: { learningRate: fast }\n",
    );
    const out = join(root, "bad-runs");
    const error = await run([spec, "--out", out]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SpecError);
    expect((error as SpecError).exitCode).toBe(2);
    expect((error as SpecError).problems.map((p) => p.path).sort()).toEqual(["mask.blockSize", "optimiser.learningRate"]);
    expect(existsSync(out)).toBe(false);
  });

  it("rejects bad flags as usage errors", async () => {
    await expect(run([])).rejects.toMatchObject({ exitCode: 2, message: expect.stringMatching(/expected one SPEC/) });
    await expect(run(["x.yaml", "--concurrency", "0"])).rejects.toMatchObject({ message: expect.stringMatching(/--concurrency/) });
    await expect(run(["x.yaml", "--out", "a", "--store", "file:///b"])).rejects.toMatchObject({
      message: expect.stringMatching(/not both/),
    });
    await expect(run(["x.yaml", "--endpoint", "http://127.0.0.1:1"])).rejects.toMatchObject({
      message: expect.stringMatching(/--endpoint/),
    });
    await expect(run([join(root, "absent.yaml")])).rejects.toMatchObject({ message: expect.stringMatching(/cannot read .*ENOENT/) });
  });

  it("runs a sweep, reports failed cells, and on a rerun computes only what is missing", async () => {
    const spec = join(root, "sweep.yaml");
    writeFileSync(spec, "name: cli\nexperiment: noop\nseeds: [0, 1]\nzip: [{ work.fail: [false, true], work.iterations: [1, 2] }]\n");
    const out = join(root, "runs");
    const first = await capture([spec, "--out", out, "--concurrency", "2"]);
    expect(first.code).toBe(1);
    expect(first.out).toMatch(/computed 2, cached 0, failed 2 of 4 cells/);
    const summaryPath = /summary: (.*)\n/.exec(first.out)![1]!;
    const summary = JSON.parse(readFileSync(summaryPath, "utf8"));
    expect(summary.cells).toEqual({ total: 4, computed: 2, cached: 0, failed: 2 });
    expect(first.err).toMatch(/2 cells failed/);

    const ok = join(root, "ok.yaml");
    writeFileSync(ok, "name: cli-ok\nexperiment: noop\nseeds: [0, 1]\ngrid: { work.iterations: [1] }\n");
    const again = await capture([ok, "--out", out, "--concurrency", "2"]);
    expect(again.code).toBe(0);
    expect(again.out).toMatch(/all 2 cells were already computed; nothing to compute/);
  });

  it("a sweep of one cell, failing, says '1 cell' everywhere (never '1 cells')", async () => {
    const spec = join(root, "one.yaml");
    writeFileSync(spec, "name: cli-one\nexperiment: noop\nseeds: [0]\nwork: { fail: true }\n");
    const out = join(root, "one-runs");
    const first = await capture([spec, "--out", out, "--concurrency", "1"]);
    expect(first.code, first.err).toBe(1);
    expect(first.out).toMatch(/: 1 cell, store /);
    expect(first.out).toMatch(/computed 0, cached 0, failed 1 of 1 cell in /);
    expect(first.err).toMatch(/dropsweep: 1 cell failed; /);
    const ok = join(root, "one-ok.yaml");
    writeFileSync(ok, "name: cli-one-ok\nexperiment: noop\nseeds: [0]\n");
    await capture([ok, "--out", out, "--concurrency", "1"]);
    const again = await capture([ok, "--out", out, "--concurrency", "1"]);
    expect(again.out).toMatch(/the 1 cell was already computed; nothing to compute/);
    // run's own lines (the progress lines on stderr are infra/local's).
    expect(first.out + again.out).not.toMatch(/\b1 cells\b/);
  });
});
