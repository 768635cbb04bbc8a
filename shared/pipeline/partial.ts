// A slice's partial (keys.partial): what Reduce kept of each cell of one slice (reduce.ts
// CellRecord), for Aggregate to merge. JSON Lines: a header line, then one record a line in the
// slice's grid order. The header names the format, the sweep and slice, the SHA-256 of the slice's
// rows it was made from (a partial of another plan is not this slice's) and the SHA-256 of every
// byte after it, so a damaged, truncated or stale partial is detected on read and rebuilt from
// the slice's results, never used. Written atomically by the store; rebuilt by every run.
import * as z from "zod";
import type { CellEvidence } from "../claims/evidence.js";
import { parseJsonLines } from "../jsonLines.js";
import { checkMetrics } from "../results/metrics.js";
import { summaryRowSchema } from "../results/summary.js";
import { sha256Hex, sha256HexSchema } from "../spec/canonical.js";
import { experimentKinds, type Cell } from "../spec/cell.js";
import { toBytes } from "../store/conflict.js";
import { checkDocument } from "../store/document.js";
import { keys } from "../store/layout.js";
import type { Store } from "../store/store.js";
import type { SliceItem } from "./contract.js";
import type { CellRecord } from "./reduce.js";

/** Bump when a record's shape changes: a partial in another format is rebuilt, not read. */
const PARTIAL_FORMAT = "dropsweep.partial/1";

const partialHeaderSchema = z.object({
  format: z.literal(PARTIAL_FORMAT),
  sweepId: z.string(),
  slice: z.number().int().nonnegative(),
  /** SHA-256 of the slice's rows (SliceItem.rows.sha256) the records were made from. */
  rows: sha256HexSchema,
  cells: z.number().int().nonnegative(),
  /** SHA-256 of the bytes after the header line. */
  sha256: sha256HexSchema,
});
type PartialHeader = z.infer<typeof partialHeaderSchema>;

/**
 * One record line (reduce.ts CellRecord). Its row is checked in full; of the evidence, the shape
 * and its metrics against the cell's experiment (checkMetrics). The cell itself is not resolved
 * again (~40 us a cell: seconds for a large sweep): it is the cell of a result Reduce verified,
 * and the partial's SHA-256 covers every byte since.
 */
const cellRecordSchema = z
  .object({
    row: summaryRowSchema,
    evidence: z
      .looseObject({
        kind: z.enum(["linear", "deep", "noop"]),
        hash: sha256HexSchema,
        status: z.enum(["ok", "diverged"]),
        cell: z.looseObject({ experiment: z.enum(experimentKinds) }),
        metrics: z.unknown(),
      })
      .optional(),
    facts: z.looseObject({ hash: sha256HexSchema, status: z.string() }).optional(),
    unreadable: z.string().optional(),
  })
  .transform((record, context): CellRecord => {
    const { evidence, ...rest } = record;
    if (!evidence) return rest as CellRecord;
    const typed = checkMetrics(evidence.cell as Cell, evidence.metrics);
    if ("problems" in typed || typed.kind !== evidence.kind) {
      const problems =
        "problems" in typed ? typed.problems : [`kind: ${evidence.kind}, but the cell is a ${evidence.cell.experiment} cell`];
      for (const problem of problems)
        context.addIssue({ code: "custom", path: ["evidence"], message: problem, params: { complete: true } });
      return z.NEVER;
    }
    return { ...rest, evidence: { ...(evidence as unknown as CellEvidence), ...typed } } as CellRecord;
  });

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
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes.subarray(0, newline)));
  } catch (error) {
    return { damaged: `header is not JSON (${(error as Error).message})` };
  }
  // Another format first: its fields may be anything.
  const format = (value as { format?: unknown } | null)?.format;
  if (format !== PARTIAL_FORMAT) return { damaged: `format ${JSON.stringify(format)}, not ${PARTIAL_FORMAT}` };
  const checked = checkDocument(partialHeaderSchema, value);
  if (!checked.ok) return { damaged: `header: ${checked.problem}` };
  const header = checked.value;
  if (header.sweepId !== item.sweepId || header.slice !== item.slice)
    return { damaged: `holds slice ${header.slice} of ${header.sweepId}` };
  if (header.rows !== item.rows.sha256) return { damaged: "made from other rows (another plan of the sweep)" };
  const body = bytes.subarray(newline + 1);
  if (sha256Hex(body) !== header.sha256) return { damaged: "SHA-256 does not match the contents" };
  const text = new TextDecoder().decode(body);
  const lines = text.split("\n");
  if (lines.pop() !== "" || lines.length !== header.cells || header.cells !== item.cells)
    return { damaged: `${lines.length} records, the slice has ${item.cells} cells` };
  const records = parseJsonLines(text, cellRecordSchema);
  return records.ok ? records.value : { damaged: `record ${records.problem}` };
}

/** Write `item`'s partial (atomic, as every store write); returns its key. */
export async function writePartial(store: Store, item: SliceItem, records: readonly CellRecord[]): Promise<string> {
  const key = keys.partial(item.sweepId, item.slice);
  await store.put(key, encodePartial(item, records), { contentType: "application/jsonl" });
  return key;
}

/** `item`'s partial: its records, why the stored one cannot be used (and its key), or undefined when there is none. */
export async function readPartial(store: Store, item: SliceItem): Promise<CellRecord[] | { damaged: string; key: string } | undefined> {
  const key = keys.partial(item.sweepId, item.slice);
  const bytes = await store.get(key);
  if (bytes === undefined) return undefined;
  const records = decodePartial(item, bytes);
  return Array.isArray(records) ? records : { ...records, key };
}
