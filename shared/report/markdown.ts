// report.md: the same content as report.html for places that render Markdown (a pull request,
// a repository browser). Plots are the SVG files written beside it (plots/ID.svg).
import { claimAnchor, claimCorruptNote, corruptNote, statusCounts } from "./layout.js";
import type { ReportModel } from "./model.js";
import { escapeMarkdownCell as cell, formatQuantity } from "./format.js";
import { counted } from "../text.js";
import type { ClaimCheck } from "../claims/result.js";
import { rankColumn, rankText } from "./rank.js";
import { representableText, rolesNote, rolesText } from "./roles.js";

const relation = (check: ClaimCheck) => (check.relation === "<=" ? "≤" : "≥");

export function plotFile(id: string): string {
  return `plots/${id}.svg`;
}

export function renderMarkdown(model: ReportModel): string {
  const lines: string[] = [];
  const counts = statusCounts(model);
  lines.push(`# dropsweep report`, "");
  lines.push(
    `Sweep \`${model.sweepId}\` · ${counted(model.cells.total, "cell")}: ${model.cells.computed} computed, ${model.cells.cached} cached, ${model.cells.failed} failed`,
    "",
  );
  lines.push(`**${counts.sentence}**`, "");

  lines.push(`## Claims`, "");
  lines.push(
    "Measured and Tolerance are each claim's first check (all its checks are under the claim below). Cells are linked the worst first; a long list is cut, and every cell of a claim is in summary.json.",
    "",
  );
  if (corruptNote(model)) lines.push(`**${corruptNote(model)}**`, "");
  lines.push(`| # | Claim | Status | Measured | Tolerance | Cells | Evidence and notes |`, `|---:|---|---|---:|---:|---:|---|`);
  for (const v of model.claims) {
    const evidence = v.links
      .map((l) => `[${l.hash.slice(0, 8)}](${l.href.startsWith("#") ? `#${l.hash.slice(0, 12)}` : l.href})`)
      .join(" ");
    const failed = (v.claim.checks ?? [])
      .filter((c) => !c.pass && !c.reported)
      .map((c) => ` **fails:** ${cell(c.name)} = ${formatQuantity(c.measured)}, needs ${relation(c)} ${formatQuantity(c.tolerance)}.`)
      .join("");
    const corrupt = claimCorruptNote(v.corruptCells, v.cellCount);
    const more =
      (v.moreCells > 0 ? ` +${v.moreCells} more in summary.json` : "") +
      failed +
      (v.remedy ? ` **What to change:** ${cell(v.remedy)}` : "") +
      (v.claim.reason ? ` ${cell(v.claim.reason)}` : "") +
      (corrupt ? ` **${cell(corrupt)}**` : "");
    lines.push(
      `| ${v.claim.id} | [${cell(v.claim.title)}](#${claimAnchor(v.claim.id)}) | **${v.claim.status}** | ${cell(formatQuantity(v.claim.measured))} | ${v.claim.checks?.[0] && v.claim.tolerance != null ? `${relation(v.claim.checks[0])} ` : ""}${cell(formatQuantity(v.claim.tolerance))} | ${v.cellCount} | ${evidence}${more} |`,
    );
  }
  lines.push("");

  if (model.baseline) {
    const b = model.baseline;
    lines.push(`## Regressions`, "");
    lines.push(
      `Against baseline \`${b.sweepId}\` (${b.source}): ` +
        (b.regressions.length === 0
          ? "no claim changed status and no metric moved beyond its tolerance."
          : `${counted(b.regressions.length, "change")}.`),
      "",
    );
    for (const r of b.regressions)
      lines.push(`- ${r.direction === "worse" ? "**worse**: " : r.direction === "better" ? "better: " : ""}${r.message}`);
    if (b.onlyCurrent + b.onlyBaseline > 0)
      lines.push("", `${counted(b.onlyCurrent, "cell")} only in this sweep and ${b.onlyBaseline} only in the baseline were not compared.`);
    lines.push("");
  }

  lines.push(`## What each claim measures, and why its tolerance`, "");
  for (const v of model.claims) {
    lines.push(`<a id="${claimAnchor(v.claim.id)}"></a>`, `### ${v.claim.id}. ${v.claim.title} (${v.claim.status})`, "", v.statement, "");
    if (v.measuredMeaning)
      lines.push(
        `**Measured:** ${v.measuredMeaning}${v.claim.measured === null || v.claim.measured === undefined ? "" : ` This sweep: ${formatQuantity(v.claim.measured)}.`}`,
        "",
      );
    const checks = v.claim.checks ?? [];
    if (checks.length) {
      lines.push(`| Check | Measured | Tolerance | Cells / pairs | Result |`, `|---|---:|---:|---:|---|`);
      for (const c of checks)
        lines.push(
          `| ${cell(c.name)} | ${formatQuantity(c.measured)} | ${relation(c)} ${formatQuantity(c.tolerance)} | ${c.cells} | ${c.reported ? `reported, not gated (${c.pass ? "within" : "beyond"} tolerance)` : `**${c.pass ? "pass" : "fail"}**`} |`,
        );
      lines.push("");
    }
    if (v.justification) lines.push(`**Tolerance:** ${v.justification}`, "");
    if (v.remedy) lines.push(`**What to change:** ${v.remedy}`, "");
  }

  lines.push(`## Plots`, "");
  for (const p of model.plots) {
    lines.push(`### ${p.title}`, "", `![${p.title}](${plotFile(p.id)})`, "", p.caption, "");
    for (const note of p.notes) lines.push(`- ${note}`);
    if (p.notes.length) lines.push("");
  }
  if (model.absentPlots.length) {
    lines.push("Not drawn:", "");
    for (const a of model.absentPlots) lines.push(`- ${a.title}: ${a.reason}.`);
    lines.push("");
  }

  if (model.failures.length || model.missingResults.length) {
    lines.push(`## Cells that did not complete`, "");
    for (const f of model.failures)
      lines.push(`- **${f.status}** \`${f.hash.slice(0, 12)}\` ${f.configuration}: \`${f.error.replace(/`/g, "'")}\``);
    for (const m of model.missingResults) lines.push(`- **missing** \`${m.hash.slice(0, 12)}\`: ${m.reason}`);
    if (model.failuresOmitted > 0)
      lines.push(
        `- ${model.failuresOmitted} more ${model.failuresOmitted === 1 ? "is" : "are"} listed in summary.json (rows with their status).`,
      );
    lines.push("");
  }

  lines.push(`## Cells`, "");
  lines.push(
    `| Cell | Configuration | Seed | Objective gap | Spectrum error | Balance ratio | ${rankColumn.heading} | Representable | Claims | Status |`,
  );
  lines.push(`|---|---|---:|---:|---:|---:|---:|---|---|---|`);
  for (const r of model.rows)
    lines.push(
      `| <a id="${r.row.hash.slice(0, 12)}"></a>[\`${r.row.hash.slice(0, 12)}\`](${r.resultHref}) | ${cell(r.configuration)} | ${formatQuantity(r.seed)} | ${formatQuantity(r.row.objectiveGap)} | ${formatQuantity(r.row.spectrumError)} | ${formatQuantity(r.row.balanceRatio)} | ${rankText(r.rank, formatQuantity)} | ${representableText(r.row.representable, r.roles)} | ${cell(rolesText(r.roles))} | ${r.row.status}${r.row.trainingStatus === "max-epochs" ? " (max-epochs: not converged)" : ""} |`,
    );
  lines.push("", rankColumn.note, "", rolesNote);
  if (model.rowsOmitted > 0)
    lines.push("", `${counted(model.rowsOmitted, "more cell")} ${model.rowsOmitted === 1 ? "is" : "are"} listed in summary.json (rows).`);
  lines.push("", `Regenerate without recomputing: \`${model.regenerate}\`.`, "");
  return lines.join("\n");
}
