// The verdict a run or a report ends with, and --strict's exit code: the line for every mix of
// statuses (a status added later included), the rule, and both through the real commands on a
// sweep whose claims fail (under-trained) and one that has no claim to judge (noop cells).
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { exitCodes } from "../../cli/exitCodes.js";
import { strictExit } from "../../cli/verdict.js";
import { claimIds } from "../../shared/claims/result.js";
import { failsStrict, strictFailures, verdictLine } from "../../shared/pipeline/verdict.js";
import { capture, cli } from "../hardening/helpers.js";

const claims = (spec: string) => spec.split(" ").map((pair, i) => ({ id: claimIds[i]!, status: pair }));

describe("the verdict line", () => {
  it("all pass: the count alone, nothing to look at", () => {
    expect(verdictLine(claims("pass pass pass pass pass pass pass"), "report.html")).toBe("claims: 7 pass");
  });

  it("failures are numbered and point at the report; skipped last", () => {
    const line = verdictLine(claims("pass skipped fail fail fail skipped skipped"), "/runs/x/report.html");
    expect(line).toBe("claims: 1 pass, 3 fail (3, 4, 5), 3 skipped -> /runs/x/report.html");
  });

  it("a status added later is counted, numbered and fails a strict run, with no change here", () => {
    const line = verdictLine(claims("inconclusive pass fail skipped inconclusive"), "r.html");
    expect(line).toBe("claims: 1 pass, 2 inconclusive (1, 5), 1 fail (3), 1 skipped -> r.html");
    expect(failsStrict("inconclusive")).toBe(true);
  });

  it("no report to point at, or no claims", () => {
    expect(verdictLine(claims("fail skipped"))).toBe("claims: 1 fail (1), 1 skipped");
    expect(verdictLine([])).toBe("claims: none evaluated");
    expect(verdictLine(claims("skipped skipped"), "r.html")).toBe("claims: 2 skipped");
  });
});

describe("the strict rule", () => {
  it("pass and skipped hold; fail and anything else fail", () => {
    expect(["pass", "skipped", "fail", "inconclusive", ""].map(failsStrict)).toEqual([false, false, true, true, true]);
    expect(strictFailures(claims("pass fail skipped fail")).map((c) => c.id)).toEqual(["2", "4"]);
  });

  it("exit 4 with one line naming the claims, or 0 saying nothing", async () => {
    const failing = await capture(async () => strictExit(claims("pass fail fail inconclusive")));
    expect(failing.value).toBe(exitCodes.claimsFailed);
    expect(failing.value).toBe(4);
    expect(failing.err).toBe("dropsweep: --strict: claims 2, 3 fail; 4 inconclusive (exit 4)\n");
    const holding = await capture(async () => strictExit(claims("pass skipped")));
    expect(holding).toMatchObject({ value: 0, err: "" });
  });

  it("the exit codes are distinct", () => {
    const codes = Object.values(exitCodes);
    expect(new Set(codes).size).toBe(codes.length);
  });
});

describe("run and report end with the verdict; --strict sets the exit code", () => {
  const root = mkdtempSync(join(tmpdir(), "dropsweep-verdict-"));
  const store = join(root, "runs");
  // Far too few epochs: training stops at the cap long before converging, so claims 3-5 (which
  // judge converged cells only) are inconclusive, never failed; 12 hidden units in blocks of 2
  // are above the representability bound.
  const underTrained = join(root, "under.yaml");
  writeFileSync(
    underTrained,
    `name: under-trained
experiment: linear-factorisation
sizes: { m: 8, n: 6, hiddenUnits: 12 }
target: { generator: decaying, decay: 0.6 }
mask: { family: dropblock, keepProbability: 0.5, blockSize: 2 }
optimiser: { epochs: 30 }
monteCarloSamples: 50
seeds: [0, 1]
`,
  );
  const noop = join(root, "noop.yaml");
  writeFileSync(noop, "name: verdict-noop\nexperiment: noop\nseeds: [0, 1]\n");
  let first: Awaited<ReturnType<typeof cli>>;
  beforeAll(async () => {
    first = await cli("run", underTrained, "--out", store, "--concurrency", "1");
  }, 120_000);
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  const lastLine = (out: string) => out.trimEnd().split("\n").at(-1)!;

  it("run without --strict: exit 0, the verdict as the last line, agreeing with summary.json", () => {
    expect(first.code, first.err).toBe(0);
    const html = /^report: (.*)$/m.exec(first.out)![1]!;
    const summary = JSON.parse(readFileSync(/^summary: (.*)$/m.exec(first.out)![1]!, "utf8")) as {
      claims: { id: string; status: string }[];
    };
    const ids = (status: string) => summary.claims.filter((c) => c.status === status).map((c) => c.id);
    // Under-training leaves the optimisation claims inconclusive, with the reason and what to change.
    expect(ids("inconclusive")).toEqual(expect.arrayContaining(["3", "4", "5"]));
    expect(ids("fail")).toEqual([]);
    const reason = (summary.claims.find((c) => c.id === "3") as { reason?: string }).reason;
    expect(reason).toMatch(/2 cells stopped at optimiser\.epochs = 30 before converging: raise it \(the default is 100,000\)/);
    const parts = [
      `${ids("pass").length} pass`,
      `${ids("inconclusive").length} inconclusive (${ids("inconclusive").join(", ")})`,
      `${ids("skipped").length} skipped`,
    ];
    expect(lastLine(first.out)).toBe(`claims: ${parts.filter((p) => !p.startsWith("0 ")).join(", ")} -> ${html}`);
  });

  it("run --strict: the same sweep (all cached) exits 4 and names the claims", async () => {
    const again = await cli("run", underTrained, "--out", store, "--concurrency", "1", "--strict");
    expect(again.code).toBe(4);
    expect(again.out).toMatch(/already computed; nothing to compute/);
    expect(lastLine(again.out)).toBe(lastLine(first.out));
    expect(again.err).toMatch(/dropsweep: --strict: claims (\d, )*3, 4, 5 inconclusive \(exit 4\)\n$/);
  });

  it("run --strict with nothing to judge (every claim skipped) exits 0", async () => {
    const result = await cli("run", noop, "--out", store, "--concurrency", "1", "--strict");
    expect(result.code, result.err).toBe(0);
    expect(lastLine(result.out)).toBe("claims: 7 skipped");
  });

  it("report ends with the same verdict; --strict exits 4", async () => {
    const sweep = /sweep under-trained ([0-9a-f]{12})/.exec(first.out)![1]!;
    const plain = await cli("report", sweep, "--out", store);
    expect(plain.code, plain.err).toBe(0);
    expect(lastLine(plain.out)).toBe(lastLine(first.out));
    const strict = await cli("report", sweep, "--out", store, "--strict");
    expect(strict.code).toBe(4);
    expect(strict.err).toMatch(/--strict: claims (\d, )*3, 4, 5 inconclusive/);
  });
});
