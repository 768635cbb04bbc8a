// The baseline a sweep is compared with (docs/CLOUD.md "4. The scheduled reproduction and its
// baseline"): a reviewed run's summary.json, promoted by hand to a key under baselines/ (the
// stack's BaselineKey for the scheduled run, or `cloud start --baseline KEY`). A deployment
// creates none, on purpose (a baseline is a run someone has looked at), so the first scheduled
// run finds none and fails, raising the alarm, until one is promoted. Aggregate's error and
// `dropsweep cloud doctor` say so in these words.
import { fileURLToPath } from "node:url";
import type { Store } from "../store/store.js";

/** Where `key` of the store opened from `storeUrl` is: s3://bucket/prefix/key, or a path. */
export function baselineLocation(storeUrl: string, key: string): string {
  const url = `${storeUrl.replace(/\/+$/, "")}/${key}`;
  return url.startsWith("file:") ? fileURLToPath(url) : url;
}

/**
 * The commands that put a reviewed run's summary at `location`. `stack` names the deployed
 * stack and `sweep` the run (a sweep id or its spec file) when the caller knows them.
 */
export function promoteBaseline(location: string, { stack = "STACK", sweep = "SWEEP" } = {}): string {
  if (!location.startsWith("s3://")) return `cp DIR/summary.json ${location}`;
  return `npx dropsweep cloud fetch ${sweep} --stack ${stack} --out DIR, then aws s3 cp DIR/summary.json ${location}`;
}

/** The error of a baseline key with nothing stored under it. */
export function missingBaselineMessage(storeUrl: string, key: string): string {
  const location = baselineLocation(storeUrl, key);
  return (
    `aggregate: no baseline at ${location}: the summary.json this sweep is compared with (its baselineKey, ${key}: ` +
    "the stack's BaselineKey for the scheduled run, or `cloud start --baseline`). A deployment creates none, on purpose, " +
    'so the first scheduled run fails here until one is promoted (docs/CLOUD.md "4. The scheduled reproduction and its baseline"); ' +
    `promote a reviewed run's summary: ${promoteBaseline(location)}`
  );
}

/** The baseline stored at `key`, parsed (not yet checked as a summary); a missing one says how to promote one. */
export async function readBaseline(store: Store, key: string): Promise<unknown> {
  const bytes = await store.get(key);
  if (!bytes) throw new Error(missingBaselineMessage(store.url, key));
  try {
    return JSON.parse(new TextDecoder().decode(bytes)) as unknown;
  } catch {
    throw new Error(`aggregate: baseline ${key} in ${store.url} is not JSON`);
  }
}
