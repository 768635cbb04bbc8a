// Each cell's part in each claim (shared/report/roles.ts) and the objective-gap plot's panels
// come from what the claims recorded in summary.json, never from a second copy of their rules:
// edit a claim's record and the table and the plot follow it.
import { describe, expect, it } from "vitest";
import type { Summary } from "../../shared/results/summary.js";
import { fromCellResult } from "../../shared/report/cells.js";
import { buildReportModel } from "../../shared/report/model.js";
import { gapGroups } from "../../shared/report/panels/objectiveGap.js";
import { representableText, rolesText } from "../../shared/report/roles.js";
import { writeReport } from "../../shared/report/write.js";
import { keys } from "../../shared/store/layout.js";
import { fixtureSweep, MemoryStore, stream } from "./fixtures.js";

const { summary, results } = fixtureSweep();
const model = (s: Summary) => buildReportModel(s, stream(results.map(fromCellResult)));

/** Points of the objective-gap plot per panel. */
async function gapPanels(s: Summary): Promise<Record<string, number>> {
  const plot = (await model(s)).plots.find((p) => p.id === "objective-gap")!;
  const counts: Record<string, number> = {};
  for (const v of (plot.spec as { data: { values: { group: string; gap?: number }[] } }).data.values)
    if (v.gap !== undefined) counts[v.group] = (counts[v.group] ?? 0) + 1;
  return counts;
}

describe("cells' roles in the claims", () => {
  it("reads as claims grouped by role, judged ones first", () => {
    expect(
      rolesText([
        { claim: "1", role: "claimed", reported: false },
        { claim: "3", role: "at the bound", reported: true },
        { claim: "2", role: "equal where predicted", reported: false },
        { claim: "4", role: "at the bound", reported: true },
      ]),
    ).toBe("claimed by 1; 2: equal where predicted; reported by 3, 4: at the bound");
    expect(rolesText([])).toBe("");
  });

  it("names what each claim recorded: judged cells, and the non-representable ones claims 3-5 report", async () => {
    const { rows } = await model(summary);
    const claim3 = summary.claims.find((c) => c.id === "3")!;
    const notRepresentable = claim3.roles!.find((r) => r.role === "not representable")!.hashes;
    expect(notRepresentable.length).toBeGreaterThan(0);
    for (const row of rows) {
      const text = rolesText(row.roles);
      if (notRepresentable.includes(row.row.hash)) expect(text, row.configuration).toMatch(/reported by 3, 4, 5: not representable/);
      else if (claim3.hashes!.includes(row.row.hash)) expect(text, row.configuration).toMatch(/^claimed by 1, 3, 4, 5/);
    }
    // The failed cell bears on no claim.
    expect(rolesText(rows.find((r) => r.row.status === "failed")!.roles)).toBe("");
  });

  it("the objective-gap plot holds exactly the cells claim 3 judges in its first panel, and follows an edited record", async () => {
    const claim3 = summary.claims.find((c) => c.id === "3")!;
    const reported = claim3.roles!.find((r) => r.role === "not representable")!.hashes.length;
    expect(await gapPanels(summary)).toEqual({
      [gapGroups.claimed]: claim3.hashes!.length,
      [gapGroups.reported("not representable")]: reported,
    });
    // Say claim 3 had set two of its cells aside as at the bound: the plot and the table follow.
    const moved = claim3.hashes!.slice(0, 2);
    const edited: Summary = {
      ...summary,
      claims: summary.claims.map((c) =>
        c.id === "3"
          ? {
              ...c,
              hashes: c.hashes!.slice(2),
              roles: [...c.roles!, { role: "at the bound", reported: true as const, hashes: moved }],
            }
          : c,
      ),
    };
    expect(await gapPanels(edited)).toEqual({
      [gapGroups.claimed]: claim3.hashes!.length - 2,
      [gapGroups.reported("not representable")]: reported,
      [gapGroups.reported("at the bound")]: 2,
    });
    const row = (await model(edited)).rows.find((r) => r.row.hash === moved[0])!;
    expect(rolesText(row.roles)).toMatch(/reported by 3: at the bound/);
    // Its Representable column says so too, in both renderings; a claimed cell's stays "yes".
    expect(row.row.representable).toBe(true);
    expect(representableText(row.row.representable, row.roles)).toBe("yes, at the bound");
    const claimed = (await model(edited)).rows.find((r) => r.row.hash === claim3.hashes![2])!;
    expect(representableText(claimed.row.representable, claimed.roles)).toBe("yes");
    const store = new MemoryStore();
    await writeReport(store, edited.sweepId, edited, stream(results));
    const html = store.text(keys.report(edited.sweepId, "report.html"))!;
    expect(html.match(new RegExp(`<tr id="cell-${moved[0]}"[\\s\\S]*?</tr>`))![0]).toContain("<td>yes, at the bound</td>");
    expect(store.text(keys.report(edited.sweepId, "report.md"))!).toMatch(
      new RegExp(`${moved[0]!.slice(0, 12)}.*\\| yes, at the bound \\| .*reported by 3: at the bound`),
    );
  });
});
