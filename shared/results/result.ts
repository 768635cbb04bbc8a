// Cell results: what a Worker writes for one cell and Aggregate reads back. A result is written
// inside an envelope carrying the SHA-256 of its canonical JSON and is verified on every read:
// a corrupt or truncated object is reported as such and never used (it is recomputed).
// The result holds only deterministic content, so rewriting a cell rewrites the same bytes;
// timings live in a separate object (keys.timings).
import type { Cell } from "../spec/cell.js";
import { canonicalJson, sha256Hex } from "../spec/canonical.js";
import { keys } from "../pipeline/contract.js";
import type { Store } from "../store/store.js";

export const RESULT_FORMAT = "dropsweep.result/1";

/**
 * The measurements every report row shows (THEORY.md "Claims"); null where a kind of cell has
 * no such measurement (noop cells have none). Experiments add their own fields beside these.
 */
export interface CellMetrics {
  /** (final objective - closed-form minimum) / closed-form minimum. */
  objectiveGap: number | null;
  /** || learned spectrum - closed-form spectrum || / || closed-form spectrum ||. */
  spectrumError: number | null;
  /** max / min Frobenius norm of the block products U_g V_g^T (1 when balanced). */
  balanceRatio: number | null;
  learnedRank: number | null;
  closedFormRank: number | null;
  /** Enough blocks to attain the closed form (THEORY.md "Representability"). */
  representable: boolean | null;
  [measurement: string]: unknown;
}

export interface CellResult {
  format: typeof RESULT_FORMAT;
  hash: string;
  kernelVersion: number;
  cell: Cell;
  /** "diverged": training blew up; the metrics say how far it got. */
  status: "ok" | "diverged";
  metrics: CellMetrics;
  spectra: { learned?: number[]; closedForm?: number[]; target?: number[] };
  /** Per-epoch series, e.g. `objective`; all the same length. */
  curves: Record<string, number[]>;
}

export interface Envelope {
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

export const emptyMetrics = (): CellMetrics => ({
  objectiveGap: null,
  spectrumError: null,
  balanceRatio: null,
  learnedRank: null,
  closedFormRank: null,
  representable: null,
});

/** The bytes of a result object: canonical JSON of the envelope. */
export function sealResult(result: CellResult): string {
  const body = canonicalJson(result);
  return canonicalJson({ sha256: sha256Hex(body), result } satisfies Envelope);
}

export type ResultRead =
  | { state: "valid"; result: CellResult }
  | { state: "missing" }
  | { state: "corrupt"; reason: string };

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
  let body: string;
  try {
    body = canonicalJson(envelope.result);
  } catch (error) {
    return { state: "corrupt", reason: (error as Error).message };
  }
  if (sha256Hex(body) !== envelope.sha256) return { state: "corrupt", reason: "SHA-256 does not match the contents" };
  const result = envelope.result;
  if (result.format !== RESULT_FORMAT) return { state: "corrupt", reason: `unknown format ${JSON.stringify(result.format)}` };
  if (result.hash !== hash) return { state: "corrupt", reason: `holds the result of cell ${result.hash}` };
  return { state: "valid", result };
}

export async function readResult(store: Store, hash: string): Promise<ResultRead> {
  const bytes = await store.get(keys.result(hash));
  return bytes === undefined ? { state: "missing" } : openResult(hash, bytes);
}

/** Write a result (atomically, by the store) and, separately, its timings. */
export async function writeResult(store: Store, result: CellResult, timings?: Timings): Promise<void> {
  await store.put(keys.result(result.hash), sealResult(result), { contentType: "application/json" });
  if (timings) await store.put(keys.timings(result.hash), JSON.stringify(timings), { contentType: "application/json" });
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
