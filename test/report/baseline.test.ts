import { describe, expect, it } from "vitest";
import { compareWithBaseline, unmatchedCells } from "../../shared/report/baseline.js";
import { parseSummary, SUMMARY_FORMAT, SummaryFormatError, type Summary } from "../../shared/results/summary.js";
import { fixtureSweep } from "./fixtures.js";

function summary(overrides: Partial<Summary> = {}): Summary {
  return {
    format: SUMMARY_FORMAT,
    sweepId: "s",
    cells: { total: 2, computed: 2, cached: 0, failed: 0 },
    claims: [
      { id: "1", title: "Deterministic = stochastic", status: "pass", measured: 1.2, tolerance: 3, cells: 2, justification: "" },
      { id: "3", title: "Convergence", status: "pass", measured: 1e-6, tolerance: 1e-4, cells: 2, justification: "", hashes: ["a", "b"] },
      { id: "4", title: "Balance", status: "pass", measured: 1.001, tolerance: 0.01, cells: 2, justification: "", hashes: ["a", "b"] },
      {
        id: "5",
        title: "Low rank",
        status: "pass",
        measured: 0,
        tolerance: 0,
        cells: 2,
        justification: "",
        hashes: ["a", "b"],
        mismatched: [],
        unresolved: [],
      },
    ],
    rows: [
      {
        hash: "a",
        parameters: { seed: 1, mask: { family: "dropblock", blockSize: 2 } },
        objectiveGap: 1e-6,
        spectrumError: 1e-4,
        balanceRatio: 1.001,
        learnedRank: 3,
        closedFormRank: 3,
        representable: true,
        status: "computed",
      },
      {
        hash: "b",
        parameters: { seed: 2, mask: { family: "dropblock", blockSize: 2 } },
        objectiveGap: 2e-6,
        spectrumError: 2e-4,
        balanceRatio: 1.002,
        learnedRank: 3,
        closedFormRank: 3,
        representable: true,
        status: "computed",
      },
    ],
    ...overrides,
  };
}

