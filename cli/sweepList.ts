// The sweeps a store holds, listed for a person who did not give one (`dropsweep report`
// without an id, or with one the store does not have): id, name and whether it has a report.
import { parse } from "yaml";
import { keys, sweepIdOfKey } from "../shared/store/layout.js";
import type { Store } from "../shared/store/store.js";

export interface StoredSweep {
  id: string;
  /** The spec's `name`, when its spec.yaml can be read. */
  name?: string;
  /** Aggregate has written its summary.json (a report can be written). */
  summarized: boolean;
}

/** Every sweep under sweeps/ in `store`, by name then id. */
export async function storedSweeps(store: Store): Promise<StoredSweep[]> {
  const found = new Map<string, StoredSweep>();
  for await (const key of store.list("sweeps/")) {
    const id = sweepIdOfKey(key);
    if (!id) continue;
    const sweep = found.get(id) ?? { id, summarized: false };
    if (key === keys.summary(id)) sweep.summarized = true;
    found.set(id, sweep);
  }
  for (const sweep of found.values()) {
    try {
      const name = (parse(new TextDecoder().decode(await store.get(keys.spec(sweep.id)))) as { name?: unknown } | null)?.name;
      if (typeof name === "string") sweep.name = name;
    } catch {
      // Unreadable spec: listed by id alone.
    }
  }
  return [...found.values()].sort((a, b) => (a.name ?? "").localeCompare(b.name ?? "") || a.id.localeCompare(b.id));
}

/**
 * The lines that follow "no SWEEP given" or "no such sweep": the sweeps of `store` (at most
 * `limit`), and how to name another store.
 */
export function sweepListing(sweeps: readonly StoredSweep[], where: string, limit = 20): string {
  const another = "another store: --out DIR or --store URL (s3://bucket/prefix --endpoint URL)";
  if (sweeps.length === 0) return `  no sweeps in ${where}; ${another}`;
  const width = Math.max(...sweeps.map((s) => (s.name ?? "").length));
  const lines = sweeps
    .slice(0, limit)
    .map(
      (s) =>
        `    ${s.id.slice(0, 12)}  ${(s.name ?? "").padEnd(width)}  ${s.summarized ? "report" : "no summary yet (run its spec again to finish it)"}`,
    );
  if (sweeps.length > limit) lines.push(`    ... and ${sweeps.length - limit} more`);
  return [`  sweeps in ${where} (${another}):`, ...lines].join("\n");
}
