// README.md "Writing a sweep spec": its example gives the cells it says, its quoted problems are
// the ones validation gives, and its optimiser settings reach the closed form (claim 3) on the
// cells of one seed at the smaller size (the whole sweep, run with `dropsweep run`, is 36 cells).
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { runLinear } from "../../shared/experiments/linear.js";
import { tolerances } from "../../shared/claims/list.js";
import type { LinearCell } from "../../shared/spec/cell.js";
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

describe("README's sweep spec example", () => {
  it("gives the number of cells the README states", () => {
    const [, product, stated] = /This gives ([\d x]+) = (\d+) cells/.exec(section)!;
    const sweep = parseSpec(example, { kernelVersion: 1 });
    expect(sweep.cells).toHaveLength(Number(stated));
    expect(product!.split(" x ").reduce((n, f) => n * Number(f), 1)).toBe(Number(stated));
  });

  it("quotes problems validation really gives", () => {
    const quoted = /gives\n?`(grid\["mask\.blockSize"\]: [^`]+)`/.exec(section)![1]!;
    expect(problemsOf(example.replace("mask.blockSize: [1, 2, 4]", "mask.blockSize: [1, 3, 4]"))).toEqual([quoted.replace(/\n/g, " ")]);
    const typo = /`(gird: unknown field[^`]*?)\.\.\.`/.exec(section)![1]!;
    const [problem] = problemsOf(example.replace("grid:", "gird:"));
    expect(problem!.startsWith(typo)).toBe(true);
  });

  it("converges: cells strictly above the representability bound end within claim 3's tolerance", () => {
    const sweep = parseSpec(example, { kernelVersion: 1 });
    const smallest = Math.min(...sweep.cells.map((c) => (c.cell as LinearCell).sizes.m));
    const cells = sweep.cells.map((c) => c.cell as LinearCell).filter((c) => c.seed === 0 && c.sizes.m === smallest);
    let claimed = 0;
    for (const cell of cells) {
      const { metrics } = runLinear(cell);
      if (!metrics.representable || !((metrics.blocks as number) > (metrics.blocksNeeded as number))) continue;
      claimed++;
      expect(metrics.objectiveGap, JSON.stringify(cell.mask)).toBeLessThanOrEqual(tolerances.objectiveGap);
    }
    expect(claimed).toBeGreaterThan(0);
  });
});
