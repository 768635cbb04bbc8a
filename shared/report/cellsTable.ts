// report.html's cells table: every cell with its metrics, its status and its part in each claim,
// folded (a <details>, closed past `foldAboveRows` rows, so the claims and plots are what a
// reader sees first), filterable by status and sortable by any column. The filter and sort are
// a small inline script (no library, no network: the page stays one offline file); without
// script the fold still works and the table reads in grid order. report.md lists every row.
import { escapeHtml as e, formatQuantity } from "./format.js";
import { cellAnchor, type ReportModel, type RowView } from "./model.js";
import { rankColumn, rankText, rankTooltip } from "./rank.js";
import { representableText, rolesNote, rolesText } from "./roles.js";
import { counted } from "../text.js";

/** Past this many rows the table starts folded. */
const foldAboveRows = 50;

interface Column {
  heading: string;
  title?: string;
  /** "number": sorted by `data-value` (blank last); "text": by the cell's text, numbers in it numerically. */
  sort: "number" | "text";
  cell(r: RowView): { html: string; value?: number | null; className?: string; title?: string };
}

const number = (value: number | null | undefined) => ({
  html: e(formatQuantity(value ?? null)),
  value: typeof value === "number" && Number.isFinite(value) ? value : null,
  className: "num",
});

/** A cell that stopped at optimiser.epochs before converging: the claims do not judge it. */
const trainingPill = `<span class="status max-epochs" title="training stopped at its epoch cap before converging; claims that presume a trained optimum do not judge this cell">max-epochs</span>`;

const columns: Column[] = [
  {
    heading: "Cell",
    sort: "text",
    cell: (r) => ({ html: `<a class="hash" href="${e(r.resultHref)}" title="${e(r.row.hash)}">${e(r.row.hash.slice(0, 12))}</a>` }),
  },
  { heading: "Configuration", sort: "text", cell: (r) => ({ html: e(r.configuration) }) },
  { heading: "Seed", sort: "number", cell: (r) => number(r.seed) },
  { heading: "Objective gap", sort: "number", cell: (r) => number(r.row.objectiveGap) },
  { heading: "Spectrum error", sort: "number", cell: (r) => number(r.row.spectrumError) },
  { heading: "Balance ratio", sort: "number", cell: (r) => number(r.row.balanceRatio) },
  {
    heading: rankColumn.heading,
    title: rankColumn.note,
    sort: "number",
    cell: (r) => ({
      html: e(rankText(r.rank, formatQuantity)),
      value: r.rank.learned,
      className: `num${r.rank.verdict === "mismatch" ? " mismatch" : ""}`,
      ...(rankTooltip(r.rank) ? { title: rankTooltip(r.rank) } : {}),
    }),
  },
  { heading: "Representable", sort: "text", cell: (r) => ({ html: e(representableText(r.row.representable, r.roles)) }) },
  { heading: "Claims", title: rolesNote, sort: "text", cell: (r) => ({ html: e(rolesText(r.roles)), className: "roles" }) },
  {
    heading: "Status",
    sort: "text",
    cell: (r) => ({
      html: `<span class="status ${e(r.row.status)}">${e(r.row.status)}</span>${r.row.trainingStatus === "max-epochs" ? ` ${trainingPill}` : ""}`,
    }),
  },
];

function row(r: RowView): string {
  const cells = columns.map((column) => {
    const c = column.cell(r);
    const value = c.value === undefined ? "" : ` data-value="${c.value === null ? "" : String(c.value)}"`;
    return `<td${c.className ? ` class="${c.className}"` : ""}${value}${c.title ? ` title="${e(c.title)}"` : ""}>${c.html}</td>`;
  });
  return `<tr id="${cellAnchor(r.row.hash)}" data-status="${e(r.row.status)}">${cells.join("")}</tr>`;
}

