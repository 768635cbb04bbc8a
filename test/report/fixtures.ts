// A synthetic sweep that looks like what the pipeline writes (summary rows with nested cell
// parameters, cell results with spectra, curves and checks), so the report's tests do not
// depend on running a sweep. The numbers are plausible, not computed from the theory: the
// report draws and compares them, it does not re-derive them.
import { RESULT_FORMAT, type CellError, type CellResult } from "../../shared/results/result.js";
import type { LinearFactorisationCell } from "../../shared/spec/cell.js";
import type { MaskFamily } from "../../shared/masks.js";
import type { SummaryLike, SummaryRow } from "../../shared/report/summary.js";
import type { PutOptions, Store } from "../../shared/store/store.js";

export const fixtureSweepId = "fixture-sweep";

interface FixtureCell {
  row: SummaryRow;
  result?: CellResult;
  error?: CellError;
}

function hashOf(i: number): string {
  return (i + 1).toString(16).padStart(4, "0").repeat(16);
}

function makeCell(i: number, mask: MaskFamily, seed: number, options: { fail?: boolean; gap?: number; representable?: boolean } = {}): FixtureCell {
  const hash = hashOf(i);
  const cell: LinearFactorisationCell = {
    experiment: "linear-factorisation",
    sizes: { m: 12, n: 10, hiddenUnits: 8 },
    target: { generator: "decaying", decay: 0.7, noise: 0 },
    mask,
    optimiser: { learningRate: 0.05, schedule: "constant", epochs: 40, batchSize: 10, maskScope: "sample", dtype: "f64" },
    seed,
    monteCarloSamples: 1000,
  };
  const parameters = cell as unknown as Record<string, unknown>;
  if (options.fail)
    return {
      row: { hash, parameters, objectiveGap: null, spectrumError: null, balanceRatio: null, learnedRank: null, closedFormRank: null, representable: null, status: "failed" },
      error: { hash, error: "RuntimeError: unreachable (wasm trap in maskedTrain)", at: "2026-11-27T00:00:00.000Z" },
    };
  const theta = mask.keepProbability;
  const k = "blockSize" in mask ? mask.blockSize : 1;
  const shrink = ((1 - theta) / theta) * (k / 8);
  const target = [9, 6.3, 4.4, 3.1, 2.2, 1.5, 1.1, 0.75, 0.5, 0.35];
  const closedForm = target.map((s) => Math.max(0, s / (1 + shrink) - shrink * 2));
  const gap = options.gap ?? 1e-7 * (1 + seed);
  const learned = closedForm.map((w, j) => (w > 0 ? w * (1 + Math.abs(gap) * (j + 1)) : 1e-9 * (j + 1)));
  const rank = closedForm.filter((w) => w > 0).length;
  const minimum = 40 * (1 + shrink);
  const blocks = 8 / k;
  const balanced = 3 / blocks;
  const epochs = Array.from({ length: 40 }, (_, e) => e + 1);
  const deterministicObjective = epochs.map((epoch) => minimum + minimum * (3 * Math.exp(-epoch / 6) + gap));
  const curves: Record<string, number[]> = {
    stochasticLoss: deterministicObjective.map((d, e) => d + minimum * 0.05 * Math.sin((e + 1) * 1.7 + seed) ** 2),
    deterministicObjective,
    learningRate: epochs.map(() => 0.05),
  };
  for (let g = 1; g <= blocks; g++)
    curves[`blockNorm.${g}`] = epochs.map((epoch) => balanced * (1 + (g - 1 - blocks / 2) * 0.3 * Math.exp(-epoch / 8)));
  const final = deterministicObjective.at(-1)!;
  const metrics: CellResult["metrics"] = {
    objectiveGap: gap,
    spectrumError: Math.abs(gap) * 10,
    balanceRatio: 1 + Math.sqrt(Math.abs(gap)),
    learnedRank: rank,
    closedFormRank: rank,
    representable: options.representable ?? true,
    closedFormMinimum: minimum,
    balanceTarget: balanced,
    monteCarlo: { mean: final + 0.01 * Math.sin(i), standardError: 0.02, deterministic: final, samples: 1000 },
  };
  if (mask.family === "dropconnect") {
    const dropout = 2.5 + 0.1 * seed;
    metrics["regularisers"] = { dropout, dropconnect: mask.layer === "last" ? dropout : dropout * 1.4 };
  }
  const result: CellResult = {
    format: RESULT_FORMAT,
    hash,
    kernelVersion: 1,
    cell,
    status: "ok",
    metrics,
    spectra: { target, closedForm, learned },
    curves,
  };
  const { objectiveGap, spectrumError, balanceRatio, learnedRank, closedFormRank, representable } = metrics;
  return {
    row: { hash, parameters, objectiveGap, spectrumError, balanceRatio, learnedRank, closedFormRank, representable, status: "ok" },
    result,
  };
}

