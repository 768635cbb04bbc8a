// The CLI's messages for bad input, one way for every command: "<command>: unknown option --x;
// allowed: ...", a spec path that is a directory, a file:// URL with a host, a --baseline that
// is not one, theory's flag names and overflowing numbers; and what `run` prints about itself.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { faultsLine } from "../../cli/commands/run.js";
import { FaultPlan } from "../../infra/local/faults.js";
import { cli } from "../hardening/helpers.js";

const root = mkdtempSync(join(tmpdir(), "dropsweep-messages-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const stackTrace = /\n\s+at .+[:(]\d+/;

/** Bad input: exit 2, exactly `message` (a pattern) on stderr, no stack, nothing on stdout. */
async function refused(argv: string[], message: RegExp): Promise<string> {
  const result = await cli(...argv);
  expect(result.code, `${argv.join(" ")}: ${result.err}`).toBe(2);
  expect(result.err).toMatch(message);
  expect(result.err).not.toMatch(stackTrace);
  expect(result.out).toBe("");
  return result.err;
}

const spec = join(root, "noop.yaml");
writeFileSync(spec, "name: messages\nexperiment: noop\nseeds: [0, 1]\n");

describe("unknown options: the same words in every command", () => {
  const commands: [string, string[]][] = [
    ["run", ["run", spec]],
    ["report", ["report", "abc"]],
    ["bench", ["bench"]],
    ["theory", ["theory"]],
    ["cloud status", ["cloud", "status", "abc", "--stack", "X"]],
  ];
  for (const [name, argv] of commands)
    it(name, async () => {
      const err = await refused([...argv, "--ot"], new RegExp(`^dropsweep: ${name}: unknown option --ot; allowed: --[a-z]`));
      expect(err).not.toMatch(/To specify a positional argument/);
      expect(err.trim().split("\n")).toHaveLength(1);
      expect(err).toContain("--help (-h)");
    });
});

describe("an unknown command", () => {
  it("suggests the nearest command when one is an obvious fix, and lists them all", async () => {
    expect(await refused(["rnu", "sweeps/smoke.yaml"], /./)).toBe(
      'dropsweep: unknown command "rnu" (did you mean run?); expected one of: run, theory, bench, report, cloud (see `dropsweep --help`)\n',
    );
    expect(await refused(["reprot"], /./)).toMatch(/^dropsweep: unknown command "reprot" \(did you mean report\?\); expected one of: /);
    // Nothing near: no guess.
    expect(await refused(["deploy"], /./)).toBe(
      'dropsweep: unknown command "deploy"; expected one of: run, theory, bench, report, cloud (see `dropsweep --help`)\n',
    );
  });
});

describe("README's Commands table", () => {
  // Each command's row lists every flag its --help page lists (docs that send people to a flag
  // the table does not show are a trap), and so does the help's own usage line.
  const readme = readFileSync(join(import.meta.dirname, "..", "..", "README.md"), "utf8");
  for (const name of ["run", "theory", "report", "bench"])
    it(`${name}: the row and the usage line name every flag of \`dropsweep ${name} --help\``, async () => {
      const { out } = await cli(name, "--help");
      const usage = out.slice(0, out.indexOf("\n\n"));
      const options = out.slice(out.indexOf("\noptions:\n"));
      const flags = [
        ...new Set(options.match(/^ {2}(?:-\w, )?(--[a-z][a-z-]*)/gm)!.map((line) => line.trim().replace(/^-\w, /, ""))),
      ].filter((f) => f !== "--help");
      expect(flags.length).toBeGreaterThan(0);
      const inUsage = new Set(usage.match(/--[a-z][a-z-]*/g));
      expect(flags.filter((f) => !inUsage.has(f))).toEqual([]);
      const row = readme.split("\n").find((line) => line.startsWith(`| \`dropsweep ${name} `));
      expect(row).toBeDefined();
      const listed = new Set(row!.match(/--[a-z][a-z-]*/g));
      expect(flags.filter((f) => !listed.has(f))).toEqual([]);
    });
});

describe("the wrong number of arguments: one line, not the help", () => {
  const cases: [string[], string][] = [
    [["run"], "dropsweep: run: expected one SPEC file, got 0 (see `dropsweep run --help`)\n"],
    [["run", "a.yaml", "b.yaml"], "dropsweep: run: expected one SPEC file, got 2: a.yaml b.yaml (see `dropsweep run --help`)\n"],
    [["report", "abc", "def"], "dropsweep: report: expected one SWEEP id, got 2: abc def (see `dropsweep report --help`)\n"],
  ];
  for (const [argv, message] of cases)
    it(argv.join(" "), async () => {
      const err = await refused(argv, /./);
      expect(err).toBe(message);
    });
});

describe("paths and URLs", () => {
  it("run: a spec path that is a directory", async () => {
    await refused(
      ["run", root, "--out", join(root, "runs-a")],
      new RegExp(`^dropsweep: run: ${root} is a directory, expected a spec file \\(YAML\\)\\n$`),
    );
    expect(existsSync(join(root, "runs-a"))).toBe(false);
  });

  it("run and report: file://relative/dir is a usage error like file:relative, nothing written", async () => {
    const expected = /^dropsweep: store file:\/\/relative-dir\/runs: expected a file:\/\/\/absolute\/dir URL/;
    await refused(["run", spec, "--store", "file://relative-dir/runs"], expected);
    await refused(["report", "abc", "--store", "file://relative-dir/runs"], expected);
    await refused(["run", spec, "--store", "file:relative-dir"], /expected a file:\/\/\/absolute\/dir URL/);
    expect(existsSync("relative-dir")).toBe(false);
  });
});

describe("a run, then report --baseline that is not a baseline", () => {
  let store: string;
  let runOutput: { code: number; out: string; err: string };
  beforeAll(async () => {
    store = join(root, "runs");
    runOutput = await cli("run", spec, "--out", store, "--concurrency", "1");
  }, 60_000);

  it("the run's result is said once: on stdout, no second 'done:' line on stderr", () => {
    expect(runOutput.code, runOutput.err).toBe(0);
    expect(runOutput.out).toMatch(/computed 2, cached 0, failed 0 of 2 cells in [\d.]+ s/);
    expect(runOutput.err).not.toMatch(/done: /);
  });

  it("report without a SWEEP, or with one the store does not have, lists the store's sweeps and how to name another store", async () => {
    const sweep = /sweep messages ([0-9a-f]{12})/.exec(runOutput.out)![1]!;
    const none = await refused(
      ["report", "--out", store],
      /^dropsweep: report: expected one SWEEP id, got 0 \(see `dropsweep report --help`\)\n/,
    );
    expect(none).toContain(`  sweeps in ${store} (another store: --out DIR or --store URL`);
    expect(none).toMatch(new RegExp(`\\n {4}${sweep} {2}messages {2}report\\n$`));
    const unknown = await refused(
      ["report", "ffff0000", "--out", store],
      new RegExp(`^dropsweep: report: no such sweep ffff0000 in ${store}\\n`),
    );
    expect(unknown).toContain(`${sweep}  messages  report`);
    const empty = join(root, "no-store");
    const nothing = await refused(["report", "--out", empty], /^dropsweep: report: expected one SWEEP id, got 0/);
    expect(nothing).toContain(`no sweeps in ${empty}; another store: --out DIR or --store URL`);
    expect(existsSync(empty)).toBe(false);
  });

  it("--baseline naming a file that is not a summary says --baseline and what it accepts", async () => {
    const readme = join(root, "README.md");
    writeFileSync(readme, "# not a summary\n");
    const sweep = /sweep messages ([0-9a-f]{12})/.exec(runOutput.out)![1]!;
    await refused(
      ["report", sweep, "--out", store, "--baseline", readme],
      new RegExp(
        `^dropsweep: --baseline ${readme}: is a file but not a \\.json summary; expected a report directory, a summary\\.json, or a store URL`,
      ),
    );
    const empty = join(root, "empty-dir");
    mkdirSync(empty);
    await refused(
      ["report", sweep, "--out", store, "--baseline", empty],
      /^dropsweep: --baseline .*empty-dir: no summary\.json there; expected a report directory/,
    );
  });
});

describe("run's help and fault line", () => {
  it("--help lists only the exit codes run returns (no baseline, so no 3)", async () => {
    const { code, out } = await cli("run", "--help");
    expect(code).toBe(0);
    const exits = out.slice(out.indexOf("Exit codes:"));
    expect(exits).toMatch(/0 done; 1 .*; 2 bad input/);
    expect(exits).not.toMatch(/\b3\b/);
  });

  it("no crash or hang is not 'none' beside failed writes; one batch gets the --batch-size 1 hint, retried or not", () => {
    const none = { "throw-before": 0, "hang-after": 0 };
    const single = faultsLine({ invocations: 1, batches: 1, byKind: none, storeFailures: 5 });
    expect(single).toMatch(/^injected faults: no crash or hang in 1 Worker invocation; 5 store writes failed\n/);
    expect(single).toContain("--batch-size 1");
    const many = faultsLine({ invocations: 14, batches: 11, byKind: { "throw-before": 2, "hang-after": 1 }, storeFailures: 1 });
    expect(many).toBe("injected faults: 2 throw-before, 1 hang-after in 14 Worker invocations; 1 store write failed\n");
  });

  it("the single batch crashed and retried (two invocations) still gets the hint: counted by the fault plan", () => {
    // A seed whose first draw for the one batch crashes it: the runner retries the same event.
    const batch = { items: [{ hash: "a" }, { hash: "b" }] };
    const seed = Array.from({ length: 200 }, (_, i) => i).find(
      (s) => new FaultPlan({ rate: 0.5, seed: s }).next("Worker", batch).kind !== undefined,
    )!;
    const plan = new FaultPlan({ rate: 0.5, seed });
    expect(plan.next("Worker", batch).kind).toBeDefined();
    plan.next("Worker", { ...batch });
    expect(plan.counts.invocations).toBe(2);
    expect(plan.counts.batches).toBe(1);
    const line = faultsLine(plan.counts);
    expect(line).toMatch(/in 2 Worker invocations; /);
    expect(line).toContain("--batch-size 1");
    // Two distinct batches: no hint.
    plan.next("Worker", { items: [{ hash: "c" }] });
    expect(plan.counts.batches).toBe(2);
    expect(faultsLine(plan.counts)).not.toContain("--batch-size 1");
  });
});

describe("theory's messages", () => {
  const flags = ["--hidden", "2", "--block", "1", "--keep", "0.5"];
  const matrix = (name: string, text: string) => {
    const path = join(root, name);
    writeFileSync(path, text);
    return path;
  };

  it("a singular X is named by its flag, --inputs", async () => {
    const y = matrix("y.json", "[[1, 2, 3]]");
    const x = matrix("x-singular.json", "[[1, 2, 3], [2, 4, 6]]");
    await refused(["theory", "--targets", y, "--inputs", x, ...flags], /^dropsweep: --inputs: X X\^T is singular/);
  });

  it("a number too large for a double is said as written, not as null", async () => {
    const y = matrix("overflow.json", "[[1, 2], [3, -1e400]]");
    const err = await refused(
      ["theory", "--targets", y, ...flags],
      /^dropsweep: --targets: entry \[1\]\[1\] of .*overflow\.json is not a finite number \(-1e400\)/,
    );
    expect(err).not.toMatch(/null/);
  });
});
