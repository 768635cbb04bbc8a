// Numbers and text as the report prints them: 4 significant digits, exponents for tiny and
// huge values, and HTML escaping for anything that came from a spec or a result.

export function formatQuantity(value: unknown): string {
  if (value === null || value === undefined) return "—";
  if (typeof value === "number") {
    if (Number.isNaN(value)) return "NaN";
    if (!Number.isFinite(value)) return value > 0 ? "∞" : "−∞";
    if (Number.isInteger(value) && Math.abs(value) < 1e6) return String(value);
    const magnitude = Math.abs(value);
    // Exponent form without trailing zeros: 1e-9, 3e-7, 5.12e-16.
    if (magnitude !== 0 && (magnitude < 1e-3 || magnitude >= 1e6)) return value.toExponential(2).replace(/\.?0+e/, "e");
    return String(Number(value.toPrecision(4)));
  }
  if (typeof value === "boolean") return value ? "yes" : "no";
  if (typeof value === "string") return value;
  return JSON.stringify(value);
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);
}

/** Markdown table cells: pipes and newlines would break the row. */
export function escapeMarkdownCell(text: string): string {
  return text.replace(/\|/g, "\\|").replace(/\r?\n/g, " ");
}

/** A probability as a percentage with two significant digits (0.27%, 4.2%). */
export function formatPercent(probability: number): string {
  return `${Number((100 * probability).toPrecision(2))}%`;
}
