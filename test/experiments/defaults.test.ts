// Issue 12's "Done when", on really trained cells (THEORY.md "Step size and stopping rule"): the
// spec a new user writes (20 x 15 decaying target, 12 hidden units, DropBlock k in {2, 3, 4},
// keep probability in {0.5, 0.7}) with every optimiser default converges and passes claims 3-5;
// the same spec capped far below convergence is inconclusive, its reason naming optimiser.epochs;
// and "fail" still fires on converged cells when the theory they are compared with is wrong
// (a closed form computed for the wrong keep probability, i.e. the wrong regulariser strength).
import { describe, expect, it, vi } from "vitest";
import type { CellEvidence } from "../../shared/claims/evidence.js";
import { evaluateClaims, tolerances } from "../../shared/claims/list.js";
import { runLinear } from "../../shared/experiments/linear.js";
import type { LinearCell } from "../../shared/spec/cell.js";
import { parseSpec } from "../../shared/spec/spec.js";

/** While `on`, the closed form the experiment compares with is the one for the wrong keep probability. */
const perturbation = vi.hoisted(() => ({ on: false }));

vi.mock("../../shared/theory/index.js", async (importOriginal) => {
  const actual = await importOriginal<typeof import("../../shared/theory/index.js")>();
  return {
    ...actual,
    closedForm: (problem: Parameters<typeof actual.closedForm>[0]) =>
      actual.closedForm(
        perturbation.on ? { ...problem, keepProbability: problem.keepProbability + (1 - problem.keepProbability) / 2 } : problem,
      ),
  };
});

const spec = `name: defaults
experiment: linear-factorisation
sizes: { m: 20, n: 15, hiddenUnits: 12 }
target: { generator: decaying, decay: 0.7 }
mask: { family: dropblock, keepProbability: 0.5, blockSize: 2 }
seeds: [0]
grid:
  mask.keepProbability: [0.5, 0.7]
  mask.blockSize: [2, 3, 4]
`;

function evidenceOf(text: string): CellEvidence[] {
  return parseSpec(text, { kernelVersion: 1 }).cells.map(({ cell }, i) => {
    const outcome = runLinear(cell as LinearCell);
    return {
      kind: "linear",
      cell: cell as LinearCell,
      metrics: outcome.metrics,
      hash: String(i),
      status: outcome.status ?? "ok",
      spectra: outcome.spectra!,
    };
  });
}

const trainingOf = (evidence: CellEvidence[]) => evidence.map((e) => e.kind === "linear" && e.metrics.trainingStatus);

describe("a spec with every optimiser default, at the sizes a new user writes", () => {
  it("leaves the optimiser at its defaults", () => {
    const cells = parseSpec(spec, { kernelVersion: 1 }).cells.map(({ cell }) => cell as LinearCell);
    expect(cells).toHaveLength(6);
    for (const cell of cells) expect(cell.optimiser).toMatchObject({ learningRate: "auto", epochs: 100000 });
  });

  it("converges in every cell and passes claims 3-5, judging cells of every block size", () => {
    const evidence = evidenceOf(spec);
    expect(trainingOf(evidence)).toEqual(Array(6).fill("converged"));
    const claims = evaluateClaims(evidence);
    for (const id of ["3", "4", "5"]) expect(claims.find((c) => c.id === id)!.status, id).toBe("pass");
    expect(claims.find((c) => c.id === "3")!.checks![0]!.cells).toBeGreaterThanOrEqual(4);
  });

  it("capped far below convergence, is inconclusive (never failed) and says to raise optimiser.epochs", () => {
    const evidence = evidenceOf(spec.replace("seeds: [0]", "seeds: [0]\noptimiser: { epochs: 20 }"));
    expect(trainingOf(evidence)).toEqual(Array(6).fill("max-epochs"));
    const claims = evaluateClaims(evidence);
    for (const id of ["3", "4", "5"]) {
      const claim = claims.find((c) => c.id === id)!;
      expect(claim.status, id).toBe("inconclusive");
      expect(claim.reason, id).toMatch(
        /\d+ cells stopped at optimiser\.epochs = 20 before converging: raise it \(the default is 100,000\)/,
      );
    }
    expect(claims.filter((c) => c.status === "fail")).toEqual([]);
  });

  it("fails claim 3 on converged cells compared with a wrong closed form", () => {
    perturbation.on = true;
    try {
      const evidence = evidenceOf(spec);
      expect(trainingOf(evidence)).toEqual(Array(6).fill("converged"));
      const claim = evaluateClaims(evidence).find((c) => c.id === "3")!;
      expect(claim.status).toBe("fail");
      const gap = claim.checks!.find((c) => c.name === "max relative objective gap")!;
      expect(gap.measured).toBeGreaterThan(tolerances.objectiveGap);
      expect(gap.pass).toBe(false);
    } finally {
      perturbation.on = false;
    }
  });
});
