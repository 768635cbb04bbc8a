// JSON Lines (one JSON value a line), the format of a sweep's cell list and manifest and of the
// cell definitions bundles (shared/store/layout.ts).

/** Parse JSON Lines of objects; blank lines are ignored. `what` names the text in errors. */
export function parseJsonLines<T>(text: string, what: string): T[] {
  const out: T[] = [];
  text.split("\n").forEach((line, i) => {
    if (!line.trim()) return;
    try {
      out.push(JSON.parse(line) as T);
    } catch {
      throw new Error(`${what}: line ${i + 1} is not JSON`);
    }
  });
  return out;
}

export function jsonLines(items: readonly unknown[]): string {
  return items.map((item) => JSON.stringify(item) + "\n").join("");
}