describe("compareWithBaseline", () => {
  it("finds nothing when a sweep is compared with itself", () => {
    expect(compareWithBaseline(summary(), summary())).toEqual([]);
  });

  it("lists a claim whose status changed, in both directions", () => {
    const base = summary();
    const worse = summary({ claims: base.claims.map((c) => (c.id === "3" ? { ...c, status: "fail" as const } : c)) });
    const [regression, ...rest] = compareWithBaseline(worse, base);
    expect(rest).toEqual([]);
    expect(regression).toMatchObject({ kind: "claim-status", claim: "3", direction: "worse", baseline: "pass", current: "fail" });
    expect(compareWithBaseline(base, worse)[0]).toMatchObject({ kind: "claim-status", direction: "better" });
  });

  it("flags a measured value only when it moves by more than the tolerance", () => {
    const base = summary();
    const within = summary({ claims: base.claims.map((c) => (c.id === "1" ? { ...c, measured: 1.2 + 2.9 } : c)) });
    expect(compareWithBaseline(within, base)).toEqual([]);
    const beyond = summary({ claims: base.claims.map((c) => (c.id === "1" ? { ...c, measured: 1.2 + 3.1 } : c)) });
    expect(compareWithBaseline(beyond, base)).toMatchObject([{ kind: "claim-measured", claim: "1", tolerance: 3 }]);
  });

  it("checks each cell metric against the tolerance of the claim check that reads it", () => {
    const base = summary();
    // Claim 3: objective gap 4e-3, spectrum error 0.05; claim 4: ratios up to 1.25, a move of 0.25.
    const within = base.rows.map((r) =>
      r.hash === "b" ? { ...r, objectiveGap: 2e-6 + 3.9e-3, spectrumError: 2e-4 + 0.045, balanceRatio: 1.002 + 0.24 } : r,
    );
    expect(compareWithBaseline(summary({ rows: within }), base)).toEqual([]);
    const beyond = base.rows.map((r) =>
      r.hash === "b" ? { ...r, objectiveGap: 2e-6 + 4.1e-3, spectrumError: 2e-4 + 0.055, balanceRatio: 1.002 + 0.26 } : r,
    );
    expect(compareWithBaseline(summary({ rows: beyond }), base)).toMatchObject([
      { kind: "cell-metric", hash: "b", metric: "objectiveGap", tolerance: 4e-3 },
      { kind: "cell-metric", hash: "b", metric: "spectrumError", tolerance: 0.05 },
      { kind: "cell-metric", hash: "b", metric: "balanceRatio", tolerance: 0.25 },
    ]);
  });

  it("lists rank, representability and status changes exactly", () => {
    const base = summary();
    const rows = base.rows.map((r) => (r.hash === "a" ? { ...r, learnedRank: 4, status: "failed" as const } : r));
    const regressions = compareWithBaseline(summary({ rows }), base);
    expect(regressions.map((r) => [r.metric, r.direction])).toEqual([
      ["learnedRank", "changed"],
      ["status", "worse"],
    ]);
  });

  it("takes computed and cached for the same status (a rerun finds every cell cached), and a result lost as worse", () => {
    const computed = summary({ rows: summary().rows.map((r) => ({ ...r, status: "computed" })) });
    const cached = summary({ rows: computed.rows.map((r) => ({ ...r, status: "cached" })) });
    expect(compareWithBaseline(cached, computed)).toEqual([]);
    const failed = summary({ rows: cached.rows.map((r) => (r.hash === "a" ? { ...r, status: "failed" } : r)) });
    expect(compareWithBaseline(failed, computed)).toMatchObject([
      { hash: "a", metric: "status", direction: "worse", baseline: "computed", current: "failed" },
    ]);
    expect(compareWithBaseline(computed, failed)).toMatchObject([{ hash: "a", metric: "status", direction: "better" }]);
  });

  it("does not list a learned rank that claim 5 accepts either way (unresolved in either sweep)", () => {
    const base = summary();
    const rows = base.rows.map((r) => ({ ...r, learnedRank: 4 }));
    const withUnresolved = (list: string[]) => base.claims.map((c) => (c.id === "5" ? { ...c, unresolved: list } : c));
    // Both cells' ranks changed; "a" is unresolved in the current sweep, "b" in neither.
    const regressions = compareWithBaseline(summary({ rows, claims: withUnresolved(["a"]) }), summary({ claims: withUnresolved([]) }));
    expect(regressions).toMatchObject([{ hash: "b", metric: "learnedRank", baseline: 3, current: 4 }]);
    expect(regressions).toHaveLength(1);
    // Unresolved in the baseline only: also not listed.
    expect(compareWithBaseline(summary({ rows, claims: withUnresolved([]) }), summary({ claims: withUnresolved(["a", "b"]) }))).toEqual([]);
  });

  it("compares a metric only on the cells of the claim that reads it, in either sweep", () => {
    const base = summary();
    // Cell "b" read by no claim 3-5 in either sweep (no closed form): its gap, spectrum, balance
    // and learned rank may change without a listing; "a" is read by them in the baseline only.
    const unread = (s: Summary, keep: string[]) =>
      s.claims.map((c) => (c.hashes ? { ...c, hashes: c.hashes.filter((h) => keep.includes(h)) } : c));
    const rows = base.rows.map((r) => ({ ...r, objectiveGap: 0.5, spectrumError: 0.5, balanceRatio: 2, learnedRank: 1 }));
    const regressions = compareWithBaseline(summary({ rows, claims: unread(base, []) }), summary({ claims: unread(base, ["a"]) }));
    expect(regressions.map((r) => [r.hash, r.metric])).toEqual([
      ["a", "learnedRank"],
      ["a", "objectiveGap"],
      ["a", "spectrumError"],
      ["a", "balanceRatio"],
    ]);
    // A deep cell's spectrum error is claim 6's (its tolerance), its gap no claim's.
    const claim6 = {
      id: "6" as const,
      title: "Deep",
      status: "pass" as const,
      measured: 0.03,
      tolerance: 0.05,
      cells: 1,
      justification: "",
    };
    const deep = (s: Summary) => [...unread(s, []), { ...claim6, hashes: ["b"] }];
    const moved = base.rows.map((r) => (r.hash === "b" ? { ...r, objectiveGap: 0.5, spectrumError: 2e-4 + 0.06 } : r));
    expect(compareWithBaseline(summary({ rows: moved, claims: deep(base) }), summary({ claims: deep(base) }))).toMatchObject([
      { hash: "b", metric: "spectrumError", tolerance: 0.05 },
    ]);
    expect(compareWithBaseline(summary({ rows: moved, claims: deep(base) }), summary({ claims: deep(base) }))).toHaveLength(1);
  });

  it("matches cells by parameters when their hashes differ (new kernel version)", () => {
    const base = summary();
    const rows = base.rows.map((r) => ({ ...r, hash: `new-${r.hash}`, learnedRank: r.hash === "b" ? 2 : r.learnedRank }));
    const regressions = compareWithBaseline(summary({ rows }), base);
    expect(regressions).toMatchObject([{ hash: "new-b", metric: "learnedRank", baseline: 3, current: 2 }]);
    expect(unmatchedCells(summary({ rows }), base)).toEqual({ onlyCurrent: 0, onlyBaseline: 0 });
  });

  it("a metric that disappears (cell failed, value null) is a move beyond any tolerance", () => {
    const base = summary();
    const rows = base.rows.map((r) => (r.hash === "a" ? { ...r, objectiveGap: null } : r));
    expect(compareWithBaseline(summary({ rows }), base)).toMatchObject([{ metric: "objectiveGap", current: null }]);
  });

  it("counts cells present in one sweep only", () => {
    const base = summary();
    const extra = { ...base.rows[0]!, hash: "c", parameters: { seed: 3 } };
    expect(unmatchedCells(summary({ rows: [base.rows[0]!, extra] }), base)).toEqual({ onlyCurrent: 1, onlyBaseline: 1 });
  });
});

