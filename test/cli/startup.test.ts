// The first seconds of a command. `npx dropsweep` in a checkout installs the project into npx's
// cache and runs its `prepare` script, the wasm build: it must be a no-op when the kernels are
// up to date (it was 5-15 s of silence). And `run` says what it does while it starts (CDK
// synthesis, worker threads, Plan) instead of staying silent until the first cells finish.
import { cpSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync, appendFileSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { projectRoot, spawnCli } from "../hardening/helpers.js";

const root = mkdtempSync(join(tmpdir(), "dropsweep-startup-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe("npm's prepare (the wasm build) when the kernels are up to date", () => {
  // A copy of wasm/ with the project's build in it, so nothing the other tests read is touched.
  const wasm = join(root, "wasm");
  cpSync(join(projectRoot, "wasm"), wasm, { recursive: true });
  symlinkSync(join(projectRoot, "node_modules"), join(root, "node_modules"), "dir");
  const build = () => spawnSync(process.execPath, [join(wasm, "build.mjs")], { cwd: root, encoding: "utf8", timeout: 240_000 });
  const mtime = (file: string) => statSync(join(wasm, "build", file)).mtimeMs;

  it("is a no-op: says so, and leaves the outputs as they are", () => {
    const before = mtime("dropsweep.wasm");
    const result = build();
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout, "the project's wasm/build is stale: run npm run build:wasm").toBe(
      "wasm: up to date (built from the same sources; --force rebuilds)\n",
    );
    expect(mtime("dropsweep.wasm")).toBe(before);
  });

  it("rebuilds when a source changes, and is up to date again after", () => {
    const stamp = readFileSync(join(wasm, "build", "inputs.sha256"), "utf8");
    appendFileSync(join(wasm, "assembly", "index.ts"), "\n// a change\n");
    const rebuilt = build();
    expect(rebuilt.status, rebuilt.stderr).toBe(0);
    expect(rebuilt.stdout).toMatch(/^wasm: built release in \d+ ms\nwasm: built relaxed in \d+ ms\n$/);
    expect(readFileSync(join(wasm, "build", "inputs.sha256"), "utf8")).not.toBe(stamp);
    expect(build().stdout).toMatch(/up to date/);
  }, 240_000);
});

describe("run's start-up", () => {
  it("says it is starting and planning before any cell is done (plain lines when not a terminal)", async () => {
    const spec = join(root, "noop.yaml");
    writeFileSync(spec, "name: startup\nexperiment: noop\nseeds: [0]\n");
    const run = await spawnCli(["run", spec, "--out", join(root, "runs"), "--concurrency", "1"]);
    expect(run.code, run.err).toBe(0);
    const lines = run.err.trimEnd().split("\n");
    expect(lines.slice(0, 3)).toEqual([
      "starting: synthesizing the state machine, starting worker threads...",
      "planning...",
      "planned 1 cell, 1 to compute",
    ]);
  });
});
