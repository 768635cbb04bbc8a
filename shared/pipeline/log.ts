// The little the pipeline needs from a logger; Powertools' Logger (functions/) and the CLI's
// progress printer both fit it.
export interface PipelineLog {
  info(message: string, details?: Record<string, unknown>): void;
  warn(message: string, details?: Record<string, unknown>): void;
}

export const silentLog: PipelineLog = { info() {}, warn() {} };

/** Parse JSON Lines of objects (manifest, cells list); blank lines are ignored. */
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

export const HASH = /^[0-9a-f]{64}$/;