describe("parseSummary", () => {
  it("names every wrong field at once", () => {
    const bad = { format: SUMMARY_FORMAT, sweepId: 3, cells: { total: 1 }, claims: [{ id: "1", status: "maybe", cells: 1 }], rows: {} };
    expect(() => parseSummary(JSON.stringify(bad), "x.json")).toThrow(
      /^x.json: sweepId: expected a string, got 3; cells.computed: missing \(expected a number\); cells.cached: missing \(expected a number\); cells.failed: missing \(expected a number\); claims\[0\].title: missing \(expected a string\); claims\[0\].status: expected one of "pass", "fail", "inconclusive", "skipped", got "maybe"; .*; rows: expected a list, got \{\}$/,
    );
    expect(() => parseSummary("{", "x.json")).toThrow(/x.json: not JSON/);
  });

  it("accepts a summary and keeps extra fields", () => {
    const parsed = parseSummary(JSON.stringify({ ...fixtureSweep().summary, extra: 1 }), "x") as Summary & { extra?: number };
    expect(parsed.extra).toBe(1);
  });

  it("refuses a summary an older dropsweep wrote (no format) or another format, saying what to run", () => {
    const { format: _, ...old } = fixtureSweep().summary;
    expect(() => parseSummary(JSON.stringify(old), "x.json")).toThrow(SummaryFormatError);
    expect(() => parseSummary(JSON.stringify(old), "x.json")).toThrow(
      "x.json: no format field: written by an older dropsweep; this dropsweep reads dropsweep.summary/1. Regenerate it from the stored results with `dropsweep report fixture-sweep` (nothing is recomputed)",
    );
    expect(() => parseSummary(JSON.stringify({ ...old, format: "dropsweep.summary/2" }), "x.json")).toThrow(
      /^x.json: format "dropsweep.summary\/2"; this dropsweep reads dropsweep.summary\/1/,
    );
  });

  it("refuses what the report would read without a fallback: a claim without its lists, a diverged row without its bucket", () => {
    const valid = fixtureSweep().summary;
    const noLists = { ...valid, claims: valid.claims.map(({ mismatched: _m, unresolved: _u, ...c }) => c) };
    expect(() => parseSummary(JSON.stringify(noLists), "x")).toThrow(
      /claims\[4\]\.mismatched: missing \(claim 5 is pass: every claim that is not skipped lists it\); claims\[4\]\.unresolved: missing/,
    );
    const diverged = { ...valid, rows: valid.rows.map((r, i) => (i === 0 ? { ...r, status: "diverged" } : r)) };
    expect(() => parseSummary(JSON.stringify(diverged), "x")).toThrow(
      /rows\[0\]\.countedAs: missing \(a diverged row says whether it was computed or cached\)/,
    );
    const fewer = { ...valid, claims: valid.claims.slice(0, 6) };
    expect(() => parseSummary(JSON.stringify(fewer), "x")).toThrow(
      /claims: expected one result for each claim, 1, 2, 3, 4, 5, 6, 7 in that order, got 1, 2, 3, 4, 5, 6/,
    );
  });
});

describe("rows' status against the baseline", () => {
  it("computed and cached are the same outcome: a rerun that found every cell cached changes nothing", () => {
    const base = summary();
    const rerun = summary({ rows: base.rows.map((r) => ({ ...r, status: "cached" as const })) });
    expect(compareWithBaseline(rerun, base)).toEqual([]);
    const failed = summary({ rows: base.rows.map((r, i) => (i === 0 ? { ...r, status: "failed" as const, error: "x" } : r)) });
    expect(compareWithBaseline(failed, rerun)).toMatchObject([
      { metric: "status", direction: "worse", baseline: "cached", current: "failed" },
    ]);
    expect(compareWithBaseline(rerun, failed)).toMatchObject([{ metric: "status", direction: "better" }]);
  });
});
