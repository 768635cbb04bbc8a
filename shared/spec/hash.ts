// Content addresses (ARCHITECTURE.md "Plan"): a cell's hash is the SHA-256 (hex) of the
// canonical JSON of the cell together with the kernel version, so a cell computed once is
// found again by any sweep that contains it, and a new kernel recomputes everything.
import * as z from "zod";
import { parseDocument } from "../store/document.js";
import { resolveCell, type Cell } from "./cell.js";
import { canonicalJson, sha256Hex, type CanonicalCache } from "./canonical.js";
import { formatProblem } from "./problems.js";

/**
 * A cell as stored in a cell document or a result: valid as the cell of a spec is (resolveCell,
 * whose problems name each field), and kept as stored (a resolved cell resolves to itself).
 */
export const storedCellSchema = z.custom<Cell>().superRefine((raw, context) => {
  const check = resolveCell(raw);
  if (!check.ok)
    for (const problem of check.problems) context.addIssue({ code: "custom", message: formatProblem(problem), params: { complete: true } });
});

/** A cell's definition, one line of a bundle at `keys.definitions(bundle)`; its SHA-256 is the cell's hash. */
const cellDocumentSchema = z.strictObject({ cell: storedCellSchema, kernelVersion: z.number().int().nonnegative() });
export type CellDocument = z.infer<typeof cellDocumentSchema>;

/** `cache`: canonical text of sub-objects shared between cells (shared/spec/canonical.ts). */
export function cellDocumentText(cell: Cell, kernelVersion: number, cache?: CanonicalCache): string {
  return canonicalJson({ cell, kernelVersion } satisfies CellDocument, cache);
}

export function cellHash(cell: Cell, kernelVersion: number, cache?: CanonicalCache): string {
  return sha256Hex(cellDocumentText(cell, kernelVersion, cache));
}

/** A cell document read back from a store: its bytes must hash to the name it is stored under, and be a cell document. */
export function verifyCellDocument(hash: string, bytes: Uint8Array): CellDocument | string {
  if (sha256Hex(bytes) !== hash) return `cell definition does not hash to ${hash} (corrupt or edited)`;
  const document = parseDocument(cellDocumentSchema, new TextDecoder().decode(bytes));
  return document.ok ? document.value : `not a cell definition: ${document.problem}`;
}
