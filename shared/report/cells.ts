// The report's view of one cell result (what the plots and per-cell sections read) and the
// grouping of cells into configurations: a configuration is a cell's parameters without its
// seed, so replicates share one facet in a plot.
import { canonicalJson } from "../spec/canonical.js";
import type { SummaryRow } from "./summary.js";

export interface CurvePoint {
  epoch: number;
  stochasticLoss?: number;
  deterministicObjective?: number;
  /** ||U_g V_gᵀ||_F for every block g at this epoch (claim 4). */
  blockNorms?: readonly number[];
}

export interface ReportCell {
  hash: string;
  status: string;
  error?: string;
  spectra?: { target: readonly number[]; closedForm: readonly number[]; learned: readonly number[] };
  curve?: readonly CurvePoint[];
  closedFormMinimum?: number;
  /** ||A*||_(k) / b: the common block-product norm at a representable optimum. */
  balancedNorm?: number;
  /** Claim 2: both penalties at the trained weights. */
  regularisers?: { dropout: number; dropconnect: number };
  /** Claim 1: Monte Carlo mean of L_z, its standard error, and the deterministic objective. */
  monteCarlo?: { mean: number; standardError: number; deterministic: number; samples?: number };
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

export function stringAt(parameters: Record<string, unknown>, path: string): string | undefined {
  let value: unknown = parameters;
  for (const part of path.split(".")) value = (value as Record<string, unknown> | undefined)?.[part];
  return typeof value === "string" ? value : undefined;
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
 * A stored cell result as the report sees it. PROVISIONAL: reads the ReportCell field names
 * until shared/results defines the stored result format; then this maps that type.
 */
export function toReportCell(value: unknown, hash: string, where: string): ReportCell {
  if (typeof value !== "object" || value === null) throw new Error(`${where}: a cell result must be a JSON object`);
  const v = value as Partial<ReportCell>;
  if (v.hash !== undefined && v.hash !== hash) throw new Error(`${where}: result is for cell ${v.hash}, not ${hash}`);
  return { ...v, hash, status: typeof v.status === "string" ? v.status : "ok" } as ReportCell;
}
