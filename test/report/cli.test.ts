// `dropsweep report` against real stores: a directory (--out) and an S3-protocol server
// (--store s3://... --endpoint), with and without a baseline; bad input exits 2 and writes nothing.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { run } from "../../cli/commands/report.js";
import { main } from "../../cli/main.js";
import { keys } from "../../shared/store/layout.js";
import { S3Store } from "../../shared/store/s3.js";
import { writeCellError, writeResult } from "../../shared/results/result.js";
import type { Store } from "../../shared/store/store.js";
import { FileStore } from "../../shared/store/fs.js";
import { startS3rver, type LocalS3 } from "../store/s3rver.js";
import { fixtureResolved, fixtureSweep, fixtureSweepId } from "./fixtures.js";

async function seed(store: Store, summary = fixtureSweep().summary): Promise<void> {
  const { results, errors } = fixtureSweep();
  await store.put(keys.report(fixtureSweepId, "summary.json"), JSON.stringify(summary));
  for (const result of results) await writeResult(store, result);
  for (const error of errors) await writeCellError(store, error);
}

const html = (root: string) => join(root, ...keys.report(fixtureSweepId, "report.html").split("/"));

describe("dropsweep report (directory store)", () => {
  let root: string;
  const quiet = () => {
    vi.spyOn(process.stdout, "write").mockImplementation(() => true);
    vi.spyOn(process.stderr, "write").mockImplementation(() => true);
  };
  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), "dropsweep-report-"));
    await seed(new FileStore(root));
  });
  afterAll(() => {
    vi.restoreAllMocks();
    rmSync(root, { recursive: true, force: true });
  });

  it("regenerates the report from stored results and exits 0", async () => {
    quiet();
    expect(await run([fixtureSweepId, "--out", root])).toBe(0);
    const page = readFileSync(html(root), "utf8");
    expect(page).toContain('<section id="claims">');
    // The failed cell has no result file; the report lists it with its stored error.
    expect(page).toContain("RuntimeError: unreachable (wasm trap in maskedTrain)");
    // Every plot of the fixture was drawn from the verified result files.
    expect((page.match(/<figure class="plot"/g) ?? []).length).toBe(7);
  });

  it("accepts the first characters of the sweep id, as `dropsweep run` prints it", async () => {
    quiet();
    rmSync(html(root), { force: true });
    expect(await run([fixtureSweepId.slice(0, 12), "--out", root])).toBe(0);
    expect(existsSync(html(root))).toBe(true);
    // A prefix no stored sweep has is refused as such.
    await expect(run(["ffffffffffff0000", "--out", root])).rejects.toThrow(/no such sweep/);
  });

  it("reports a corrupt result as corrupt instead of using it, with a warning on stderr", async () => {
    quiet();
    const stderr = vi.spyOn(process.stderr, "write").mockImplementation(() => true);
    const { results } = fixtureSweep();
    const store = new FileStore(root);
    const key = keys.result(results[0]!.hash);
    const good = (await store.get(key))!;
    await store.put(key, new TextDecoder().decode(good).replace(/"learnedRank":\d+/, '"learnedRank":99'));
    try {
      expect(await run([fixtureSweepId, "--out", root])).toBe(0);
      const page = readFileSync(html(root), "utf8");
      expect(page).toMatch(
        /<span class="status corrupt">corrupt<\/span> <a[^>]*>[0-9a-f]{12}<\/a>[^<]*: <code>result is corrupt: SHA-256 does not match/,
      );
      expect(page).toMatch(new RegExp(`<tr id="cell-${results[0]!.hash}"[^>]*>[\\s\\S]*?<span class="status corrupt">`));
      const warned = stderr.mock.calls.map((c) => String(c[0])).filter((m) => m.startsWith("report: warning:"));
      expect(warned).toHaveLength(1);
      expect(warned[0]).toContain(`cell ${results[0]!.hash.slice(0, 12)} is corrupt (SHA-256 does not match the contents)`);
    } finally {
      await store.put(key, good);
    }
  });

  it("ends the report with a regenerate command that names this store, and that command works", async () => {
    quiet();
    expect(await run([fixtureSweepId, "--out", root])).toBe(0);
    const markdown = readFileSync(html(root).replace(/report\.html$/, "report.md"), "utf8");
    const command = markdown.match(/Regenerate without recomputing: `([^`]+)`/)![1]!;
    // The store is outside the default runs/ of this directory: the command must carry it.
    expect(command).toBe(`npx dropsweep report ${fixtureSweepId} --out ${root}`);
    expect(readFileSync(html(root), "utf8")).toContain(`<code>npx dropsweep report ${fixtureSweepId} --out ${root}</code>`);
    const [, , , ...argv] = command.split(" ");
    rmSync(html(root), { force: true });
    expect(await run(argv)).toBe(0);
    expect(existsSync(html(root))).toBe(true);
  });

  it("exits 0 against an identical baseline and 3 against one whose claim differs", async () => {
    quiet();
    const reportDir = join(root, "sweeps", fixtureSweepId, "report");
    expect(await run([fixtureSweepId, "--out", root, "--baseline", reportDir])).toBe(0);

    const changed = fixtureSweep().summary;
    changed.claims = changed.claims.map((c) => (c.id === "4" ? { ...c, status: "pass" as const } : c));
    const baselineDir = join(root, "baseline-report");
    mkdirSync(baselineDir);
    writeFileSync(join(baselineDir, "summary.json"), JSON.stringify({ ...changed, sweepId: "older" }));
    expect(await run([fixtureSweepId, "--out", root, "--baseline", baselineDir])).toBe(3);
    expect(readFileSync(html(root), "utf8")).toMatch(/<section id="regressions">[\s\S]*pass → fail/);
    // The summary file itself is accepted as a baseline too.
    expect(await run([fixtureSweepId, "--out", root, "--baseline", join(baselineDir, "summary.json")])).toBe(3);
    // --strict: a failing claim (the fixture's claim 4) is exit 4, which wins over the regression's 3.
    expect(await run([fixtureSweepId, "--out", root, "--baseline", baselineDir, "--strict"])).toBe(4);
    expect(await run([fixtureSweepId, "--out", root, "--baseline", reportDir, "--strict"])).toBe(4);
  });

  it("regenerates a summary.json an older dropsweep wrote from the stored results, and says so", async () => {
    const stderr = vi.spyOn(process.stderr, "write").mockImplementation(() => true);
    vi.spyOn(process.stdout, "write").mockImplementation(() => true);
    const other = mkdtempSync(join(tmpdir(), "dropsweep-report-old-"));
    try {
      const { summary } = fixtureSweep();
      const { format: _, ...old } = summary;
      const store = new FileStore(other);
      await seed(store, old as typeof summary);
      // What Plan stored: the cells and their parameters, and the cells it left to compute.
      const lines = (rows: typeof summary.rows) => rows.map((r) => JSON.stringify({ hash: r.hash })).join("\n") + "\n";
      await store.put(keys.resolved(fixtureSweepId), fixtureResolved(summary.rows));
      await store.put(keys.cells(fixtureSweepId), lines(summary.rows));
      await store.put(keys.manifest(fixtureSweepId), lines(summary.rows.filter((r) => r.status !== "cached")));
      expect(await run([fixtureSweepId, "--out", other])).toBe(0);
      expect(stderr.mock.calls.map((c) => String(c[0]))).toContain(
        `report: ${keys.report(fixtureSweepId, "summary.json")} was written by another dropsweep (no format field); regenerated it from the stored results (claims evaluated again, no cell recomputed)\n`,
      );
      const rewritten = JSON.parse(readFileSync(join(other, ...keys.report(fixtureSweepId, "summary.json").split("/")), "utf8"));
      expect(rewritten.format).toBe("dropsweep.summary/1");
      expect(rewritten.claims).toEqual(JSON.parse(JSON.stringify(summary.claims)));
      expect(rewritten.cells).toEqual(summary.cells);
    } finally {
      rmSync(other, { recursive: true, force: true });
    }
  });

  it("exits 2 and writes nothing on bad input", async () => {
    quiet();
    const empty = mkdtempSync(join(tmpdir(), "dropsweep-report-empty-"));
    try {
      expect(await main(["report", "no-such-sweep", "--out", empty])).toBe(2);
      expect(await main(["report", fixtureSweepId, "--out", root, "--baseline", join(empty, "nothing")])).toBe(2);
      expect(await main(["report", fixtureSweepId, "--out", root, "--store", `file://${root}`])).toBe(2);
      expect(await main(["report", fixtureSweepId, "--bogus"])).toBe(2);
      expect(await main(["report"])).toBe(2);
      // A summary.json that is not one: the message names the fields.
      const bad = join(empty, "bad");
      mkdirSync(bad);
      writeFileSync(join(bad, "summary.json"), JSON.stringify({ format: "dropsweep.summary/1", sweepId: "x", claims: [] }));
      const stderr = vi.spyOn(process.stderr, "write").mockImplementation(() => true);
      expect(await main(["report", fixtureSweepId, "--out", root, "--baseline", bad])).toBe(2);
      expect(String(stderr.mock.calls.at(-1)?.[0])).toMatch(/cells: missing \(expected a mapping\)/);
      // A baseline an older dropsweep wrote: refused, saying what regenerates it.
      writeFileSync(join(bad, "summary.json"), JSON.stringify({ sweepId: "x", cells: { total: 0 }, claims: [], rows: [] }));
      expect(await main(["report", fixtureSweepId, "--out", root, "--baseline", bad])).toBe(2);
      expect(String(stderr.mock.calls.at(-1)?.[0])).toMatch(/no format field: written by an older dropsweep; .*`dropsweep report x`/);
      expect(existsSync(join(empty, "sweeps"))).toBe(false);
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });
});

