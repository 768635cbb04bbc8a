// The report's view of one cell result (what the plots and per-cell sections read) and the
// grouping of cells into configurations: a configuration is a cell's parameters without its
// seed, so replicates share one facet in a plot.
import { canonicalJson } from "../spec/canonical.js";
import { blockSizeOf, type MaskFamily } from "../masks.js";
import { checkMetrics } from "../results/metrics.js";
import type { CellResult } from "../results/result.js";
import type { SummaryRow } from "../results/summary.js";

export interface CurvePoint {
  epoch: number;
  stochasticLoss?: number;
  deterministicObjective?: number;
}

/** ||U_g V_gᵀ X||_F (or ||U_g Φ_g||_F) of every block g after one epoch (claim 4). */
export interface BlockNormPoint {
  epoch: number;
  blockNorms: readonly number[];
}

export interface ReportCell {
  hash: string;
  status: string;
  /** From the result's cell: the mask's family, keep probability and block size (1 without blocks). */
  mask?: { family: string; keepProbability: number; blockSize: number };
  objectiveGap?: number;
  representable?: boolean;
  /** Claim 7 pairing: the cell with its mask family blanked out (dropblock and contiguous only). */
  schemeKey?: string;
  spectra?: { target: readonly number[]; closedForm: readonly number[]; learned: readonly number[] };
  curve?: readonly CurvePoint[];
  /** Block norms over epochs (often at fewer epochs than `curve`), or only the final ones. */
  blockNorms?: readonly BlockNormPoint[];
  closedFormMinimum?: number;
  /** ||A*||_(k) / b: the common block-product norm at a representable optimum. */
  balancedNorm?: number;
  /** Claim 2: both penalties at the trained weights. */
  regularisers?: { dropout: number; dropconnect: number };
  /** Claim 1: Monte Carlo mean of L_z, its standard error, and the deterministic objective. */
  monteCarlo?: { mean: number; standardError: number; deterministic: number; samples?: number };
}

/** The long series of a cell: read only for the few cells a plot draws whole. */
type HeavyFields = "spectra" | "curve" | "blockNorms";

/**
 * What the report reads of every cell (panels' `add`: no spectra, curves or block norms), a few
 * hundred bytes at most: Reduce keeps it for each cell (shared/pipeline/reduce.ts), so the report
 * of a sweep of 10^5 cells needs only the few results it draws whole.
 */
export type ReportCellFacts = Omit<ReportCell, HeavyFields>;

export function cellFacts(cell: ReportCell): ReportCellFacts {
  const { spectra: _spectra, curve: _curve, blockNorms: _blockNorms, ...facts } = cell;
  return facts;
}

/** Parameter paths that tell replicates apart rather than configurations. */
const replicateFields = new Set(["seed"]);

export interface Configurations {
  /** Configuration key (canonical JSON of the parameters without the seed) of every cell hash. */
  keyOf: Map<string, string>;
  /** Short label per configuration key, naming only the parameters that vary in the sweep. */
  labelOf: Map<string, string>;
  /** Cell hashes of each configuration, in row order. */
  members: Map<string, string[]>;
}

function flatten(value: unknown, prefix: string, out: Map<string, unknown>): void {
  if (value !== null && typeof value === "object" && !Array.isArray(value)) {
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) flatten(v, prefix ? `${prefix}.${k}` : k, out);
  } else out.set(prefix, value);
}

/** Paper's symbols for the parameters a reader scans most; other names print as they are. */
const shortNames: Record<string, string> = {
  keepProbability: "θ",
  blockSize: "k",
  hiddenUnits: "r",
  family: "",
  experiment: "",
  section: "",
  generator: "",
};

export function groupConfigurations(rows: readonly SummaryRow[]): Configurations {
  const flat = rows.map((row) => {
    const fields = new Map<string, unknown>();
    flatten(row.parameters, "", fields);
    for (const field of replicateFields) fields.delete(field);
    return fields;
  });
  // Only fields that vary are worth printing; the family always is (it names the experiment).
  const varying = new Set<string>();
  const paths = new Set(flat.flatMap((fields) => [...fields.keys()]));
  for (const path of paths) {
    const seen = new Set(flat.map((fields) => (fields.has(path) ? canonicalJson(fields.get(path) ?? null) : "(absent)")));
    if (seen.size > 1) varying.add(path);
  }

  const keyOf = new Map<string, string>();
  const labelOf = new Map<string, string>();
  const members = new Map<string, string[]>();
  rows.forEach((row, i) => {
    const fields = flat[i]!;
    const key = canonicalJson(Object.fromEntries([...fields].sort(([a], [b]) => (a < b ? -1 : 1))));
    keyOf.set(row.hash, key);
    if (!members.has(key)) {
      members.set(key, []);
      labelOf.set(key, label(fields, varying));
    }
    members.get(key)!.push(row.hash);
  });
  return { keyOf, labelOf, members };
}

function label(fields: Map<string, unknown>, varying: Set<string>): string {
  const parts: string[] = [];
  const family = fields.get("mask.family");
  if (typeof family === "string") parts.push(family);
  for (const [path, value] of fields) {
    if (path === "mask.family" || !varying.has(path)) continue;
    const leaf = path.slice(path.lastIndexOf(".") + 1);
    const name = leaf in shortNames ? shortNames[leaf] : leaf;
    const text = typeof value === "string" ? value : canonicalJson(value ?? null);
    parts.push(name ? `${name}=${text}` : text);
  }
  return parts.join(" ") || "all cells";
}