/** The "Cells" section: the fold, its status filter and the sortable table. */
export function cellsSection(model: ReportModel): string {
  const statuses = new Map<string, number>();
  for (const r of model.rows) statuses.set(r.row.status, (statuses.get(r.row.status) ?? 0) + 1);
  const filter = [...statuses]
    .map(([status, n]) => `<label><input type="checkbox" data-status="${e(status)}" checked> ${e(status)} (${n})</label>`)
    .join(" ");
  const head = columns
    .map(
      (c) =>
        `<th data-sort="${c.sort}"${c.title ? ` title="${e(c.title)}"` : ""}><button type="button" class="sort" title="sort by ${e(c.heading.toLowerCase())}">${e(c.heading)}</button></th>`,
    )
    .join("");
  const counts = [...statuses].map(([status, n]) => `${n} ${status}`).join(", ");
  return `<section id="cells">
<h2>Cells</h2>
<details id="cells-fold"${model.rows.length <= foldAboveRows ? " open" : ""}>
<summary>${counted(model.rows.length, "cell")} (${e(counts)}): their metrics, status and part in each claim; filter by status, sort by any column</summary>
<div id="cells-tools" class="table-tools" hidden>Show: ${filter} <span id="cells-shown" class="meta"></span> <span class="meta">· click a column's heading to sort by it (again to reverse)</span></div>
<table class="rows" id="cells-table">
<thead><tr>${head}</tr></thead>
<tbody>
${model.rows.map(row).join("\n")}
</tbody>
</table>
<p class="meta">${e(rankColumn.note)}</p>
<p class="meta">${e(rolesNote)}</p>
${model.rowsOmitted > 0 ? `<p class="meta">${counted(model.rowsOmitted, "more cell")} ${model.rowsOmitted === 1 ? "is" : "are"} listed in summary.json (rows).</p>` : ""}
</details>
</section>
<script>${cellsScript}</script>`;
}

/**
 * The table's behaviour: status filter, sort by a column (numbers by value, blanks last, text
 * with numbers compared numerically), and opening the fold when a link targets a row in it.
 */
const cellsScript = `
(() => {
  const fold = document.getElementById("cells-fold");
  const table = document.getElementById("cells-table");
  const tools = document.getElementById("cells-tools");
  if (!fold || !table || !tools) return;
  const body = table.tBodies[0];
  const rows = Array.from(body.rows);
  const shown = document.getElementById("cells-shown");
  const boxes = Array.from(tools.querySelectorAll("input[data-status]"));
  tools.hidden = false;
  const filter = () => {
    const on = new Set(boxes.filter((box) => box.checked).map((box) => box.dataset.status));
    let count = 0;
    for (const row of rows) {
      row.hidden = !on.has(row.dataset.status);
      if (!row.hidden) count++;
    }
    shown.textContent = count + " of " + rows.length + " shown";
  };
  for (const box of boxes) box.addEventListener("change", filter);
  const headers = Array.from(table.tHead.rows[0].cells);
  headers.forEach((th, column) => {
    th.querySelector("button").addEventListener("click", () => {
      const ascending = th.getAttribute("aria-sort") !== "ascending";
      for (const h of headers) h.removeAttribute("aria-sort");
      th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
      const numeric = th.dataset.sort === "number";
      const key = (row) => {
        const cell = row.cells[column];
        if (!numeric) return cell.textContent.trim();
        return cell.dataset.value === "" || cell.dataset.value === undefined ? null : Number(cell.dataset.value);
      };
      const sorted = Array.from(body.rows).sort((a, b) => {
        const x = key(a);
        const y = key(b);
        if (x === null || y === null) return x === y ? 0 : x === null ? 1 : -1;
        const order = numeric ? x - y : x.localeCompare(y, undefined, { numeric: true });
        return ascending ? order : -order;
      });
      body.append(...sorted);
    });
  });
  const reveal = () => {
    const target = location.hash.length > 1 ? document.getElementById(decodeURIComponent(location.hash.slice(1))) : null;
    if (!target || !fold.contains(target)) return;
    fold.open = true;
    const box = boxes.find((b) => b.dataset.status === target.dataset.status);
    if (target.hidden && box) {
      box.checked = true;
      filter();
    }
    target.scrollIntoView();
  };
  window.addEventListener("hashchange", reveal);
  filter();
  reveal();
})();
`;
