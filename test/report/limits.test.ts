// A sweep larger than the report's caps: plots stay bounded and say what they left out, the
// table stops at its cap, and the worst configuration is among those drawn.
import { describe, expect, it } from "vitest";
import { buildReportModel } from "../../shared/report/model.js";
import { fromCellResult } from "../../shared/report/cells.js";
import { largeSweep, stream } from "./fixtures.js";

describe("report caps on a large sweep", async () => {
  const { summary, results } = largeSweep(40, 3);
  const model = await buildReportModel(summary, stream(results.map(fromCellResult)), {
    limits: { configurations: 4, gapPoints: 30, tableRows: 50 },
  });
  const plot = (id: string) => model.plots.find((p) => p.id === id)!;

  it("draws at most the capped number of configurations, and says so", () => {
    const spectra = plot("spectra");
    const facets = new Set((spectra.spec as { data: { values: { configuration: string }[] } }).data.values.map((v) => v.configuration));
    expect(facets.size).toBe(4);
    expect(spectra.notes.join(" ")).toMatch(/4 of 40 configurations shown/);
    expect(spectra.notes.join(" ")).toMatch(/first completed seed/);
  });

  it("always includes the configuration with the worst objective gap", () => {
    const worst = summary.rows.find((r) => r.objectiveGap === 0.5)!;
    const keep = worst.parameters["mask.keepProbability"];
    const facets = (plot("training-curves").spec as { data: { values: { configuration: string }[] } }).data.values.map(
      (v) => v.configuration,
    );
    expect(facets.some((label) => label.includes(`θ=${keep}`))).toBe(true);
  });

  it("samples the gap plot and the Monte Carlo plot down to their caps", () => {
    const gap = plot("objective-gap").spec as { data: { values: { gap?: number }[] } };
    expect(gap.data.values.filter((v) => v.gap !== undefined)).toHaveLength(30);
    expect(plot("objective-gap").notes.join(" ")).toMatch(/30 of 120 cells drawn/);
    const mc = plot("monte-carlo").spec as { data: { values: { configuration?: string }[] } };
    expect(mc.data.values.filter((v) => v.configuration)).toHaveLength(30);
    expect(plot("monte-carlo").notes.join(" ")).toMatch(/30 of 120 cells drawn: every one beyond the threshold/);
  });

  it("caps the table and points to summary.json for the rest", () => {
    expect(model.rows).toHaveLength(50);
    expect(model.rowsOmitted).toBe(70);
  });
});
