// Fields a spec may not hold: misspelt ones (with the allowed names at that place and the
// closest one), fields of another experiment or variant that no cell reads, and the follow-on
// problems that must not appear (a bad seed is one problem; sections keep their index).
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import * as z from "zod";
import { closest, editDistance, formatProblem, issuesToProblems, specErrorMap } from "../../shared/spec/problems.js";
import { checkSpec } from "../../shared/spec/spec.js";

function problemsOf(text: string): string[] {
  const check = checkSpec(text, { kernelVersion: 1 });
  if (check.ok) throw new Error("expected the spec to be rejected");
  return check.problems.map(formatProblem);
}

/** The names after "expected one of: " in a problem. */
const allowedIn = (problem: string) => problem.slice(problem.indexOf("expected one of: ") + "expected one of: ".length).split(", ");

const spec = ["name", "description", "maxCells", "seeds", "grid", "zip", "sections"];

describe("unknown fields", () => {
  it("lists the spec's own fields and the experiment's at the top level, never `seed`, and suggests the closest", () => {
    const problems = problemsOf("experiment: noop\ngird: { work.iterations: [1, 2] }\nsectons: []\nmaxcells: 3");
    expect(problems.map((p) => p.split(":")[0])).toEqual(["gird", "sectons", "maxcells"]);
    expect(problems[0]).toMatch(/^gird: unknown field \(did you mean grid\?\); expected one of: /);
    expect(problems[1]).toMatch(/^sectons: unknown field \(did you mean sections\?\); /);
    expect(problems[2]).toMatch(/^maxcells: unknown field \(did you mean maxCells\?\); /);
    for (const p of problems) expect(new Set(allowedIn(p))).toEqual(new Set(["experiment", "work", ...spec]));

    const [deep] = problemsOf("experiment: deep\nmask: { family: dropout, keepProbability: 0.5 }\nhiddenUnit: 8");
    expect(deep).toMatch(/^hiddenUnit: unknown field \(did you mean hiddenUnits\?\)/);
    const allowed = allowedIn(deep!);
    for (const field of ["samples", "hiddenUnits", "firstHiddenUnits", "classProportions", "stopping", "grid", "seeds"])
      expect(allowed).toContain(field);
    for (const field of ["seed", "sizes", "work", "monteCarloSamples"]) expect(allowed).not.toContain(field);
  });

  it("lists only what a section may hold inside a section, and names the axis head", () => {
    const [inSection] = problemsOf("sections: [{ experiment: noop, seds: [1] }]");
    expect(inSection).toMatch(/^sections\[0\]\.seds: unknown field \(did you mean seeds\?\); /);
    expect(new Set(allowedIn(inSection!))).toEqual(new Set(["experiment", "work", "name", "seeds", "grid", "zip"]));
    expect(problemsOf("experiment: noop\ngrid: { wrk.iterations: [1, 2] }")).toEqual([
      'grid["wrk.iterations"]: unknown field "wrk" (did you mean work?); expected one of: experiment, work',
    ]);
  });

  it("takes the allowed names from the issue's data, not from its message's words", () => {
    const schema = z.strictObject({ grid: z.number(), seeds: z.number() });
    const parsed = schema.safeParse({ grid: 1, gird: 1, seeds: 2, zz: 3 }, { error: specErrorMap, reportInput: true });
    if (parsed.success) throw new Error("expected unknown fields");
    // Whatever the message says (reworded, translated), each key keeps its suggestion and the list.
    const reworded = parsed.error.issues.map((issue) => ({ ...issue, message: "Unrecognized keys" }));
    expect(issuesToProblems(reworded).map(formatProblem)).toEqual([
      "gird: unknown field (did you mean grid?); expected one of: grid, seeds",
      "zz: unknown field; expected one of: grid, seeds",
    ]);
  });

  it("suggests nothing when no name is near or two are equally near", () => {
    expect(closest("gird", ["grid", "zip"])).toBe("grid");
    expect(closest("q", ["m", "n", "hiddenUnits"])).toBeUndefined();
    expect(closest("banana", ["grid", "zip"])).toBeUndefined();
    expect(problemsOf("experiment: noop\nbanana: 1")[0]).toMatch(/^banana: unknown field; expected one of: /);
  });

  it("measures edits as a naive recursion over the two strings does", () => {
    // Optimal string alignment, by its definition: the cheapest of deleting, inserting,
    // substituting the last character, or swapping the last two.
    const naive = (a: string, b: string): number => {
      if (!a.length) return b.length;
      if (!b.length) return a.length;
      let best = Math.min(
        naive(a.slice(0, -1), b) + 1,
        naive(a, b.slice(0, -1)) + 1,
        naive(a.slice(0, -1), b.slice(0, -1)) + (a.at(-1) === b.at(-1) ? 0 : 1),
      );
      if (a.length > 1 && b.length > 1 && a.at(-1) === b.at(-2) && a.at(-2) === b.at(-1))
        best = Math.min(best, naive(a.slice(0, -2), b.slice(0, -2)) + 1);
      return best;
    };
    const word = fc.string({ unit: fc.constantFrom("a", "b", "c"), maxLength: 6 });
    fc.assert(
      fc.property(word, word, (a, b) => editDistance(a, b) === naive(a, b)),
      { numRuns: 300 },
    );
  });
});

