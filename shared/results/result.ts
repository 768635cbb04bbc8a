// Cell results: what a Worker writes for one cell and Aggregate reads back. A result is written
// inside an envelope carrying the SHA-256 of its canonical JSON and is verified on every read:
// a corrupt or truncated object is reported as such and never used (it is recomputed).
// The result holds only deterministic content, so rewriting a cell rewrites the same bytes;
// timings live in a separate object (keys.timings).
import type { Cell } from "../spec/cell.js";
import { canonicalJson, sha256Hex } from "../spec/canonical.js";
import { keys } from "../store/layout.js";
import { StoreConflictError } from "../store/conflict.js";
import type { Store } from "../store/store.js";
import type { CellMetrics } from "./metrics.js";

export const RESULT_FORMAT = "dropsweep.result/1";

export interface CellResult {
  format: typeof RESULT_FORMAT;
  hash: string;
  kernelVersion: number;
  cell: Cell;
  /** "diverged": training blew up; the metrics say how far it got. */
  status: "ok" | "diverged";
  /** The schema of `cell.experiment`'s metrics (shared/results/metrics.ts); checkMetrics types the two together. */
  metrics: CellMetrics;
  spectra: { learned?: number[]; closedForm?: number[]; target?: number[] };
  /** Per-epoch series, e.g. `objective`; all the same length, except `blockNorm.*` (own axis `blockNorm.epoch`). */
  curves: Record<string, number[]>;
}

interface Envelope {
  sha256: string;
  result: CellResult;
}

export interface Timings {
  hash: string;
  startedAt: string;
  computeMs: number;
  /** Lambda request id or thread, for tracing. */
  worker?: string;
}

export interface CellError {
  hash: string;
  error: string;
  at: string;
}

/** The bytes of a result object: canonical JSON of the envelope. */
export function sealResult(result: CellResult): string {
  const body = canonicalJson(result);
  // = canonicalJson({ sha256, result }) (keys sorted), without serializing the result twice.
  return `{"result":${body},"sha256":"${sha256Hex(body)}"}`;
}

export type ResultRead = { state: "valid"; result: CellResult } | { state: "missing" } | { state: "corrupt"; reason: string };

/**
 * Check the stored bytes of a result without parsing them: an envelope as `sealResult` writes
 * it is `{"result":BODY,"sha256":"HEX"}` (canonical JSON: keys sorted), so its integrity is the
 * SHA-256 of the BODY bytes, and canonical key order puts `"format":...,"hash":...` side by side
 * at the top level of BODY. About 30x cheaper than parsing a 500 KB result (Plan checks every
 * stored result of a sweep). Returns undefined for intact bytes of `hash`'s result, else why not;
 * "not canonical" means only that this fast check cannot tell (openResult can).
 */
function checkResultBytes(hash: string, bytes: Uint8Array): string | undefined {
  const n = bytes.byteLength;
  if (n < PREFIX.length + SUFFIX_LENGTH || !startsWith(bytes, PREFIX, 0)) return "not canonical";
  const suffix = new TextDecoder().decode(bytes.subarray(n - SUFFIX_LENGTH));
  const match = /^,"sha256":"([0-9a-f]{64})"\}$/.exec(suffix);
  if (!match) return "not canonical";
  const body = bytes.subarray(PREFIX.length, n - SUFFIX_LENGTH);
  if (sha256Hex(body) !== match[1]) return "SHA-256 does not match the contents";
  if (
    Buffer.from(body.buffer, body.byteOffset, body.byteLength).indexOf(
      `"format":${JSON.stringify(RESULT_FORMAT)},"hash":"${hash}","kernelVersion":`,
    ) < 0
  )
    return "not canonical";
  return undefined;
}

const PREFIX = new TextEncoder().encode('{"result":');
/** `,"sha256":"` + 64 hex digits + `"}`. */
const SUFFIX_LENGTH = 11 + 64 + 2;

function startsWith(bytes: Uint8Array, prefix: Uint8Array, at: number): boolean {
  for (let i = 0; i < prefix.length; i++) if (bytes[at + i] !== prefix[i]) return false;
  return true;
}

