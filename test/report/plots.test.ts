// Every plot builder must compile and render through vega without warnings and draw data marks;
// the mark counts are checked against the number of points fed in (an independent count).
import { describe, expect, it } from "vitest";
import { balancePlot } from "../../shared/report/panels/balance.js";
import { monteCarloPlot } from "../../shared/report/panels/monteCarlo.js";
import { gapGroups, objectiveGapPlot } from "../../shared/report/panels/objectiveGap.js";
import { regularisersPlot } from "../../shared/report/panels/regularisers.js";
import { schemesPlot } from "../../shared/report/panels/schemes.js";
import { spectraPlot } from "../../shared/report/panels/spectra.js";
import { trainingCurvesPlot } from "../../shared/report/panels/trainingCurves.js";
import { countDataMarks, renderSvg } from "../../shared/report/svg.js";

describe("plot builders", () => {
  it("spectra: one point symbol per positive singular value, zeros dropped with a note", async () => {
    const plot = spectraPlot([
      { configuration: "k=2", target: [5, 3, 1], closedForm: [4, 2, 0], learned: [4, 2, 1e-9] },
      { configuration: "k=3", target: [6, 2], closedForm: [5, 1.5], learned: [5, 1.5] },
    ])!;
    expect(plot.notes.join(" ")).toMatch(/1 singular values equal to 0/);
    const { svg } = await renderSvg(plot.spec);
    // Learned values are dots: 3 + 2 positive ones. Every series of each facet is one line.
    const symbols = svg.match(/<g class="mark-symbol role-mark[^>]*>([\s\S]*?)<\/g>/g)!.join("");
    expect((symbols.match(/<path/g) ?? []).length).toBe(5);
    const lines = svg.match(/<g class="mark-line role-mark[^>]*>([\s\S]*?)<\/g>/g)!.join("");
    expect((lines.match(/<path/g) ?? []).length).toBe(6);
  });

  it("schemes: every seed of a setting is its own line per scheme, never one line through all seeds", async () => {
    // Three seeds ending at different objectives: joined, they would zig-zag in one line.
    const inputs = [0, 1, 2].flatMap((seed) =>
      (["partitioned", "contiguous"] as const).map((scheme) => ({
        configuration: "k=2 · θ=0.5",
        scheme,
        seed,
        epochs: [1, 2, 4, 8].map((epoch) => ({ epoch, deterministicObjective: (10 + 5 * seed) / epoch + 1 })),
        spectrum: [3 + seed, 2, 1],
      })),
    );
    const { svg } = await renderSvg(schemesPlot(inputs)!.spec);
    const paths = (group: string) =>
      [...svg.matchAll(new RegExp(`<g class="mark-line role-mark ${group}[^"]*"[^>]*>([\\s\\S]*?)</g>`, "g"))].flatMap((m) =>
        [...m[1]!.matchAll(/<path[^>]* d="([^"]+)"/g)].map((p) => p[1]!),
      );
    for (const group of ["concat_0", "concat_1"]) {
      const lines = paths(group);
      expect(lines, group).toHaveLength(6);
      // Each line runs left to right: x never goes back (a joined line would).
      for (const d of lines) {
        const xs = [...d.matchAll(/[ML]([\d.-]+),/g)].map((m) => Number(m[1]));
        expect(xs.length, group).toBeGreaterThan(1);
        for (let i = 1; i < xs.length; i++) expect(xs[i]!, d).toBeGreaterThan(xs[i - 1]!);
      }
    }
  });

  it("returns undefined instead of an empty plot", () => {
    expect(spectraPlot([])).toBeUndefined();
    expect(trainingCurvesPlot([{ configuration: "a", epochs: [], closedFormMinimum: 1 }])).toBeUndefined();
    expect(objectiveGapPlot([])).toBeUndefined();
    expect(balancePlot([])).toBeUndefined();
    expect(regularisersPlot([])).toBeUndefined();
    expect(monteCarloPlot([{ configuration: "a", zScore: Number.NaN, bound: 3 }])).toBeUndefined();
    expect(schemesPlot([])).toBeUndefined();
  });

  it("claim 1's plot draws the threshold summary.json records, and no made-up one when it records none", () => {
    const values = (bound: number | undefined) =>
      (monteCarloPlot([{ configuration: "dropout", zScore: 0.4, bound }])!.spec.data as { values: { z: number; kind: string }[] }).values;
    expect(
      values(3.7)
        .filter((v) => v.kind === "bound")
        .map((v) => v.z),
    ).toEqual([3.7, -3.7]);
    expect(values(undefined).filter((v) => v.kind === "bound")).toEqual([]);
    expect(monteCarloPlot([{ configuration: "dropout", zScore: 0.4, bound: undefined }])!.caption).toMatch(
      /records no threshold for claim 1/,
    );
  });

  it("every builder renders data marks, as many as its input calls for", async () => {
    const epochs = [1, 2, 3, 4].map((epoch) => ({ epoch, stochasticLoss: 10 / epoch + 1, deterministicObjective: 8 / epoch + 1 }));
    // Each plot with the marks its input calls for, counted from the input (a line is one mark
    // per series and facet, a point or bar or rule one per datum).
    const plots: [ReturnType<typeof trainingCurvesPlot>, number][] = [
      // Stochastic loss and objective lines, the minimum's rule.
      [trainingCurvesPlot([{ configuration: "a", epochs, closedFormMinimum: 1 }]), 2 + 1],
      [
        objectiveGapPlot(
          [
            { blockSize: 1, keepProbability: 0.5, objectiveGap: 1e-8, group: gapGroups.claimed },
            { blockSize: 2, keepProbability: 0.5, objectiveGap: -1e-18, group: gapGroups.claimed },
            { blockSize: 2, keepProbability: 0.8, objectiveGap: 1e-3, group: gapGroups.reported("not representable") },
          ],
          [],
          2e-3,
        ),
        // A median line per keep probability in each of the two facets, a point per cell, the
        // tolerance's rule and its label in the judged cells' facet only.
        2 + 3 + 1 + 1,
      ],
      // A line and a final point per block (two blocks), the balanced value's rule.
      [
        balancePlot([
          {
            configuration: "a",
            epochs: epochs.map((e) => ({ epoch: e.epoch, blockNorms: [1 + 1 / e.epoch, 1 - 0.1 / e.epoch] })),
            balancedNorm: 1,
          },
        ]),
        2 + 2 + 1,
      ],
      // A dot per cell, the two tolerances' rules.
      [regularisersPlot([{ configuration: "last", dropconnect: 2, dropout: 2, expected: "equal where predicted" }]), 1 + 2],
      // The cell's point and the two rules at ± the bound.
      [monteCarloPlot([{ configuration: "dropout", zScore: 0.4, bound: 3 }]), 1 + 2],
      // One curve; no spectrum given.
      [
        schemesPlot([
          {
            configuration: "a",
            scheme: "partitioned",
            epochs: epochs.map((e) => ({ epoch: e.epoch, deterministicObjective: e.deterministicObjective })),
          },
        ]),
        1,
      ],
      // A facet without the minimum's rule still renders: 3 marks in the first, 2 in the second.
      [
        trainingCurvesPlot([
          { configuration: "a", epochs, closedFormMinimum: 1 },
          { configuration: "b", epochs },
        ]),
        3 + 2,
      ],
    ];
    for (const [plot, expected] of plots) {
      expect(plot).toBeDefined();
      const { dataMarks } = await renderSvg(plot!.spec);
      expect(dataMarks, plot!.id).toBe(expected);
    }
  });

  it("floors gaps at or below zero on the log axis and says how many", () => {
    const plot = objectiveGapPlot([
      { blockSize: 1, keepProbability: 0.5, objectiveGap: 0, group: gapGroups.claimed },
      { blockSize: 1, keepProbability: 0.5, objectiveGap: -3e-17, group: gapGroups.claimed },
      { blockSize: 1, keepProbability: 0.5, objectiveGap: 1e-4, group: gapGroups.claimed },
    ])!;
    expect(plot.notes.join(" ")).toMatch(/^2 gaps below/);
    expect(plot.caption).not.toMatch(/tolerance/);
    expect(
      objectiveGapPlot([{ blockSize: 1, keepProbability: 0.5, objectiveGap: 1e-4, group: gapGroups.claimed }], [], 1e-3)!.caption,
    ).toMatch(/below its tolerance, the dashed rule/);
  });
});

describe("log epoch axes", () => {
  it("skip epoch 0 (and below) with a note instead of failing in vega", async () => {
    // Curves that start from the initial weights at epoch 0: vega cannot place 0 on a log axis
    // and throws (see "fails loudly" below); the builders must not hand it such a point.
    const epochs = [0, 1, 2, 4].map((epoch) => ({
      epoch,
      stochasticLoss: 10 / (epoch + 1) + 1,
      deterministicObjective: 8 / (epoch + 1) + 1,
    }));
    const plots = [
      trainingCurvesPlot([{ configuration: "a", epochs, closedFormMinimum: 1 }]),
      balancePlot([
        { configuration: "a", epochs: epochs.map((e) => ({ epoch: e.epoch, blockNorms: [1 + 1 / (e.epoch + 1), 1] })), balancedNorm: 1 },
      ]),
      schemesPlot([
        {
          configuration: "a",
          scheme: "contiguous",
          epochs: [...epochs, { epoch: -1, deterministicObjective: 5 }].map((e) => ({
            epoch: e.epoch,
            deterministicObjective: e.deterministicObjective,
          })),
        },
      ]),
    ];
    const expectedSkips = [1, 1, 2];
    for (const [i, plot] of plots.entries()) {
      expect(plot).toBeDefined();
      const { dataMarks } = await renderSvg(plot!.spec);
      expect(dataMarks, plot!.id).toBeGreaterThan(0);
      const note = plot!.notes.find((n) => /epoch 0/.test(n));
      expect(note, plot!.id).toMatch(new RegExp(`^${expectedSkips[i]} points? at epoch 0`));
      const values = (plot!.spec as { data: { values: { epoch?: number; x?: number; panel?: string }[] } }).data.values;
      for (const v of values) if (v.panel === undefined || v.panel.startsWith("objective")) expect(v.epoch ?? v.x ?? 1).toBeGreaterThan(0);
    }
    // Nothing left to draw but epoch 0: no plot rather than an empty or broken one.
    expect(trainingCurvesPlot([{ configuration: "a", epochs: [{ epoch: 0, deterministicObjective: 3 }] }])).toBeUndefined();
  });
});

describe("balance plot with final block norms only", () => {
  it("draws each block's norm over the balanced value, on an axis spanning at least 0.9..1.1", async () => {
    const plot = balancePlot([{ configuration: "a", epochs: [{ epoch: 500, blockNorms: [0.2, 0.21, 0.19] }], balancedNorm: 0.2 }])!;
    expect(plot.title).toMatch(/end of training/);
    const values = (plot.spec as { data: { values: { ratio: number }[] } }).data.values.map((v) => v.ratio);
    expect(values.map((v) => Number(v.toFixed(12)))).toEqual([1, 1.05, 0.95]);
    const { dataMarks } = await renderSvg(plot.spec);
    expect(dataMarks).toBe(3 + 1); // three dots and the rule at 1
  });
});

describe("countDataMarks", () => {
  it("counts nothing for an empty mark group, not the next group's items", () => {
    const svg =
      '<g class="mark-rule role-mark layer" role="graphics-symbol"/>' +
      '<g class="mark-group role-title"><g><path class="background"/><g class="mark-text role-title-text"><text>b</text></g></g></g>' +
      '<g class="mark-symbol role-mark points"><path d="M0,0"/><path d="M1,1"/></g>';
    expect(countDataMarks(svg)).toBe(2);
  });
});

describe("renderSvg", () => {
  it("fails loudly on a spec vega cannot draw", async () => {
    await expect(
      renderSvg({
        data: { values: [{ a: 0 }] },
        mark: "point",
        encoding: { x: { field: "a", type: "quantitative", scale: { type: "log" } } },
      }),
    ).rejects.toThrow(/vega/);
  });
});
