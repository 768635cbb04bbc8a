// Canonical JSON and SHA-256: the identity of cells, sweeps and results. Object keys are sorted
// (by UTF-16 code unit, as JSON.stringify's default comparison would), numbers use JavaScript's
// shortest round-trip form, and non-finite numbers are refused rather than silently written as
// null, so equal values always give equal bytes and a NaN cannot hide in a result.
import { createHash } from "node:crypto";

export function canonicalJson(value: unknown): string {
  return write(value, "$");
}

function write(value: unknown, where: string): string {
  if (value === null) return "null";
  switch (typeof value) {
    case "number":
      if (!Number.isFinite(value)) throw new Error(`canonicalJson: non-finite number ${value} at ${where}`);
      return JSON.stringify(value);
    case "string":
    case "boolean":
      return JSON.stringify(value);
    case "object": {
      if (Array.isArray(value)) return `[${value.map((v, i) => write(v, `${where}[${i}]`)).join(",")}]`;
      if (ArrayBuffer.isView(value)) return write(Array.from(value as unknown as ArrayLike<number>), where);
      const entries = Object.keys(value as object)
        .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
        .sort()
        .map((k) => `${JSON.stringify(k)}:${write((value as Record<string, unknown>)[k], `${where}.${k}`)}`);
      return `{${entries.join(",")}}`;
    }
    default:
      throw new Error(`canonicalJson: cannot encode ${typeof value} at ${where}`);
  }
}

export function sha256Hex(data: string | Uint8Array): string {
  return createHash("sha256").update(data).digest("hex");
}
