// Planning resolves one cell per grid combination through the whole cell schema and lets the
// seeds fill in (shared/spec/spec.ts); this must give exactly what resolving every cell through
// the schema gives: the same cells (values and key order), hashes, sweep id, and the same
// problems for a bad spec. Checked on the shipped sweeps and on random specs (fast-check),
// valid and not, against `exhaustive: true`, which runs every cell through the schema.
import { createHash } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { canonicalJson } from "../../shared/spec/canonical.js";
import { checkSpec } from "../../shared/spec/spec.js";

const bothWays = (text: string) => {
  const fast = checkSpec(text, { kernelVersion: 4 });
  const exhaustive = checkSpec(text, { kernelVersion: 4, exhaustive: true });
  return { fast, exhaustive };
};

/** Deep equality that also compares key order (JSON.stringify keeps insertion order). */
const sameCheck = (text: string) => {
  const { fast, exhaustive } = bothWays(text);
  expect(JSON.stringify(fast)).toBe(JSON.stringify(exhaustive));
  return fast;
};

describe("one resolution per grid combination", () => {
  it("gives the shipped sweeps exactly as resolving every cell does", () => {
    const dir = new URL("../../sweeps/", import.meta.url);
    const names = readdirSync(dir).filter((f) => f.endsWith(".yaml"));
    expect(names.length).toBeGreaterThan(0);
    for (const name of names) expect(sameCheck(readFileSync(new URL(name, dir), "utf8")).ok, name).toBe(true);
  });

  it("gives random specs, valid or not, exactly as resolving every cell does", () => {
    // Mostly valid values, with a few that are not (each kind of problem must come out the same).
    const usually = <T>(valid: T[], invalid: T[]) =>
      fc.oneof({ weight: 12, arbitrary: fc.constantFrom(...valid) }, { weight: 1, arbitrary: fc.constantFrom(...invalid) });
    const seedValue = usually([0, 1, 2, 7, 0xffffffff], [-1, 1.5, "7", 2 ** 33]);
    const linear = fc.record({
      experiment: fc.constantFrom("linear-factorisation", "linear-regression"),
      sizes: fc.record({
        m: fc.constantFrom(4, 6),
        n: fc.constantFrom(4, 6),
        d: usually([2, 3], [9]),
        N: fc.constantFrom(5, 8),
        hiddenUnits: fc.constantFrom(4, 6),
      }),
      mask: fc.record({
        family: usually(["dropblock", "contiguous-dropblock"], ["dropout", "nonsense"]),
        keepProbability: usually([0.3, 0.5, 1], [1.5]),
        blockSize: usually([1, 2], [3, 0]),
      }),
      optimiser: fc.record({ epochs: usually([1, 10], [0]), batchSize: usually([1, 4], [7]) }, { requiredKeys: [] }),
    });
    const noop = fc.record({
      experiment: fc.constant("noop"),
      work: fc.record({ iterations: usually([0, 3], [-1]), fail: fc.boolean() }, { requiredKeys: [] }),
    });
    const axis = <T>(values: fc.Arbitrary<T>) => fc.uniqueArray(values, { minLength: 1, maxLength: 3, selector: (v) => JSON.stringify(v) });
    const linearGrid = fc.record(
      {
        "mask.keepProbability": axis(usually([0.2, 0.5, 0.9], [0, "x"])),
        "mask.family": axis(usually(["dropblock", "contiguous-dropblock"], ["dropconnect"])),
        "optimiser.epochs": axis(usually([2, 3, 4], [0])),
        monteCarloSamples: axis(usually([0, 5], [-5])),
      },
      { requiredKeys: [] },
    );
    const noopGrid = fc.record(
      { "work.iterations": axis(usually([0, 1, 2], [-2])), "work.fail": axis(fc.boolean()) },
      { requiredKeys: [] },
    );
    const seeds = fc.uniqueArray(seedValue, { minLength: 1, maxLength: 4, selector: (v) => JSON.stringify(v) });
    const specOf = (fields: fc.Arbitrary<object>, grid: fc.Arbitrary<object>) =>
      fc.record({
        fields,
        seeds,
        grid,
        sections: fc.option(fc.array(fc.record({ seeds, grid }, { requiredKeys: [] }), { minLength: 1, maxLength: 3 }), { nil: undefined }),
      });
    let valid = 0;
    let runs = 0;
    fc.assert(
      fc.property(fc.oneof(specOf(linear, linearGrid), specOf(noop, noopGrid)), ({ fields, seeds, grid, sections }) => {
        const text = JSON.stringify({ name: "random", ...fields, seeds, grid, ...(sections ? { sections } : {}) });
        runs++;
        if (sameCheck(text).ok) valid++;
      }),
      { numRuns: 400, seed: 20261127 },
    );
    // Both kinds are exercised.
    expect(valid).toBeGreaterThan(runs / 10);
    expect(valid).toBeLessThan(runs - runs / 10);
  });

  it("lets the cells of one combination share sub-objects, and hashes them as if they did not", () => {
    const { fast } = bothWays(`name: shared\nexperiment: noop\nwork: { iterations: 3 }\nseeds: [5, 6, 7]\n`);
    if (!fast.ok) throw new Error("expected a valid spec");
    const [a, b] = fast.sweep.cells;
    expect((a!.cell as { work: object }).work).toBe((b!.cell as { work: object }).work);
    // The hash is the SHA-256 of the canonical text written from scratch (no cache).
    for (const c of fast.sweep.cells)
      expect(c.hash).toBe(
        createHash("sha256")
          .update(canonicalJson({ cell: c.cell, kernelVersion: 4 }))
          .digest("hex"),
      );
  });
});