/** Parse and verify the bytes of a result stored for `hash`. */
export function openResult(hash: string, bytes: Uint8Array): ResultRead {
  let envelope: Envelope;
  try {
    envelope = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes)) as Envelope;
  } catch (error) {
    return { state: "corrupt", reason: `not JSON (truncated?): ${(error as Error).message}` };
  }
  if (typeof envelope !== "object" || envelope === null || typeof envelope.sha256 !== "string" || typeof envelope.result !== "object")
    return { state: "corrupt", reason: "not a result envelope" };
  // Bytes as sealResult wrote them are verified as they are (no re-serialization of a result
  // that may hold 10^5 numbers); any other spelling of the same JSON is canonicalized first.
  const fast = checkResultBytes(hash, bytes);
  if (fast !== undefined && fast !== "not canonical") return { state: "corrupt", reason: fast };
  if (fast === "not canonical") {
    let body: string;
    try {
      body = canonicalJson(envelope.result);
    } catch (error) {
      return { state: "corrupt", reason: (error as Error).message };
    }
    if (sha256Hex(body) !== envelope.sha256) return { state: "corrupt", reason: "SHA-256 does not match the contents" };
  }
  const result = envelope.result;
  if (result.format !== RESULT_FORMAT) return { state: "corrupt", reason: `unknown format ${JSON.stringify(result.format)}` };
  if (result.hash !== hash) return { state: "corrupt", reason: `holds the result of cell ${result.hash}` };
  return { state: "valid", result };
}

export async function readResult(store: Store, hash: string): Promise<ResultRead> {
  const bytes = await store.get(keys.result(hash));
  return bytes === undefined ? { state: "missing" } : openResult(hash, bytes);
}

/** Is a valid result stored for `hash`? Verified (integrity and placement), not parsed. */
export async function checkStoredResult(store: Store, hash: string): Promise<"valid" | "missing" | { corrupt: string }> {
  const bytes = await store.get(keys.result(hash));
  if (bytes === undefined) return "missing";
  const fast = checkResultBytes(hash, bytes);
  if (fast === undefined) return "valid";
  const read = openResult(hash, bytes);
  return read.state === "valid" ? "valid" : { corrupt: read.state === "corrupt" ? read.reason : "missing" };
}

/**
 * Another valid result is already stored for this cell (first writer wins). Cells are
 * deterministic, so this means a kernel or experiment is not, or the store was edited by hand.
 */
export class ResultConflictError extends Error {
  constructor(readonly hash: string) {
    super(
      `a different valid result is already stored for cell ${hash}; it is kept (first writer wins). Cells should be deterministic: is an experiment not?`,
    );
    this.name = "Dropsweep.ResultConflict";
  }
}

/**
 * Write a result and, separately, its timings. The result is written with `ifAbsent` (atomic,
 * by the store): the same bytes already there are fine (a retried or duplicated worker), a
 * different valid result is kept and ResultConflictError thrown, and a corrupt object in the
 * way is replaced (it was never usable).
 */
export async function writeResult(store: Store, result: CellResult, timings?: Timings): Promise<void> {
  const key = keys.result(result.hash);
  const bytes = sealResult(result);
  try {
    await store.put(key, bytes, { ifAbsent: true, contentType: "application/json" });
  } catch (error) {
    if (!(error instanceof StoreConflictError)) throw error;
    const existing = await store.get(key);
    if (existing !== undefined && openResult(result.hash, existing).state === "valid") throw new ResultConflictError(result.hash);
    await store.put(key, bytes, { contentType: "application/json" });
  }
  // Timings are informative only (and differ every run): not worth an fsync.
  if (timings) await store.put(keys.timings(result.hash), JSON.stringify(timings), { contentType: "application/json", durable: false });
}

export async function writeCellError(store: Store, error: CellError): Promise<void> {
  await store.put(keys.error(error.hash), JSON.stringify(error), { contentType: "application/json" });
}

export async function readCellError(store: Store, hash: string): Promise<CellError | undefined> {
  const bytes = await store.get(keys.error(hash));
  if (!bytes) return undefined;
  try {
    return JSON.parse(new TextDecoder().decode(bytes)) as CellError;
  } catch {
    return undefined;
  }
}
