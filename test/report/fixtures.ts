// A synthetic sweep that looks like what the pipeline writes (summary rows with nested cell
// parameters, cell results with spectra, curves and checks), so the report's tests do not
// depend on running a sweep. The numbers are plausible, not computed from the theory: the
// report draws and compares them, it does not re-derive them.
import { RESULT_FORMAT, type CellError, type CellResult } from "../../shared/results/result.js";
import type { LinearFactorisationCell } from "../../shared/spec/cell.js";
import type { MaskFamily } from "../../shared/masks.js";
import type { CellEvidence } from "../../shared/claims/evidence.js";
import { evaluateClaims, tolerances } from "../../shared/claims/list.js";
import { logSpacedEpochs } from "../../shared/experiments/experiment.js";
import { checkMetrics, type LinearMetrics } from "../../shared/results/metrics.js";
import { SUMMARY_FORMAT, type Summary, type SummaryRow } from "../../shared/results/summary.js";
import type { PutOptions, Store } from "../../shared/store/store.js";

export const fixtureSweepId = "fixture-sweep";

/** resolved.json as Plan writes it (shared/spec/spec.ts storedResolvedSweepSchema) for these rows, one section. */
export function fixtureResolved(rows: readonly { hash: string; parameters: Record<string, unknown> }[]): string {
  const cells = rows.map((r) => ({ hash: r.hash, section: 0, parameters: r.parameters }));
  const sections = [{ name: "fixture", base: {}, axes: [], count: cells.length }];
  return JSON.stringify({
    format: "dropsweep.sweep/1",
    name: "fixture",
    maxCells: 20000,
    kernelVersion: 1,
    sections,
    cells,
    sweepId: fixtureSweepId,
  });
}

interface FixtureCell {
  row: SummaryRow;
  result?: CellResult;
  error?: CellError;
}

function hashOf(i: number): string {
  return (i + 1).toString(16).padStart(8, "0").repeat(8);
}

/** Axis values as Plan records them: dotted paths, the section name first. */
type Axes = Record<string, unknown>;

