// report.html: one self-contained file (inline CSS, SVG and one small script for the cells
// table, no network), so it opens offline from a directory, an artifact download or a bucket.
// Order: verdict, claims table, regressions, why each tolerance, plots, failures, every cell.
// Laid out for a 1400 px window: plots up to 1272 px wide are drawn at their size.
import { claimAnchor, claimCorruptNote, corruptNote, statusCounts, verdict } from "./layout.js";
import { cellAnchor, resultHref, type ClaimView, type ReportModel } from "./model.js";
import { escapeHtml as e, formatQuantity } from "./format.js";
import { counted } from "../text.js";
import type { ClaimCheck, ClaimResult } from "../claims/result.js";
import { cellsSection } from "./cellsTable.js";

const style = `
:root { --pass: #1a7f37; --fail: #cf222e; --inconclusive: #9a6700; --skipped: #6e7781; --ink: #1f2328; --muted: #59636e; --rule: #d1d9e0; }
* { box-sizing: border-box; }
body { font: 15px/1.5 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--ink); margin: 0 auto; max-width: 1320px; padding: 24px; }
p, figcaption, ul.notes, .claim { max-width: 920px; }
h1 { font-size: 24px; margin: 0 0 4px; } h2 { font-size: 19px; margin: 36px 0 10px; border-bottom: 1px solid var(--rule); padding-bottom: 4px; }
h3 { font-size: 16px; margin: 22px 0 6px; }
code, .hash { font: 13px ui-monospace, SFMono-Regular, Menlo, monospace; }
.meta { color: var(--muted); margin: 0; }
.verdict { display: inline-block; font-weight: 600; padding: 6px 12px; border-radius: 6px; margin: 12px 0 0; }
.verdict.pass { background: #dafbe1; color: var(--pass); } .verdict.fail { background: #ffebe9; color: var(--fail); }
.verdict.warn { background: #fff8c5; color: #7d4e00; }
table { border-collapse: collapse; width: 100%; font-size: 14px; }
th, td { text-align: left; padding: 6px 8px; border-bottom: 1px solid var(--rule); vertical-align: top; }
th { background: #f6f8fa; font-weight: 600; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td.mismatch { color: var(--fail); font-weight: 600; } .corrupt-note { color: var(--fail); font-size: 13px; }
.status { display: inline-block; min-width: 58px; text-align: center; font-weight: 600; font-size: 12px; text-transform: uppercase; padding: 2px 8px; border-radius: 10px; color: #fff; }
.status.pass, .status.ok, .status.computed, .status.cached { background: var(--pass); }
.status.fail, .status.failed, .status.missing, .status.corrupt { background: var(--fail); } .status.skipped { background: var(--skipped); }
.status.diverged { background: #bc4c00; } .status.inconclusive, .status.max-epochs { background: var(--inconclusive); }
td.cells { line-height: 1.6; } .cells a { margin-right: 4px; white-space: nowrap; } td.cells .meta { font-size: 13px; }
table.claims td:nth-child(2) { width: 210px; } table.claims td:nth-child(3) { width: 90px; }
.remedy { background: #fff8c5; border-radius: 4px; padding: 4px 8px; margin: 4px 0; font-size: 14px; }
.claim p { margin: 4px 0; } .claim .label { font-weight: 600; }
figure.plot { margin: 18px 0 28px; } figure.plot svg { max-width: 100%; height: auto; }
figcaption { color: var(--muted); max-width: 860px; }
ul.notes { color: var(--muted); font-size: 13px; margin: 4px 0; }
table.checks { width: auto; margin: 6px 0 8px; font-size: 13px; } table.checks td, table.checks th { padding: 3px 10px; }
.reported { color: var(--muted); font-style: italic; white-space: nowrap; }
.failed-check { color: var(--fail); }
tr:target { background: #fff8c5; }
details#cells-fold > summary { cursor: pointer; font-weight: 600; padding: 6px 0; }
.table-tools { margin: 8px 0; font-size: 14px; } .table-tools label { margin-right: 10px; white-space: nowrap; }
th button.sort { font: inherit; font-weight: 600; background: none; border: 0; padding: 0; cursor: pointer; color: inherit; text-align: left; }
th[aria-sort="ascending"] button.sort::after { content: " ▲"; } th[aria-sort="descending"] button.sort::after { content: " ▼"; }
td.roles { font-size: 13px; color: var(--muted); min-width: 180px; }
.regression.worse { color: var(--fail); } .regression.better { color: var(--pass); }
footer { margin-top: 40px; color: var(--muted); font-size: 13px; }
`;

