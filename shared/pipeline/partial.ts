// A slice's partial (keys.partial): what Reduce kept of each cell of one slice (reduce.ts
// CellRecord), for Aggregate to merge. JSON Lines: a header line, then one record a line in the
// slice's grid order. The header names the format, the sweep and slice, the SHA-256 of the slice's
// rows it was made from (a partial of another plan is not this slice's) and the SHA-256 of every
// byte after it, so a damaged, truncated or stale partial is detected on read and rebuilt from
// the slice's results, never used. Written atomically by the store; rebuilt by every run.
import { sha256Hex } from "../spec/canonical.js";
import { toBytes } from "../store/conflict.js";
import { keys } from "../store/layout.js";
import type { Store } from "../store/store.js";
import type { SliceItem } from "./contract.js";
import type { CellRecord } from "./reduce.js";

/** Bump when a record's shape changes: a partial in another format is rebuilt, not read. */
const PARTIAL_FORMAT = "dropsweep.partial/1";

interface PartialHeader {
  format: string;
  sweepId: string;
  slice: number;
  /** SHA-256 of the slice's rows (SliceItem.rows.sha256) the records were made from. */
  rows: string;
  cells: number;
  /** SHA-256 of the bytes after the header line. */
  sha256: string;
}

export function encodePartial(item: SliceItem, records: readonly CellRecord[]): Uint8Array {
  const body = toBytes(records.map((record) => JSON.stringify(record) + "\n").join(""));
  const header: PartialHeader = {
    format: PARTIAL_FORMAT,
    sweepId: item.sweepId,
    slice: item.slice,
    rows: item.rows.sha256,
    cells: records.length,
    sha256: sha256Hex(body),
  };
  const head = toBytes(JSON.stringify(header) + "\n");
  const bytes = new Uint8Array(head.byteLength + body.byteLength);
  bytes.set(head, 0);
  bytes.set(body, head.byteLength);
  return bytes;
}

/** The records of `item`'s partial, or why these bytes are not them. */
export function decodePartial(item: SliceItem, bytes: Uint8Array): CellRecord[] | { damaged: string } {
  const newline = bytes.indexOf(0x0a);
  if (newline < 0) return { damaged: "no header line" };
  let header: Partial<PartialHeader>;
  try {
    header = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes.subarray(0, newline))) as Partial<PartialHeader>;
  } catch (error) {
    return { damaged: `header is not JSON (${(error as Error).message})` };
  }
  if (header.format !== PARTIAL_FORMAT) return { damaged: `format ${JSON.stringify(header.format)}, not ${PARTIAL_FORMAT}` };
  if (header.sweepId !== item.sweepId || header.slice !== item.slice)
    return { damaged: `holds slice ${header.slice} of ${header.sweepId}` };
  if (header.rows !== item.rows.sha256) return { damaged: "made from other rows (another plan of the sweep)" };
  const body = bytes.subarray(newline + 1);
  if (sha256Hex(body) !== header.sha256) return { damaged: "SHA-256 does not match the contents" };
  const text = new TextDecoder().decode(body);
  const lines = text.split("\n");
  if (lines.pop() !== "" || lines.length !== header.cells || header.cells !== item.cells)
    return { damaged: `${lines.length} records, the slice has ${item.cells} cells` };
  try {
    return lines.map((line) => JSON.parse(line) as CellRecord);
  } catch (error) {
    return { damaged: `a record is not JSON (${(error as Error).message})` };
  }
}

/** Write `item`'s partial (atomic, as every store write); returns its key. */
export async function writePartial(store: Store, item: SliceItem, records: readonly CellRecord[]): Promise<string> {
  const key = keys.partial(item.sweepId, item.slice);
  await store.put(key, encodePartial(item, records), { contentType: "application/jsonl" });
  return key;
}

/** `item`'s partial: its records, why the stored one cannot be used, or undefined when there is none. */
export async function readPartial(store: Store, item: SliceItem): Promise<CellRecord[] | { damaged: string } | undefined> {
  const bytes = await store.get(keys.partial(item.sweepId, item.slice));
  return bytes === undefined ? undefined : decodePartial(item, bytes);
}