describe("fields no cell reads", () => {
  it("rejects sizes in a deep spec, naming the deep experiment's fields", () => {
    const problems = problemsOf("experiment: deep\nsizes: { m: 8, n: 6, hiddenUnits: 6 }\nmask: { family: dropout, keepProbability: 0.5 }");
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^sizes: not a field of "deep" cells; expected one of: /);
    for (const field of ["hiddenUnits", "samples", "firstHiddenUnits", "epochs"]) expect(allowedIn(problems[0]!)).toContain(field);
  });

  it("rejects a field of another variant when nothing spans variants", () => {
    const linear =
      "experiment: linear-factorisation\nsizes: { m: 8, n: 6, hiddenUnits: 6, d: 3 }\nmask: { family: dropout, blockSize: 2 }\ntarget: { generator: gaussian, decay: 0.5 }";
    expect(problemsOf(linear).sort()).toEqual(
      [
        'sizes.d: not a field of "linear-factorisation" cells; expected one of: m, n, hiddenUnits',
        'mask.blockSize: not a field of mask.family "dropout"; expected one of: family, keepProbability',
        'target.decay: not a field of target.generator "gaussian"; expected one of: generator, noise',
      ].sort(),
    );
    expect(
      problemsOf(
        "experiment: linear-factorisation\nsizes: { m: 8, n: 6, hiddenUnits: 6 }\nmask: { family: dropout }\ngrid: { mask.blockSize: [2] }",
      ),
    ).toEqual(['grid["mask.blockSize"]: not a field of mask.family "dropout"; expected one of: family, keepProbability']);
    expect(problemsOf("experiment: noop\ndata: { generator: gaussian }")).toEqual([
      'data: not a field of "noop" cells; expected one of: experiment, work, ' + spec.join(", "),
    ]);
  });

  it("accepts such a field when an axis spans a variant that reads it, or a section reads a top-level one", () => {
    const spans = checkSpec(
      "experiment: linear-factorisation\nsizes: { m: 8, n: 6, hiddenUnits: 6, d: 3, N: 6 }\nmask: { family: dropout, blockSize: 2 }\ngrid: { mask.family: [dropout, dropblock], experiment: [linear-factorisation, linear-regression] }",
      { kernelVersion: 1 },
    );
    expect(spans.ok).toBe(true);
    const shared = checkSpec(
      "monteCarloSamples: 5\nsections: [{ experiment: noop }, { experiment: linear-factorisation, sizes: { m: 2, n: 2, hiddenUnits: 1 }, mask: { family: dropout } }]",
      { kernelVersion: 1 },
    );
    expect(shared.ok).toBe(true);
    expect(
      problemsOf(
        "monteCarloSamples: 5\nsections: [{ experiment: noop }, { experiment: deep, mask: { family: dropout, keepProbability: 0.5 } }]",
      )[0],
    ).toMatch(/^monteCarloSamples: not a field of "noop" or "deep" cells; /);
  });
});

describe("one problem per mistake", () => {
  it("reports a bad seed once, and keeps later sections at their index", () => {
    expect(problemsOf("experiment: noop\nseeds: [-1]")).toEqual(["seeds[0]: expected an integer >= 0 and <= 4294967295, got -1"]);
    expect(problemsOf("experiment: noop\nsections: [{ name: a, seeds: [-3] }, { name: b, maxCells: 3 }]")).toEqual([
      "sections[0].seeds[0]: expected an integer >= 0 and <= 4294967295, got -3",
      "sections[1].maxCells: allowed only at the top level of a spec",
    ]);
  });

  it("shows the line of a YAML error with a caret under its column, or no dangling colon", () => {
    const text = "experiment: noop\nname: x\ngrid: { a: [1,\n  - 2] }\n";
    const [problem] = problemsOf(text);
    const [first, shown, caret] = problem!.split("\n");
    const [, line, column] = /at line (\d+), column (\d+):$/.exec(first!)!.map(Number);
    expect(shown!.trim()).toBe(text.split("\n")[line! - 1]!.trim());
    const indent = shown!.length - text.split("\n")[line! - 1]!.length;
    expect(caret!.indexOf("^") - indent).toBe(column! - 1);
    // A colon at the end of the first line is followed by the line it points at; none otherwise.
    for (const bad of ['x: "abc\n', "experiment: noop\n  bad: ["])
      for (const p of problemsOf(bad)) {
        const [head, next] = p.split("\n");
        if (head!.endsWith(":")) expect(bad.split("\n")).toContain(next!.trim() === "" ? "" : next!.slice(6));
        else expect(next).toBeUndefined();
      }
    expect(problemsOf('x: "abc\n').some((p) => !p.includes("\n") && !p.endsWith(":"))).toBe(true);
  });

  it("reports an over-indented key once, at its own line and column (not at the value above)", () => {
    const what = "key indented more than the line above, whose value is already given (the keys of one mapping start in the same column)";
    for (const [text, line, column] of [
      ["name: x\nexperiment: noop\n  seeds: [1]\n", 3, 3],
      ["experiment: noop\nwork:\n  iterations: 3\n    fail: true\n", 4, 5],
      ["experiment: noop\n  seeds:\n    - 1\n", 2, 3],
    ] as const) {
      const problems = problemsOf(text);
      expect(problems, text).toHaveLength(1);
      const [first, shown, caret] = problems[0]!.split("\n");
      expect(first).toBe(`YAML: ${what} at line ${line}, column ${column}:`);
      expect(shown!.trim()).toBe(text.split("\n")[line - 1]!.trim());
      expect(caret!.indexOf("^") - (shown!.length - text.split("\n")[line - 1]!.length)).toBe(column - 1);
    }
    // A key that really spans lines is the parser's to report, where it begins.
    expect(problemsOf("foo bar\nbaz: 1\n")).toEqual([
      expect.stringMatching(/^YAML: Implicit keys need to be on a single line at line 1, column 1:/),
    ]);
  });
});
