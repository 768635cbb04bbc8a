// JSON Lines (one JSON value a line), the format of a sweep's cell list and manifest and of the
// cell definitions bundles (shared/store/layout.ts).
import type * as z from "zod";
import { parseDocument, type Checked } from "./store/document.js";

/**
 * Parse JSON Lines, each line checked against `schema`; blank lines are ignored. The problem
 * names the first line that is not JSON or not the schema's, and the field.
 */
export function parseJsonLines<S extends z.ZodType>(text: string, schema: S): Checked<z.output<S>[]> {
  const out: z.output<S>[] = [];
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    if (!lines[i]!.trim()) continue;
    const line = parseDocument(schema, lines[i]!);
    if (!line.ok) return { ok: false, problem: `line ${i + 1}: ${line.problem}` };
    out.push(line.value);
  }
  return { ok: true, value: out };
}

export function jsonLines(items: readonly unknown[]): string {
  return items.map((item) => JSON.stringify(item) + "\n").join("");
}