/** In-page anchor when the cell's row is in the table, else its result file. */
function cellHref(model: ReportModel, hash: string): string {
  return e(model.rows.some((r) => r.row.hash === hash) ? `#${cellAnchor(hash)}` : resultHref(model.sweepId, hash));
}

function status(text: string): string {
  return `<span class="status ${e(text)}">${e(text)}</span>`;
}

const relation = (check: ClaimCheck) => (check.relation === "<=" ? "≤" : "≥");

/** "≤ " or "≥ " before the table's tolerance: the relation of the claim's first check. */
function headlineRelation(claim: ClaimResult): string {
  const first = claim.checks?.[0];
  return first && claim.tolerance !== null && claim.tolerance !== undefined ? `${relation(first)} ` : "";
}

/** Gated checks that failed, one line each (the table's Measured column shows only the first check). */
function failedChecks(claim: ClaimResult): string {
  return (claim.checks ?? [])
    .filter((c) => !c.pass && !c.reported)
    .map(
      (c) =>
        `<div class="failed-check">fails: ${e(c.name)} = ${e(formatQuantity(c.measured))}, needs ${relation(c)} ${e(formatQuantity(c.tolerance))}</div>`,
    )
    .join("");
}

/** Every check of a claim: measured against tolerance, and whether it is part of the verdict. */
function checksTable(claim: ClaimResult): string {
  const checks = claim.checks ?? [];
  if (checks.length === 0) return "";
  const result = (c: ClaimCheck) =>
    c.reported
      ? `<span class="reported">reported, not gated (${c.pass ? "within" : "beyond"} tolerance)</span>`
      : status(c.pass ? "pass" : "fail");
  return `<table class="checks">
<thead><tr><th>Check</th><th>Measured</th><th>Tolerance</th><th title="cells, or twin pairs for claim 7">Cells / pairs</th><th>Result</th></tr></thead>
<tbody>
${checks
  .map(
    (c) =>
      `<tr><td>${e(c.name)}</td><td class="num">${e(formatQuantity(c.measured))}</td><td class="num">${relation(c)} ${e(formatQuantity(c.tolerance))}</td><td class="num">${c.cells}</td><td>${result(c)}</td></tr>`,
  )
  .join("\n")}
</tbody>
</table>`;
}

function claimRow(view: ClaimView): string {
  const { claim } = view;
  const links = view.links
    .map((l) => `<a class="hash" href="${e(l.href)}" title="${e(`${l.label} · cell ${l.hash}`)}">${e(l.hash.slice(0, 8))}</a>`)
    .join(" ");
  const more =
    view.moreCells > 0
      ? ` <span class="meta" title="every cell of the claim is in summary.json, claims[].hashes">+${view.moreCells} more in summary.json</span>`
      : "";
  const corrupt = claimCorruptNote(view.corruptCells, view.cellCount);
  const reason =
    failedChecks(claim) +
    (view.remedy ? `<div class="remedy"><span class="label">What to change:</span> ${e(view.remedy)}</div>` : "") +
    (claim.reason ? `<div class="meta">${e(claim.reason)}</div>` : "") +
    (corrupt ? `<div class="corrupt-note">${e(corrupt)}</div>` : "");
  return `<tr id="claim-row-${e(claim.id)}">
<td class="num">${e(claim.id)}</td>
<td><a href="#${claimAnchor(claim.id)}">${e(claim.title)}</a></td>
<td>${status(claim.status)}</td>
<td class="num">${e(formatQuantity(claim.measured))}</td>
<td class="num">${headlineRelation(claim)}${e(formatQuantity(claim.tolerance))}</td>
<td class="num">${view.cellCount}</td>
<td class="cells">${links}${more}${reason}</td>
</tr>`;
}