describe("dropsweep report (S3 store)", () => {
  let s3: LocalS3;
  const saved = { id: process.env.AWS_ACCESS_KEY_ID, secret: process.env.AWS_SECRET_ACCESS_KEY };
  beforeAll(async () => {
    s3 = await startS3rver();
    // s3rver's fixed local credentials (ARCHITECTURE.md "Pitfalls"), read by the SDK's default chain.
    process.env.AWS_ACCESS_KEY_ID = s3.credentials.accessKeyId;
    process.env.AWS_SECRET_ACCESS_KEY = s3.credentials.secretAccessKey;
    await seed(new S3Store(s3.bucket, "runs", { endpoint: s3.endpoint, credentials: s3.credentials }));
  });
  afterAll(async () => {
    vi.restoreAllMocks();
    if (saved.id === undefined) delete process.env.AWS_ACCESS_KEY_ID;
    else process.env.AWS_ACCESS_KEY_ID = saved.id;
    if (saved.secret === undefined) delete process.env.AWS_SECRET_ACCESS_KEY;
    else process.env.AWS_SECRET_ACCESS_KEY = saved.secret;
    await s3?.close();
  });

  it("reads and writes through --store s3://... --endpoint, baseline by URL", async () => {
    vi.spyOn(process.stdout, "write").mockImplementation(() => true);
    vi.spyOn(process.stderr, "write").mockImplementation(() => true);
    const url = `s3://${s3.bucket}/runs`;
    expect(await run([fixtureSweepId, "--store", url, "--endpoint", s3.endpoint])).toBe(0);
    const store = new S3Store(s3.bucket, "runs", { endpoint: s3.endpoint, credentials: s3.credentials });
    const page = new TextDecoder().decode(await store.get(keys.report(fixtureSweepId, "report.html")));
    expect(page).toContain("<svg");
    expect(page).toContain(`<code>npx dropsweep report ${fixtureSweepId} --store ${url} --endpoint ${s3.endpoint}</code>`);
    const baseline = `${url}/sweeps/${fixtureSweepId}/report`;
    expect(await run([fixtureSweepId, "--store", url, "--endpoint", s3.endpoint, "--baseline", baseline])).toBe(0);
  });
});
