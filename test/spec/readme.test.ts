// README.md "Writing a sweep spec": its example gives the cells it says, its quoted problems are
// the ones validation gives, its optimiser line is the defaults, and those defaults pass claims
// 3-5 (cells of one seed; the whole sweep, run with `dropsweep run`, is 36 cells); capped as the
// README says, the same grid gets the inconclusive verdict it quotes.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import type { CellEvidence } from "../../shared/claims/evidence.js";
import { runLinear } from "../../shared/experiments/linear.js";
import { evaluateClaims } from "../../shared/claims/list.js";
import { resolveCell, type LinearCell } from "../../shared/spec/cell.js";
import { formatProblem } from "../../shared/spec/problems.js";
import { checkSpec, parseSpec } from "../../shared/spec/spec.js";

const readme = readFileSync(new URL("../../README.md", import.meta.url), "utf8");
const section = readme.slice(
  readme.indexOf("## Writing a sweep spec"),
  readme.indexOf("\n## ", readme.indexOf("## Writing a sweep spec") + 1),
);
const example = /```yaml\n([\s\S]*?)```/.exec(section)![1]!;
const problemsOf = (text: string) => {
  const check = checkSpec(text, { kernelVersion: 1 });
  return check.ok ? [] : check.problems.map(formatProblem);
};
const cellsOf = (text: string) => parseSpec(text, { kernelVersion: 1 }).cells.map((c) => c.cell as LinearCell);
const evidenceOf = (cells: LinearCell[]): CellEvidence[] =>
  cells.map((cell, i) => {
    const outcome = runLinear(cell);
    return { kind: "linear", cell, metrics: outcome.metrics, hash: String(i), status: outcome.status ?? "ok", spectra: outcome.spectra! };
  });

describe("README's sweep spec example", () => {
  it("gives the number of cells the README states", () => {
    const [, product, stated] = /This gives ([\d x]+) = (\d+) cells/.exec(section)!;
    expect(cellsOf(example)).toHaveLength(Number(stated));
    expect(product!.split(" x ").reduce((n, f) => n * Number(f), 1)).toBe(Number(stated));
  });

  it("quotes problems validation really gives", () => {
    const [, edit, quoted] =
      /Writing `(mask\.blockSize: \[[^`]+\])` in the example below gives\n?`(grid\["mask\.blockSize"\]: [^`]+)`/.exec(section)!;
    const edited = example.replace(/mask\.blockSize: \[[^\]]+\]/, edit!);
    expect(edited).not.toBe(example);
    expect(problemsOf(edited)).toEqual([quoted!.replace(/\n/g, " ")]);
    const typo = /`(gird: unknown field[^`]*?)\.\.\.`/.exec(section)![1]!;
    const [problem] = problemsOf(example.replace("grid:", "gird:"));
    expect(problem!.startsWith(typo)).toBe(true);
  });

  it("spells out the optimiser's defaults", () => {
    const [cell] = cellsOf(example);
    const defaults = resolveCell({ ...cell!, optimiser: {} });
    if (!defaults.ok) throw new Error(JSON.stringify(defaults.problems));
    expect(cell!.optimiser).toEqual((defaults.cell as LinearCell).optimiser);
  });

  it("with every optimiser default, converges and passes claims 3-5 (all 36 cells, as the README says)", () => {
    const evidence = evidenceOf(cellsOf(example));
    for (const e of evidence) expect(e.kind === "linear" && e.metrics.trainingStatus, JSON.stringify(e.cell)).toBe("converged");
    const claims = evaluateClaims(evidence);
    for (const id of ["3", "4", "5"]) expect(claims.find((c) => c.id === id)!.status, id).toBe("pass");
    // Strictly above the representability bound, so claim 3 judged cells of both sizes.
    expect(claims.find((c) => c.id === "3")!.checks![0]!.cells).toBeGreaterThan(18);
  });

  it("capped far below convergence, is inconclusive with the reason the README quotes, never failed", () => {
    const [, cap] = /with `optimiser: \{ epochs: (\d+) \}` the\s+same grid/.exec(section)!;
    const quote = /each saying "([^"]+)"/.exec(section)![1]!.replace(/\s+/g, " ");
    const capped = example.replace(/^optimiser: .*$/m, `optimiser: { epochs: ${cap} }`);
    const claims = evaluateClaims(evidenceOf(cellsOf(capped)));
    for (const id of ["3", "4", "5"]) {
      const claim = claims.find((c) => c.id === id)!;
      expect(claim.status, id).toBe("inconclusive");
      expect(claim.reason).toContain(quote);
    }
    expect(claims.some((c) => c.status === "fail")).toBe(false);
  });
});