export function renderHtml(model: ReportModel): string {
  const counts = statusCounts(model);
  const verdictClass = verdict(model);
  const parts: string[] = [];
  parts.push(`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>dropsweep report: ${e(model.sweepId)}</title>
<link rel="icon" href="data:,">
<style>${style}</style>
</head>
<body>
<header>
<h1>dropsweep report</h1>
<p class="meta">Sweep <code>${e(model.sweepId)}</code> · ${counted(model.cells.total, "cell")}: ${model.cells.computed} computed, ${model.cells.cached} cached, ${model.cells.failed} failed</p>
<p class="verdict ${verdictClass}" id="verdict">${e(counts.sentence)}</p>
</header>`);

  parts.push(`<section id="claims">
<h2>Claims</h2>
<p class="meta">The seven claims of THEORY.md, checked on this sweep's cells. Measured and Tolerance are each claim's first check (all its checks are under the claim below). Cells link to their row below (or to their result file), the worst first; a long list is cut, and every cell of a claim is in summary.json.</p>
${
  corruptNote(model)
    ? `<p class="verdict warn" id="corrupt-results">${e(corruptNote(model))}</p>
`
    : ""
}<table class="claims">
<thead><tr><th>#</th><th>Claim</th><th>Status</th><th>Measured</th><th>Tolerance</th><th>Cells</th><th>Evidence and notes</th></tr></thead>
<tbody>
${model.claims.map(claimRow).join("\n")}
</tbody>
</table>
</section>`);

  if (model.baseline) {
    const b = model.baseline;
    const items = b.regressions.map((r) => `<li class="regression ${r.direction}">${e(r.message)}</li>`).join("\n");
    const unmatched =
      b.onlyCurrent + b.onlyBaseline > 0
        ? `<p class="meta">${counted(b.onlyCurrent, "cell")} only in this sweep and ${b.onlyBaseline} only in the baseline were not compared.</p>`
        : "";
    parts.push(`<section id="regressions">
<h2>Regressions</h2>
<p>Against baseline <code>${e(b.sweepId)}</code> (${e(b.source)}): ${
      b.regressions.length === 0
        ? "no claim changed status and no metric moved beyond its tolerance."
        : `${counted(b.regressions.length, "change")}: claims whose status changed and metrics that moved beyond tolerance.`
    }</p>
${items ? `<ul>\n${items}\n</ul>` : ""}
${unmatched}
</section>`);
  }

  parts.push(`<section id="tolerances">
<h2>What each claim measures, and why its tolerance</h2>
${model.claims
  .map(
    (v) => `<div class="claim" id="${claimAnchor(v.claim.id)}">
<h3>${e(v.claim.id)}. ${e(v.claim.title)} ${status(v.claim.status)}</h3>
<p>${e(v.statement)}</p>
${v.measuredMeaning ? `<p><span class="label">Measured:</span> ${e(v.measuredMeaning)}${v.claim.measured === null || v.claim.measured === undefined ? "" : ` This sweep: ${e(formatQuantity(v.claim.measured))}.`}</p>` : ""}
${checksTable(v.claim)}
${v.justification ? `<p><span class="label">Tolerance:</span> ${e(v.justification)}</p>` : ""}
${v.remedy ? `<p class="remedy"><span class="label">What to change:</span> ${e(v.remedy)}</p>` : ""}
</div>`,
  )
  .join("\n")}
</section>`);

  parts.push(`<section id="plots">
<h2>Plots</h2>
${model.plots
  .map(
    (p) => `<figure class="plot" id="plot-${e(p.id)}" data-marks="${p.dataMarks}">
<h3>${e(p.title)}</h3>
${p.svg}
<figcaption>${e(p.caption)}</figcaption>
${p.notes.length ? `<ul class="notes">${p.notes.map((n) => `<li>${e(n)}</li>`).join("")}</ul>` : ""}
</figure>`,
  )
  .join("\n")}
${
  model.absentPlots.length
    ? `<p class="meta">Not drawn:</p><ul class="notes">${model.absentPlots.map((a) => `<li>${e(a.title)}: ${e(a.reason)}.</li>`).join("")}</ul>`
    : ""
}
</section>`);

  if (model.failures.length > 0 || model.missingResults.length > 0) {
    parts.push(`<section id="failures">
<h2>Cells that did not complete</h2>
<ul>
${model.failures.map((f) => `<li>${status(f.status)} <a class="hash" href="${cellHref(model, f.hash)}">${e(f.hash.slice(0, 12))}</a> ${e(f.configuration)}: <code>${e(f.error)}</code></li>`).join("\n")}
${model.missingResults.map((m) => `<li>${status("missing")} <a class="hash" href="${cellHref(model, m.hash)}">${e(m.hash.slice(0, 12))}</a>: ${e(m.reason)}</li>`).join("\n")}
</ul>
${model.failuresOmitted > 0 ? `<p class="meta">${model.failuresOmitted} more ${model.failuresOmitted === 1 ? "is" : "are"} listed in summary.json (rows with their status).</p>` : ""}
</section>`);
  }

  parts.push(`${cellsSection(model)}
<footer>Written by dropsweep from summary.json and the cell results; regenerate without recomputing with <code>${e(model.regenerate)}</code>.</footer>
</body>
</html>
`);
  return parts.join("\n");
}