export function fixtureSweep(): { summary: SummaryLike; results: CellResult[]; errors: CellError[] } {
  const cells: FixtureCell[] = [];
  let i = 0;
  for (const blockSize of [1, 2, 4])
    for (const keepProbability of [0.5, 0.8])
      for (const seed of [1, 2])
        cells.push(makeCell(i++, { family: "dropblock", keepProbability, blockSize }, seed, blockSize === 4 && keepProbability === 0.8 ? { gap: 3e-3, representable: false } : {}));
  cells.push(makeCell(i++, { family: "dropout", keepProbability: 0.5 }, 1, { gap: -2e-17 }));
  cells.push(makeCell(i++, { family: "dropconnect", keepProbability: 0.5, layer: "last" }, 1));
  cells.push(makeCell(i++, { family: "dropconnect", keepProbability: 0.5, layer: "first" }, 1));
  cells.push(makeCell(i++, { family: "contiguous-dropblock", keepProbability: 0.5, blockSize: 2 }, 1, { gap: 2e-2 }));
  cells.push(makeCell(i++, { family: "dropblock", keepProbability: 0.5, blockSize: 8 }, 1, { fail: true }));
  const ok = cells.filter((c) => c.row.status === "ok");
  const dropblock = ok.filter((c) => (c.row.parameters["mask"] as { family: string }).family === "dropblock");
  const hashes = (list: FixtureCell[]) => list.map((c) => c.row.hash);
  const summary: SummaryLike = {
    sweepId: fixtureSweepId,
    cells: { total: cells.length, computed: cells.length - 3, cached: 2, failed: 1 },
    claims: [
      { id: "1", title: "Deterministic = stochastic", status: "pass", measured: 1.6, tolerance: 3, cells: hashes(ok) },
      { id: "2", title: "DropConnect = Dropout", status: "pass", measured: 2e-15, tolerance: 1e-9, cells: hashes(ok.filter((c) => c.result!.metrics["regularisers"])) },
      { id: "3", title: "Convergence to the closed form", status: "pass", measured: 3e-7, tolerance: 1e-4, cells: hashes(dropblock.filter((c) => c.row.representable)) },
      { id: "4", title: "Balance", status: "fail", measured: 1.08, tolerance: 1.01, cells: hashes(dropblock) },
      { id: "5", title: "Low rank", status: "pass", measured: 0, tolerance: 0, cells: hashes(dropblock) },
      { id: "6", title: "Deep networks", status: "skipped", measured: null, tolerance: 0.05, cells: [] },
      { id: "7", title: "Partitioned vs contiguous DropBlock", status: "pass", measured: 0.02, tolerance: 0.1, cells: 2 },
    ],
    rows: cells.map((c) => c.row),
  };
  return {
    summary,
    results: cells.flatMap((c) => (c.result ? [c.result] : [])),
    errors: cells.flatMap((c) => (c.error ? [c.error] : [])),
  };
}

export async function* stream<T>(items: readonly T[]): AsyncIterable<T> {
  for (const item of items) yield item;
}

/** A Store in memory, with the interface's semantics (atomic put, sorted list). */
export class MemoryStore implements Store {
  readonly url = "memory://test";
  readonly objects = new Map<string, { body: Uint8Array; contentType?: string }>();
  async get(key: string) {
    return this.objects.get(key)?.body;
  }
  async put(key: string, body: Uint8Array | string, options: PutOptions = {}) {
    const bytes = typeof body === "string" ? new TextEncoder().encode(body) : body;
    if (options.ifAbsent && this.objects.has(key)) return;
    this.objects.set(key, { body: bytes, ...(options.contentType ? { contentType: options.contentType } : {}) });
  }
  async exists(key: string) {
    return this.objects.has(key);
  }
  async *list(prefix: string) {
    for (const key of [...this.objects.keys()].sort()) if (key.startsWith(prefix)) yield key;
  }
  async delete(key: string) {
    this.objects.delete(key);
  }
  text(key: string): string | undefined {
    const body = this.objects.get(key)?.body;
    return body && new TextDecoder().decode(body);
  }
}