/** A number field of a row's parameters by dotted path, when it is one. */
export function numberAt(parameters: Record<string, unknown>, path: string): number | undefined {
  let value: unknown = parameters;
  for (const part of path.split(".")) value = (value as Record<string, unknown> | undefined)?.[part];
  return typeof value === "number" ? value : undefined;
}

/**
 * Pick at most `cap` configurations to draw: the worst half by `badness` (largest first; the
 * ones a reader must see) and the rest spread evenly over the grid, returned in grid order.
 */
export function pickConfigurations(keys: readonly string[], badness: (key: string) => number, cap: number): string[] {
  if (keys.length <= cap) return [...keys];
  const worst = [...keys]
    .filter((k) => Number.isFinite(badness(k)))
    .sort((a, b) => badness(b) - badness(a))
    .slice(0, Math.floor(cap / 2));
  const chosen = new Set(worst);
  const rest = keys.filter((k) => !chosen.has(k));
  const wanted = cap - chosen.size;
  for (let i = 0; i < wanted; i++) chosen.add(rest[Math.floor((i * rest.length) / wanted)]!);
  return keys.filter((k) => chosen.has(k));
}

/**
 * A stored cell result (shared/results) as the report sees it. Metrics are read by their
 * experiment's schema (shared/results/metrics.ts; a result whose metrics do not match it gives
 * no metrics here); curves are named by the experiments (first match wins):
 * - curves: `epoch` (else 1..n), `stochasticLoss`, `deterministicObjective` or `objective`,
 *   and block norms `blockNorm.1` .. `blockNorm.b` (claim 4 over epochs) at the epochs
 *   `blockNorm.epoch` (else at `epoch`);
 * - metrics: `closedFormMinimum`, `balanceTarget` (||A*||_(k)/b), `blockNorms` (final, when
 *   there are no per-epoch ones), and of linear cells `monteCarlo` (claim 1) and
 *   `regularisers` (claim 2).
 * Anything absent is simply not drawn, and the report says which plot lacks data.
 */
export function fromCellResult(result: CellResult): ReportCell {
  const cell: ReportCell = { hash: result.hash, status: result.status };
  const spec = result.cell as { mask?: MaskFamily };
  if (spec.mask && typeof spec.mask.family === "string" && typeof spec.mask.keepProbability === "number") {
    cell.mask = { family: spec.mask.family, keepProbability: spec.mask.keepProbability, blockSize: blockSizeOf(spec.mask) };
    if (spec.mask.family === "dropblock" || spec.mask.family === "contiguous-dropblock")
      cell.schemeKey = canonicalJson({ ...result.cell, mask: { ...spec.mask, family: "*" } });
  }
  const typed = checkMetrics(result.cell, result.metrics);
  const metrics = "problems" in typed ? undefined : typed.metrics;
  const gap = finite(metrics?.objectiveGap);
  if (gap !== undefined) cell.objectiveGap = gap;
  if (typeof metrics?.representable === "boolean") cell.representable = metrics.representable;
  const { learned, closedForm, target } = result.spectra ?? {};
  if (learned || closedForm || target) cell.spectra = { learned: learned ?? [], closedForm: closedForm ?? [], target: target ?? [] };

  const curves = result.curves ?? {};
  const stochastic = numbers(curves["stochasticLoss"]);
  const deterministic = numbers(curves["deterministicObjective"]) ?? numbers(curves["objective"]);
  const length = Math.max(stochastic?.length ?? 0, deterministic?.length ?? 0);
  const epochs = numbers(curves["epoch"]);
  if (length > 0) {
    cell.curve = Array.from({ length }, (_, i): CurvePoint => {
      const point: CurvePoint = { epoch: epochs?.[i] ?? i + 1 };
      if (stochastic?.[i] !== undefined) point.stochasticLoss = stochastic[i];
      if (deterministic?.[i] !== undefined) point.deterministicObjective = deterministic[i];
      return point;
    });
  }
  const trained = "problems" in typed || typed.kind === "noop" ? undefined : typed.metrics;
  const blockCurves: number[][] = [];
  for (let g = 1; numbers(curves[`blockNorm.${g}`]); g++) blockCurves.push(numbers(curves[`blockNorm.${g}`])!);
  const finalBlockNorms = numbers(trained?.blockNorms);
  if (blockCurves.length > 0) {
    const normEpochs = numbers(curves["blockNorm.epoch"]) ?? epochs;
    const count = Math.min(...blockCurves.map((c) => c.length), normEpochs?.length ?? Number.POSITIVE_INFINITY);
    cell.blockNorms = Array.from({ length: count }, (_, i) => ({
      epoch: normEpochs?.[i] ?? i + 1,
      blockNorms: blockCurves.map((c) => c[i]!),
    }));
  } else if (finalBlockNorms) cell.blockNorms = [{ epoch: cell.curve?.at(-1)?.epoch ?? 1, blockNorms: finalBlockNorms }];
  if (trained?.closedFormMinimum !== undefined) cell.closedFormMinimum = trained.closedFormMinimum;
  if (trained?.balanceTarget !== undefined) cell.balancedNorm = trained.balanceTarget;
  if (!("problems" in typed) && typed.kind === "linear") {
    const { monteCarlo, regularisers } = typed.metrics;
    if (monteCarlo)
      cell.monteCarlo = { mean: monteCarlo.mean, standardError: monteCarlo.standardError, deterministic: monteCarlo.deterministic };
    if (regularisers) cell.regularisers = { ...regularisers };
  }
  return cell;
}

function finite(value: unknown): number | undefined {
  return typeof value === "number" && Number.isFinite(value) ? value : undefined;
}

function numbers(value: unknown): number[] | undefined {
  return Array.isArray(value) && value.length > 0 && value.every((v) => typeof v === "number") ? (value as number[]) : undefined;
}
