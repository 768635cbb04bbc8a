// Slices (ARCHITECTURE.md "Reduce"): the sweep's cells cut into stretches of CELLS_PER_SLICE
// cells of grid order, so that no invocation after the Workers reads more than one stretch of
// results. Plan writes every cell once as its summary row starts (keys.rows: hash, parameters,
// whether this plan left it to compute) and one item per slice (keys.slices: where its lines
// are, and their SHA-256); the Reduce map runs one Reduce per item, which reads its lines by
// byte range and refuses them unless their SHA-256 is the item's.
import { jsonLines, parseJsonLines } from "../jsonLines.js";
import { canonicalJson, sha256Hex } from "../spec/canonical.js";
import type { ResolvedSweep } from "../spec/spec.js";
import { toBytes } from "../store/conflict.js";
import { keys } from "../store/layout.js";
import type { Store } from "../store/store.js";
import { sliceItemSchema, sliceRowSchema, type CellReference, type ManifestItem, type SliceItem, type SliceRow } from "./contract.js";

/**
 * Cells per slice: one Reduce reads this many results (about 1-3 s against S3 with 16 reads in
 * flight, docs/BENCHMARKS.md "Aggregate at scale"), and Aggregate merges one partial per slice.
 */
const CELLS_PER_SLICE = 1000;

/** A cell of the sweep as Plan knows it: its hash and its value of every axis. */
export interface SlicedCell {
  hash: string;
  parameters: Record<string, unknown>;
}

/**
 * The bytes of `rows.jsonl` and the slices over them, for the sweep's cells in grid order and the
 * hashes this plan left to compute. Each line is canonical JSON (the parameters' keys sorted, as
 * in resolved.json, so a summary row reads the same however it was built).
 */
export function sliceSweep(
  sweepId: string,
  cells: readonly SlicedCell[],
  pending: ReadonlySet<string>,
  cellsPerSlice = CELLS_PER_SLICE,
): { rows: Uint8Array; items: SliceItem[] } {
  const lines = cells.map((c) => toBytes(canonicalJson({ hash: c.hash, parameters: c.parameters, pending: pending.has(c.hash) }) + "\n"));
  const rows = new Uint8Array(lines.reduce((n, line) => n + line.byteLength, 0));
  const items: SliceItem[] = [];
  let offset = 0;
  for (let first = 0; first < lines.length; first += cellsPerSlice) {
    const start = offset;
    const stretch = lines.slice(first, first + cellsPerSlice);
    for (const line of stretch) {
      rows.set(line, offset);
      offset += line.byteLength;
    }
    items.push({
      sweepId,
      slice: items.length,
      first,
      cells: stretch.length,
      rows: { offset: start, length: offset - start, sha256: sha256Hex(rows.subarray(start, offset)) },
    });
  }
  return { rows, items };
}

/** Plan's part: write `rows.jsonl`, then `slices.jsonl` (so no slice ever names rows not written yet). */
export async function writeSlices(
  store: Store,
  sweepId: string,
  cells: readonly SlicedCell[],
  pending: ReadonlySet<string>,
  cellsPerSlice = CELLS_PER_SLICE,
): Promise<SliceItem[]> {
  const { rows, items } = sliceSweep(sweepId, cells, pending, cellsPerSlice);
  await store.put(keys.rows(sweepId), rows, { contentType: "application/jsonl" });
  await store.put(keys.slices(sweepId), jsonLines(items), { contentType: "application/jsonl" });
  return items;
}

/** A sweep's slices as the last plan wrote them, or undefined when it wrote none (a plan by an older dropsweep). */
export async function readSlices(store: Store, sweepId: string): Promise<SliceItem[] | undefined> {
  const key = keys.slices(sweepId);
  const bytes = await store.get(key);
  if (bytes === undefined) return undefined;
  return parseJsonLines<unknown>(new TextDecoder().decode(bytes), key).map((line, i) => {
    const parsed = sliceItemSchema.safeParse(line);
    if (!parsed.success || parsed.data.sweepId !== sweepId || parsed.data.slice !== i)
      throw new Error(`${key} in ${store.url}: line ${i + 1} is not slice ${i} of sweep ${sweepId}; plan the sweep again`);
    return parsed.data;
  });
}

/**
 * The rows of one slice, read by byte range from `rows.jsonl` (or from `rows`, bytes already in
 * hand) and refused unless their SHA-256 and count are the item's. Throws with what to do.
 */
export async function readSliceRows(store: Store, item: SliceItem, rows?: Uint8Array): Promise<SliceRow[]> {
  const key = keys.rows(item.sweepId);
  const { offset, length, sha256 } = item.rows;
  const bytes = rows ? rows.subarray(offset, offset + length) : await store.getRange(key, offset, length);
  const where = `${key} bytes ${offset}-${offset + length - 1} (slice ${item.slice})`;
  if (bytes === undefined) throw new Error(`no ${key} in ${store.url}; plan the sweep again`);
  if (bytes.byteLength !== length || sha256Hex(bytes) !== sha256)
    throw new Error(`${where} in ${store.url}: not the bytes the slice names (damaged or replaced by another plan); plan the sweep again`);
  const parsed = parseJsonLines<unknown>(new TextDecoder().decode(bytes), where).map((line) => sliceRowSchema.parse(line));
  if (parsed.length !== item.cells) throw new Error(`${where}: ${parsed.length} rows, the slice says ${item.cells}`);
  return parsed;
}

/**
 * The slices of a sweep planned by an older dropsweep (no slices.jsonl), built in memory from
 * what it did write (resolved.json, cells.jsonl, the manifest): for regenerating its summary.
 */
export async function slicesOfOlderPlan(store: Store, sweepId: string): Promise<{ items: SliceItem[]; rows: Uint8Array }> {
  const text = async (key: string) => {
    const bytes = await store.get(key);
    if (!bytes) throw new Error(`${key} is missing from ${store.url} (has Plan run for this sweep?)`);
    return new TextDecoder().decode(bytes);
  };
  let resolved: ResolvedSweep;
  try {
    resolved = JSON.parse(await text(keys.resolved(sweepId))) as ResolvedSweep;
  } catch (error) {
    if (error instanceof SyntaxError) throw new Error(`${keys.resolved(sweepId)} in ${store.url} is not JSON`, { cause: error });
    throw error;
  }
  const cells = parseJsonLines<CellReference>(await text(keys.cells(sweepId)), keys.cells(sweepId));
  const manifest = parseJsonLines<ManifestItem>(await text(keys.manifest(sweepId)), keys.manifest(sweepId));
  const parameters = new Map(resolved.cells.map((c) => [c.hash, c.parameters]));
  return sliceSweep(
    sweepId,
    cells.map(({ hash }) => ({ hash, parameters: parameters.get(hash) ?? {} })),
    new Set(manifest.map((m) => m.hash)),
  );
}
