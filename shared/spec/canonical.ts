// Canonical JSON and SHA-256: the identity of cells, sweeps and results. Object keys are sorted
// (by UTF-16 code unit, as JSON.stringify's default comparison would), numbers use JavaScript's
// shortest round-trip form, and non-finite numbers are refused rather than silently written as
// null, so equal values always give equal bytes and a NaN cannot hide in a result.
//
// Hot path of planning (100,000 cells are hashed, then listed in the sweep id): the writer
// builds no path strings while it works (the path of a refused value is found again only when
// one is refused), and a `CanonicalCache` reuses the text of sub-objects shared by many cells.
import * as crypto from "node:crypto";
import * as z from "zod";

/**
 * Canonical text of objects by identity, for values that share sub-objects (the cells of one
 * grid combination share every field but their seed). Only for objects that are not changed
 * while the cache is in use: keep one for the duration of one computation.
 */
export type CanonicalCache = WeakMap<object, string>;

export function canonicalJson(value: unknown, cache?: CanonicalCache): string {
  try {
    return write(value, cache);
  } catch (error) {
    if (error instanceof NotCanonical)
      throw new Error(`canonicalJson: ${error.message} at ${locate(value, error.value)}`, { cause: error });
    throw error;
  }
}

class NotCanonical extends Error {
  constructor(
    message: string,
    readonly value: unknown,
  ) {
    super(message);
  }
}

function write(value: unknown, cache: CanonicalCache | undefined): string {
  if (value === null) return "null";
  switch (typeof value) {
    case "number":
      if (!Number.isFinite(value)) throw new NotCanonical(`non-finite number ${value}`, value);
      return String(value); // = JSON.stringify for finite numbers (-0 included: "0")
    case "string":
    case "boolean":
      return JSON.stringify(value);
    case "object": {
      const cached = cache?.get(value);
      if (cached !== undefined) return cached;
      return writeObject(value, cache);
    }
    default:
      throw new NotCanonical(`cannot encode ${typeof value}`, value);
  }
}

function writeObject(value: object, cache: CanonicalCache | undefined): string {
  if (Array.isArray(value)) {
    // Curves are long arrays of numbers (20,000 per curve in the paper sweep): join them at once.
    if (value.every((x) => typeof x === "number" && Number.isFinite(x))) return `[${value.join(",")}]`;
    let text = "[";
    for (let i = 0; i < value.length; i++) text += (i ? "," : "") + write(value[i], cache);
    return `${text}]`;
  }
  if (ArrayBuffer.isView(value)) return write(Array.from(value as unknown as ArrayLike<number>), undefined);
  const record = value as Record<string, unknown>;
  let text = "{";
  let first = true;
  for (const name of Object.keys(record).sort()) {
    const v = record[name];
    if (v === undefined) continue;
    text += `${first ? "" : ","}${JSON.stringify(name)}:${write(v, cache)}`;
    first = false;
  }
  return `${text}}`;
}

/**
 * Put the canonical text of every object inside `value` (not `value` itself) in `cache`, for
 * values whose sub-objects many others share. Refused values throw as in `canonicalJson`.
 */
export function shareCanonical(cache: CanonicalCache, value: object): void {
  const visit = (node: unknown) => {
    if (node === null || typeof node !== "object" || ArrayBuffer.isView(node) || cache.has(node)) return;
    for (const child of Object.values(node)) visit(child);
    cache.set(node, writeObject(node, cache));
  };
  try {
    for (const child of Object.values(value)) visit(child);
  } catch (error) {
    if (error instanceof NotCanonical)
      throw new Error(`canonicalJson: ${error.message} at ${locate(value, error.value)}`, { cause: error });
    throw error;
  }
}

/** Where `target` sits in `value`, as `$.a[0].b` (only called to explain a refused value). */
function locate(value: unknown, target: unknown, where = "$"): string {
  if (Object.is(value, target)) return where;
  if (value === null || typeof value !== "object") return "";
  if (Array.isArray(value) || ArrayBuffer.isView(value)) {
    const items = Array.from(value as unknown as ArrayLike<unknown>);
    for (let i = 0; i < items.length; i++) {
      const found = locate(items[i], target, `${where}[${i}]`);
      if (found) return found;
    }
    return "";
  }
  for (const name of Object.keys(value).sort()) {
    const found = locate((value as Record<string, unknown>)[name], target, `${where}.${name}`);
    if (found) return found;
  }
  return "";
}

// One-shot `crypto.hash` (Node >= 20.12) is twice as fast as a Hash object for small inputs.
const oneShot = (crypto as { hash?: (algorithm: string, data: string | Uint8Array, encoding: "hex") => string }).hash;

/** What `sha256Hex` writes: 64 lowercase hex digits (cell hashes, sweep ids, bundle names). */
export const SHA256_HEX = /^[0-9a-f]{64}$/;

/** A SHA-256 as `sha256Hex` writes it, in a schema: the one check of a hash in events, summaries and claims. */
export const sha256HexSchema = z.string().regex(SHA256_HEX, "expected a SHA-256 in hex (64 lowercase digits)");

export function sha256Hex(data: string | Uint8Array): string {
  return oneShot ? oneShot("sha256", data, "hex") : crypto.createHash("sha256").update(data).digest("hex");
}