function makeCell(
  i: number,
  axes: Axes,
  mask: MaskFamily,
  seed: number,
  options: { fail?: boolean; gap?: number; representable?: boolean | null; cached?: boolean; balanceRatio?: number } = {},
): FixtureCell {
  const hash = hashOf(i);
  const cell: LinearFactorisationCell = {
    experiment: "linear-factorisation",
    sizes: { m: 12, n: 10, hiddenUnits: 8 },
    target: { generator: "decaying", decay: 0.7, noise: 0 },
    mask,
    optimiser: { learningRate: 0.05, epochs: 40, tolerance: 3e-4, batchSize: 10, maskScope: "sample", dtype: "f64" },
    seed,
    monteCarloSamples: 1000,
  };
  const parameters = { ...axes, seed };
  const failure = "RuntimeError: unreachable (wasm trap in maskedTrain)";
  if (options.fail)
    return {
      row: {
        hash,
        parameters,
        objectiveGap: null,
        spectrumError: null,
        balanceRatio: null,
        learnedRank: null,
        closedFormRank: null,
        representable: null,
        status: "failed",
        error: failure,
      },
      error: { hash, error: failure, at: "2026-11-27T00:00:00.000Z" },
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
  // Block norms at log-spaced epochs on their own axis, as the experiments record them.
  const normEpochs = logSpacedEpochs(epochs.length);
  curves["blockNorm.epoch"] = normEpochs;
  for (let g = 1; g <= blocks; g++)
    curves[`blockNorm.${g}`] = normEpochs.map((epoch) => balanced * (1 + (g - 1 - blocks / 2) * 0.3 * Math.exp(-epoch / 8)));
  const final = deterministicObjective.at(-1)!;
  const metrics: LinearMetrics = {
    objectiveGap: gap,
    spectrumError: Math.abs(gap) * 10,
    balanceRatio: options.balanceRatio ?? 1 + Math.sqrt(Math.abs(gap)),
    learnedRank: rank,
    closedFormRank: rank,
    representable: options.representable === undefined ? true : options.representable,
    trainingStatus: "converged",
    closedFormMinimum: minimum,
    balanceTarget: balanced,
    monteCarlo: { mean: final + 0.01 * Math.sin(i), standardError: 0.02, deterministic: final, samples: 1000 },
    finalObjective: final,
  };
  if (mask.family === "dropconnect") {
    const dropout = 2.5 + 0.1 * seed;
    // X = I: equal on both layers (THEORY.md); rounding-level difference on the first.
    metrics["regularisers"] = { dropout, dropconnect: mask.layer === "last" ? dropout : dropout * (1 + 4e-16) };
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
  const { objectiveGap, spectrumError, balanceRatio, learnedRank, closedFormRank, representable, trainingStatus } = metrics;
  return {
    row: {
      hash,
      parameters,
      objectiveGap,
      spectrumError,
      balanceRatio,
      learnedRank,
      closedFormRank,
      representable,
      trainingStatus,
      status: options.cached ? "cached" : "computed",
    },
    result,
  };
}

/**
 * The sweep: a DropBlock section (k x theta x 2 seeds, one setting not representable), one
 * cell each of Dropout and last/first-layer DropConnect, a contiguous DropBlock cell paired
 * with its partitioned twin, and one failed cell. Claims are evaluated by the pipeline's own
 * claims table, so the summary is what Aggregate would write for these results.
 */
/** A result as Aggregate hands it to the claims: its metrics checked against its experiment's schema. */
export function evidenceOf(result: CellResult, withSpectra = true): CellEvidence {
  const typed = checkMetrics(result.cell, result.metrics);
  if ("problems" in typed) throw new Error(`fixture result ${result.hash}: ${typed.problems.join("; ")}`);
  return { ...typed, hash: result.hash, status: result.status, ...(withSpectra ? { spectra: result.spectra } : {}) };
}

export interface FixtureOptions {
  /** Seeds of the DropBlock section (default [1, 2]): more make a table past the report's fold. */
  seeds?: readonly number[];
  /**
   * Two more Dropout cells, trained for 2000 and 10000 epochs (an axis whose labels sort
   * differently as text and as numbers: "epochs=10000" before "epochs=2000" as text).
   */
  epochsAxis?: boolean;
}

export function fixtureSweep(options: FixtureOptions = {}): { summary: Summary; results: CellResult[]; errors: CellError[] } {
  const cells: FixtureCell[] = [];
  let i = 0;
  for (const blockSize of [1, 2, 4])
    for (const keepProbability of [0.5, 0.8])
      for (const seed of options.seeds ?? [1, 2]) {
        // One setting is not representable (stays above the minimum); one cell is unbalanced (claim 4 fails).
        const special =
          blockSize === 4 && keepProbability === 0.8
            ? { gap: 3e-3, representable: false }
            : blockSize === 2 && keepProbability === 0.8 && seed === 2
              ? { balanceRatio: tolerances.balanceRatio + 0.2 }
              : {};
        const axes = { section: "dropblock", "mask.keepProbability": keepProbability, "mask.blockSize": blockSize };
        cells.push(
          makeCell(i++, axes, { family: "dropblock", keepProbability, blockSize }, seed, {
            ...special,
            cached: seed === 2 && blockSize === 1,
          }),
        );
      }
  cells.push(
    makeCell(i++, { section: "dropout", "mask.keepProbability": 0.5 }, { family: "dropout", keepProbability: 0.5 }, 1, { gap: -2e-17 }),
  );
  cells.push(
    makeCell(i++, { section: "dropconnect", "mask.layer": "last" }, { family: "dropconnect", keepProbability: 0.5, layer: "last" }, 1),
  );
  cells.push(
    makeCell(i++, { section: "dropconnect", "mask.layer": "first" }, { family: "dropconnect", keepProbability: 0.5, layer: "first" }, 1),
  );
  cells.push(
    makeCell(
      i++,
      { section: "contiguous", "mask.keepProbability": 0.5, "mask.blockSize": 2 },
      { family: "contiguous-dropblock", keepProbability: 0.5, blockSize: 2 },
      1,
      { gap: 2e-2, representable: null },
    ),
  );
  cells.push(
    makeCell(
      i,
      { section: "dropblock", "mask.keepProbability": 0.5, "mask.blockSize": 8 },
      { family: "dropblock", keepProbability: 0.5, blockSize: 8 },
      1,
      { fail: true },
    ),
  );
  if (options.epochsAxis)
    for (const epochs of [10000, 2000])
      cells.push(
        makeCell(
          ++i,
          { section: "dropout", "mask.keepProbability": 0.5, "optimiser.epochs": epochs },
          { family: "dropout", keepProbability: 0.5 },
          1,
          { gap: 1e-6 * (epochs / 1000) },
        ),
      );
  const results = cells.flatMap((c) => (c.result ? [c.result] : []));
  const rows = cells.map((c) => c.row);
  const valid = rows.filter((r) => r.status !== "failed");
  const summary: Summary = {
    format: SUMMARY_FORMAT,
    sweepId: fixtureSweepId,
    cells: {
      total: rows.length,
      computed: valid.filter((r) => r.status === "computed").length,
      cached: valid.filter((r) => r.status === "cached").length,
      failed: rows.length - valid.length,
    },
    claims: evaluateClaims(results.map((r) => evidenceOf(r))),
    rows,
  };
  return { summary, results, errors: cells.flatMap((c) => (c.error ? [c.error] : [])) };
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
  async getRange(key: string, offset: number, length: number) {
    return this.objects.get(key)?.body.subarray(offset, offset + length);
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

/** A larger grid (configurations x seeds DropBlock cells) for the caps on plots and tables. */
export function largeSweep(configurations: number, seeds: number): { summary: Summary; results: CellResult[] } {
  const cells: FixtureCell[] = [];
  let i = 0;
  for (let c = 0; c < configurations; c++)
    for (let seed = 0; seed < seeds; seed++) {
      const keepProbability = 0.1 + (0.8 * c) / configurations;
      const blockSize = [1, 2, 4, 8][c % 4]!;
      const axes = { "mask.keepProbability": keepProbability, "mask.blockSize": blockSize };
      cells.push(
        makeCell(i++, axes, { family: "dropblock", keepProbability, blockSize }, seed, { gap: c === 7 ? 0.5 : 1e-7 * (1 + seed) }),
      );
    }
  const results = cells.map((c) => c.result!);
  const rows = cells.map((c) => c.row);
  return {
    summary: {
      format: SUMMARY_FORMAT,
      sweepId: fixtureSweepId,
      cells: { total: rows.length, computed: rows.length, cached: 0, failed: 0 },
      claims: evaluateClaims(results.map((r) => evidenceOf(r, false))),
      rows,
    },
    results,
  };
}
