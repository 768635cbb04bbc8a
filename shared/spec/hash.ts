// Content addresses (ARCHITECTURE.md "Plan"): a cell's hash is the SHA-256 (hex) of the
// canonical JSON of the cell together with the kernel version, so a cell computed once is
// found again by any sweep that contains it, and a new kernel recomputes everything.
import type { Cell } from "./cell.js";
import { canonicalJson, sha256Hex, type CanonicalCache } from "./canonical.js";

/** A cell's definition, one line of a bundle at `keys.definitions(bundle)`; its SHA-256 is the cell's hash. */
export interface CellDocument {
  cell: Cell;
  kernelVersion: number;
}

/** `cache`: canonical text of sub-objects shared between cells (shared/spec/canonical.ts). */
export function cellDocumentText(cell: Cell, kernelVersion: number, cache?: CanonicalCache): string {
  return canonicalJson({ cell, kernelVersion } satisfies CellDocument, cache);
}

export function cellHash(cell: Cell, kernelVersion: number, cache?: CanonicalCache): string {
  return sha256Hex(cellDocumentText(cell, kernelVersion, cache));
}

/** A cell document read back from a store: its bytes must hash to the name it is stored under. */
export function verifyCellDocument(hash: string, bytes: Uint8Array): CellDocument | string {
  if (sha256Hex(bytes) !== hash) return `cell definition does not hash to ${hash} (corrupt or edited)`;
  try {
    return JSON.parse(new TextDecoder().decode(bytes)) as CellDocument;
  } catch (error) {
    return `cell definition is not JSON: ${(error as Error).message}`;
  }
}
