// The sweeps shipped in sweeps/: they validate, and the reproduction sweep holds the cells its
// header promises (every mask family and block size, representable and non-representable
// cells, diagonal and non-diagonal X Xᵀ, at least three seeds, deep cells for claims 6 and 7).
// Representability is computed here from each cell's generated problem and closed form.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { closedFormBlockSize, generateProblem } from "../../shared/experiments/linear.js";
import { canonicalJson } from "../../shared/spec/canonical.js";
import { resolveCell, type Cell, type LinearCell } from "../../shared/spec/cell.js";
import { parseSpec, type Sweep } from "../../shared/spec/spec.js";
import { closedForm } from "../../shared/theory/index.js";

const load = (name: string): Sweep =>
  parseSpec(readFileSync(new URL(`../../sweeps/${name}`, import.meta.url), "utf8"), { kernelVersion: 1, source: name });
const isLinear = (cell: Cell): cell is LinearCell => cell.experiment === "linear-factorisation" || cell.experiment === "linear-regression";
const maskKey = (cell: Cell) => {
  const mask = (cell as { mask?: Record<string, unknown> }).mask ?? {};
  return [mask.family, mask.blockSize ?? mask.layer ?? ""].join(":");
};

describe("sweeps/paper.yaml", () => {
  const sweep = load("paper.yaml");
  const sections = sweep.resolved.sections.map((s) => s.name);
  const cellsOf = (name: string) => sweep.cells.filter((c) => sections[c.section] === name).map((c) => c.cell);

  it("has the sections its header names, each with at least three seeds", () => {
    expect(sections).toEqual([
      "factorisation-dropblock",
      "factorisation-dropout",
      "factorisation-dropconnect",
      "regression-blocks",
      "regression-dropout",
      "regression-dropconnect",
      "regression-dropconnect-correlated",
      "custom-masks",
      "deep",
      "deep-imbalanced",
    ]);
    for (const name of sections) expect(new Set(cellsOf(name).map((c) => c.seed)).size).toBeGreaterThanOrEqual(3);
    // Every grid combination is a distinct cell: 2 targets x 3 theta x 2 families x 4 k x 3 seeds, ...
    expect(sections.map((name) => cellsOf(name).length)).toEqual([144, 18, 36, 108, 18, 30, 6, 3, 9, 9]);
  });

  it("covers every mask family, DropBlock k in {1, 2, 4, 8}, DropConnect on both layers, several keep probabilities", () => {
    const factorisation = sweep.cells.map((c) => c.cell).filter((c) => c.experiment === "linear-factorisation");
    const masks = new Set(factorisation.map(maskKey));
    for (const k of [1, 2, 4, 8]) {
      expect(masks).toContain(`dropblock:${k}`);
      expect(masks).toContain(`contiguous-dropblock:${k}`);
    }
    for (const key of ["dropout:", "dropconnect:first", "dropconnect:last", "custom:"]) expect(masks).toContain(key);
    const thetas = new Set(factorisation.map((c) => (c as LinearCell).mask.keepProbability));
    expect(thetas.size).toBeGreaterThanOrEqual(3);
    // Every partitioned cell has a contiguous twin (claim 7), linear and deep.
    const twins = (cells: Cell[]) => {
      const keyOf = (c: Cell) => JSON.stringify({ ...c, mask: { ...(c as { mask: object }).mask, family: "*" } });
      const contiguous = new Set(cells.filter((c) => maskKey(c).startsWith("contiguous")).map(keyOf));
      const partitioned = cells.filter((c) => maskKey(c).startsWith("dropblock"));
      return partitioned.length > 0 && partitioned.every((c) => contiguous.has(keyOf(c)));
    };
    expect(twins(factorisation)).toBe(true);
    expect(twins(cellsOf("regression-blocks"))).toBe(true);
    expect(twins([...cellsOf("deep"), ...cellsOf("deep-imbalanced")])).toBe(true);
  });

  it("has DropConnect on the first layer with X Xᵀ diagonal and not diagonal (claim 2 both ways)", () => {
    const firstLayer = [...cellsOf("regression-dropconnect"), ...cellsOf("regression-dropconnect-correlated")].filter(
      (c) => maskKey(c) === "dropconnect:first",
    ) as LinearCell[];
    const generators = new Set(firstLayer.map((c) => (c.experiment === "linear-regression" ? c.data.generator : "")));
    expect(generators).toEqual(new Set(["orthogonal", "gaussian", "correlated"]));
  });

  it("trains every cell with a closed form, and every contiguous twin, with the optimiser's defaults; a fixed epoch count only where no claim needs convergence", () => {
    const defaults = resolveCell({
      experiment: "linear-factorisation",
      sizes: { m: 2, n: 2, hiddenUnits: 1 },
      mask: { family: "dropout" },
      seed: 0,
    });
    if (!defaults.ok) throw new Error(JSON.stringify(defaults.problems));
    const { batchSize: _full, ...defaultOptimiser } = (defaults.cell as LinearCell).optimiser;
    const fixed = new Set<string>();
    for (const { cell, section } of sweep.cells) {
      if (!isLinear(cell)) continue;
      const { batchSize, ...optimiser } = cell.optimiser;
      expect(batchSize).toBe(cell.experiment === "linear-regression" ? cell.sizes.N : cell.sizes.n);
      if (canonicalJson(optimiser) === canonicalJson(defaultOptimiser)) continue;
      fixed.add(sections[section]!);
      // No closed form, not a claim-7 twin: claims 1 and 2 hold at any weights.
      expect(closedFormBlockSize(cell), JSON.stringify(cell)).toBeUndefined();
      expect(cell.mask.family).not.toBe("contiguous-dropblock");
      expect(optimiser).toEqual({ ...defaultOptimiser, epochs: optimiser.epochs });
    }
    expect(fixed).toEqual(new Set(["regression-dropconnect-correlated", "custom-masks"]));
  });

  it("has representable cells strictly above the bound, cells at it, and non-representable cells, in both linear modes", () => {
    const counts: Record<string, Record<string, number>> = {};
    for (const { cell } of sweep.cells) {
      if (!isLinear(cell)) continue;
      const k = closedFormBlockSize(cell);
      if (k === undefined) continue;
      const { targets, inputs } = generateProblem(cell);
      const cf = closedForm({
        targets,
        inputs,
        hiddenUnits: cell.sizes.hiddenUnits,
        blockSize: k,
        keepProbability: cell.mask.keepProbability,
      });
      const where = !cf.representable ? "non-representable" : cf.blocks > cf.blocksNeeded ? "above" : "at";
      const mode = (counts[cell.experiment] ??= {});
      mode[where] = (mode[where] ?? 0) + 1;
    }
    for (const mode of ["linear-factorisation", "linear-regression"]) expect(counts[mode]!["above"]).toBeGreaterThanOrEqual(30);
    expect(counts["linear-factorisation"]!["non-representable"]).toBeGreaterThanOrEqual(10);
    expect(counts["linear-factorisation"]!["at"]).toBeGreaterThanOrEqual(1);
  });

  it("has deep cells for claim 6 on balanced and imbalanced classes", () => {
    const deep = [...cellsOf("deep"), ...cellsOf("deep-imbalanced")];
    expect(new Set(deep.map(maskKey))).toEqual(
      new Set(["dropout:", "dropblock:4", "contiguous-dropblock:4", "dropblock:10", "contiguous-dropblock:10"]),
    );
    expect(cellsOf("deep-imbalanced").every((c) => c.experiment === "deep" && c.classProportions !== undefined)).toBe(true);
  });
});

describe("sweeps/smoke.yaml", () => {
  it("validates, stays small, and has evidence for claims 1-5 and 7", () => {
    const sweep = load("smoke.yaml");
    expect(sweep.cells.length).toBeLessThanOrEqual(12);
    const masks = new Set(sweep.cells.map((c) => maskKey(c.cell)));
    for (const key of ["dropout:", "dropblock:2", "contiguous-dropblock:2", "dropconnect:first"]) expect(masks).toContain(key);
  });
});
