// Mask sampling for every family of shared/masks.ts (THEORY.md "Mask families"), on the wasm
// samplers (wasm/assembly/masks.ts: the RNG layout of each family is documented there).
// Mask i of (seed, stream, substream) is the same whatever else was drawn, so a training run,
// a Monte Carlo check and a test all see the same masks for the same indices.
import { engine, type Workspace } from "./engine.js";
import { maskProblemLines, type MaskFamily } from "../masks.js";
import { Stream, type StreamId, selectStream } from "./rng.js";
import { MaskFamilyCode } from "../../wasm/assembly/layout.js";

/** Family codes of the wasm sampler (the shared table, wasm/assembly/layout.ts). */
const familyCode = {
  dropout: MaskFamilyCode.Dropout,
  dropblock: MaskFamilyCode.DropBlock,
  dropconnect: MaskFamilyCode.DropConnect,
  "contiguous-dropblock": MaskFamilyCode.ContiguousDropBlock,
  custom: MaskFamilyCode.Custom,
} as const satisfies Record<MaskFamily["family"], MaskFamilyCode>;

/**
 * Check a family against r hidden units with the one mask schema (shared/masks.ts). Returns the
 * problems as messages naming the field; empty when the family is usable.
 */
export function maskFamilyProblems(mask: MaskFamily, hiddenUnits: number): string[] {
  return maskProblemLines(mask, hiddenUnits);
}

export function assertMaskFamily(mask: MaskFamily, hiddenUnits: number): void {
  const problems = maskFamilyProblems(mask, hiddenUnits);
  if (problems.length) throw new RangeError(problems.join("; "));
}

/** Pointers to the custom family's table in wasm memory (zeros for other families). */
interface MaskTable {
  patterns: number;
  cumulative: number;
  count: number;
}

/** Copy a custom family's patterns and cumulative probabilities into the workspace. */
function putMaskTable(ws: Workspace, mask: MaskFamily): MaskTable {
  if (mask.family !== "custom") return { patterns: 0, cumulative: 0, count: 0 };
  const width = mask.patterns[0]!.length;
  const patterns = ws.alloc(mask.patterns.length * width);
  const bytes = new Uint8Array(ws.memory.buffer, patterns, mask.patterns.length * width);
  mask.patterns.forEach((p, i) => bytes.set(p, i * width));
  let running = 0;
  const cum = mask.probabilities.map((p) => (running += p));
  cum[cum.length - 1] = 1; // the last pattern takes whatever rounding left over
  const cumulative = ws.putF64(cum);
  return { patterns, cumulative, count: mask.patterns.length };
}

/** A family as the kernels take it: code, block size (1 without blocks), DropConnect layer, table. */
export interface MaskKernelFields {
  family: MaskFamilyCode;
  blockSize: number;
  /** 1 for DropConnect on the last layer, else 0. */
  lastLayer: number;
  table: MaskTable;
}

/** The kernel fields of a family, its custom table copied into the workspace. */
export function maskKernelFields(ws: Workspace, mask: MaskFamily): MaskKernelFields {
  return {
    family: familyCode[mask.family],
    blockSize: mask.family === "dropblock" || mask.family === "contiguous-dropblock" ? mask.blockSize : 1,
    lastLayer: mask.family === "dropconnect" && mask.layer === "last" ? 1 : 0,
    table: putMaskTable(ws, mask),
  };
}

/** Run the wasm sampler into `out` (count x width values of 0 or `scale`). Stream already selected. */
function sampleMasksOnPointers(
  ws: Workspace,
  dtype: "f32" | "f64",
  out: number,
  count: number,
  width: number,
  mask: MaskFamily,
  scale: number,
  firstMask: number,
  table: MaskTable,
): void {
  const kernel = dtype === "f32" ? ws.kernels.sampleMasksF32 : ws.kernels.sampleMasksF64;
  const blockSize = mask.family === "dropblock" || mask.family === "contiguous-dropblock" ? mask.blockSize : 1;
  kernel(
    out,
    count,
    width,
    familyCode[mask.family],
    mask.keepProbability,
    blockSize,
    scale,
    firstMask,
    table.patterns,
    table.cumulative,
    table.count,
  );
}

export interface MaskDraw {
  /** Mask vectors are over this many hidden units (r). */
  hiddenUnits: number;
  /** How many masks to draw. */
  count: number;
  seed: number;
  /** @default Stream.mask */
  stream?: StreamId;
  /** @default 0 */
  substream?: number;
  /** Index of the first mask. @default 0 */
  firstMask?: number;
  /**
   * dropconnect only: rows of the masked weight matrix (d for the first layer V, m for the
   * last layer U); each mask is then rows x hiddenUnits, row-major.
   */
  weightRows?: number;
}

/**
 * Draw 0/1 masks: a Uint8Array of count x width (width = hiddenUnits, or weightRows x
 * hiddenUnits for dropconnect), mask i in row i.
 */
export function sampleMasks(mask: MaskFamily, draw: MaskDraw): Uint8Array {
  const { hiddenUnits, count, seed, stream = Stream.mask, substream = 0, firstMask = 0 } = draw;
  assertMaskFamily(mask, hiddenUnits);
  if (!Number.isInteger(count) || count < 0) throw new RangeError(`count must be a non-negative integer, got ${count}`);
  if (!Number.isInteger(firstMask) || firstMask < 0) throw new RangeError(`firstMask must be a non-negative integer, got ${firstMask}`);
  const rows = mask.family === "dropconnect" ? (draw.weightRows ?? 1) : 1;
  if (!Number.isInteger(rows) || rows < 1) throw new RangeError(`weightRows must be a positive integer, got ${rows}`);
  const width = rows * hiddenUnits;
  const ws = engine();
  return ws.scoped(() => {
    selectStream(ws, seed, stream, substream);
    const table = putMaskTable(ws, mask);
    const out = ws.allocF32(count * width);
    sampleMasksOnPointers(ws, "f32", out, count, width, mask, 1, firstMask, table);
    return Uint8Array.from(ws.f32View(out, count * width));
  });
}
