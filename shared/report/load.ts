// Reading what a report is made from, out of a store: the sweep's summary.json, its cell
// results (streamed, a few reads in flight, in row order) and a baseline summary named by a
// report directory, a store URL or the summary file itself. Used by `dropsweep report`; the
// Aggregate step already holds the summary and streams the results itself.
import { basename, dirname, resolve } from "node:path";
import { UsageError } from "../errors.js";
import { keys, sweepIdOfKey } from "../store/layout.js";
import { openStore, type OpenStoreOptions } from "../store/open.js";
import type { Store } from "../store/store.js";
import { summarise } from "../pipeline/aggregate.js";
import { readResult, type CellResult, type ResultRead } from "../results/result.js";
import { parseSummary, SummaryFormatError, type Summary } from "../results/summary.js";

const decoder = new TextDecoder("utf-8", { fatal: true });

/**
 * The sweep's summary, checked; a UsageError names what is missing or wrong. A summary an older
 * dropsweep wrote is not read: it is regenerated from the sweep's stored results (the claims
 * evaluated again, no cell recomputed, nothing written here), and `onRegenerated` says so.
 */
export async function loadSummary(store: Store, sweepId: string, onRegenerated: (message: string) => void = () => {}): Promise<Summary> {
  const key = keys.summary(sweepId);
  const bytes = await store.get(key);
  if (!bytes) {
    const known = await sweepsStartingWith(store, sweepId);
    if (known.length === 0) throw new UsageError(`sweep ${sweepId}: no such sweep in ${store.url}`);
    throw new UsageError(`sweep ${sweepId}: no ${key} in ${store.url} (has the sweep's Aggregate step run?)`);
  }
  try {
    return parseSummary(decoder.decode(bytes), `${store.url} ${key}`);
  } catch (error) {
    if (!(error instanceof SummaryFormatError)) throw new UsageError((error as Error).message);
    const found = error.format === undefined ? "no format field" : `format ${JSON.stringify(error.format)}`;
    let summary: Summary;
    try {
      summary = await summarise(store, sweepId);
    } catch (cause) {
      throw new UsageError(
        `${store.url} ${key}: written by another dropsweep (${found}), and cannot be regenerated from the stored results: ${(cause as Error).message}`,
      );
    }
    onRegenerated(
      `${key} was written by another dropsweep (${found}); regenerated it from the stored results (claims evaluated again, no cell recomputed)`,
    );
    return summary;
  }
}

/**
 * The full id of the sweep `id` names: itself, or the one stored sweep whose id starts with it
 * (`dropsweep run` prints the first 12 characters).
 */
export async function resolveSweepId(store: Store, id: string): Promise<string> {
  if (await store.exists(keys.summary(id))) return id;
  const matches = (await sweepsStartingWith(store, id)).filter((m) => m.length > id.length);
  if (matches.length > 1)
    throw new UsageError(
      `sweep ${id}: ambiguous in ${store.url}, it starts ${matches.length} sweep ids (${matches.slice(0, 3).join(", ")}${matches.length > 3 ? ", ..." : ""})`,
    );
  return matches[0] ?? id;
}

async function sweepsStartingWith(store: Store, id: string): Promise<string[]> {
  const ids = new Set<string>();
  for await (const key of store.list(`sweeps/${id}`)) {
    const sweep = sweepIdOfKey(key);
    if (sweep?.startsWith(id)) ids.add(sweep);
  }
  return [...ids];
}

function checkedSummary(bytes: Uint8Array, where: string): Summary {
  try {
    return parseSummary(decoder.decode(bytes), where);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

/**
 * The results of the summary's rows, verified (shared/results readResult), in row order, with
 * `concurrency` reads in flight. Absent results are skipped (the report lists them as
 * missing); corrupt ones are skipped and why recorded in `unreadable` (the reader's reason, e.g.
 * "SHA-256 does not match the contents"; the report shows them as corrupt).
 */
export async function* loadResults(
  store: Store,
  summary: Summary,
  unreadable: Map<string, string> = new Map(),
  concurrency = 16,
): AsyncIterable<CellResult> {
  const hashes = summary.rows.map((row) => row.hash);
  const inFlight: Promise<[string, ResultRead]>[] = [];
  let next = 0;
  while (next < hashes.length || inFlight.length > 0) {
    while (next < hashes.length && inFlight.length < concurrency) {
      const hash = hashes[next++]!;
      inFlight.push(readResult(store, hash).then((read) => [hash, read]));
    }
    const [hash, read] = await inFlight.shift()!;
    if (read.state === "valid") yield read.result;
    else if (read.state === "corrupt") unreadable.set(hash, read.reason);
  }
}

/**
 * A baseline summary from: a report directory (DIR/summary.json), a summary file, a file:// or
 * s3:// URL of either. Returns the summary and how to name it in the report.
 */
export async function loadBaseline(location: string, options: OpenStoreOptions = {}): Promise<{ summary: Summary; source: string }> {
  const isUrl = /^[a-z][a-z0-9+.-]*:\/\//i.test(location);
  const pointsAtFile = /\.json$/i.test(location);
  const accepted = "expected a report directory, a summary.json, or a store URL (file:///abs/dir, s3://bucket/prefix) holding one";
  let store: Store;
  let key = "summary.json";
  try {
    if (pointsAtFile) {
      key = basename(location);
      const parent = isUrl ? location.slice(0, location.length - key.length - 1) : dirname(resolve(location));
      store = openStore(parent, location.startsWith("s3://") ? options : {});
    } else {
      store = openStore(isUrl ? location : resolve(location), location.startsWith("s3://") ? options : {});
    }
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    // The store's own words ("store X: is a file, expected a directory") do not say which flag.
    const what = /: is a file, expected a directory$/.test(error.message)
      ? "is a file but not a .json summary"
      : error.message.replace(/^store \S+: /, "");
    throw new UsageError(`--baseline ${location}: ${what}; ${accepted}`);
  }
  let bytes: Uint8Array | undefined;
  try {
    bytes = await store.get(key);
  } catch (error) {
    throw new UsageError(`--baseline ${location}: cannot read ${key} (${(error as Error).message})`);
  }
  if (!bytes) throw new UsageError(`--baseline ${location}: no ${key} there; ${accepted}`);
  return { summary: checkedSummary(bytes, `--baseline ${location}`), source: location };
}
