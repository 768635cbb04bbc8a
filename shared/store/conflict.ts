// Raised by `put(key, body, { ifAbsent: true })` when `key` already holds different bytes.
export class StoreConflictError extends Error {
  constructor(
    readonly url: string,
    readonly key: string,
  ) {
    super(`${url}: ${key} already exists with different contents (ifAbsent)`);
    this.name = "StoreConflictError";
  }
}

/** Keys are "/"-separated, relative, without empty, "." or ".." segments. */
export function checkKey(key: string): void {
  if (!key || key.startsWith("/") || key.split("/").some((s) => s === "" || s === "." || s === ".."))
    throw new Error(`store: invalid key ${JSON.stringify(key)}`);
}

export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.byteLength !== b.byteLength) return false;
  for (let i = 0; i < a.byteLength; i++) if (a[i] !== b[i]) return false;
  return true;
}

export function toBytes(body: Uint8Array | string): Uint8Array {
  return typeof body === "string" ? new TextEncoder().encode(body) : body;
}
