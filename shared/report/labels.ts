// Configuration labels: a configuration (a cell's parameters without its seed) named by what
// tells it apart from the others shown beside it (one plot's panels or rows, the cells table),
// and configurations put in the order a reader expects: numbers numerically (k=1, k=2, k=12,
// never k=12 before k=2), names in the order the sweep lists them.
//
// Fields are named in the paper's symbols (θ, k, r) and in a fixed order: the fields a plot is
// about first (claim 2's layer), then the section, the mask family, and the rest in the
// parameters' order. A field that is the same for every configuration shown, or follows from
// one named before it (a spiky target's spike count follows from "spiky"), is left out.
import { canonicalJson } from "../spec/canonical.js";

/** A configuration's parameters, flattened to dotted paths (seed removed). */
export type Fields = ReadonlyMap<string, unknown>;

export interface LabelOptions {
  /** Fields named first, in this order (the field a plot is about). */
  first?: readonly string[];
  /** Name only these fields (a plot's rows grouped by them); the rest are ignored. */
  only?: readonly string[];
}

export interface Described {
  /** Label parts per configuration key, e.g. ["factorisation-dropblock", "spiky", "θ=0.8", "k=2"]. */
  parts: Map<string, string[]>;
  /** The keys in reading order. */
  order: string[];
}

/** Paper's symbols for the fields a reader scans most; "" prints the value alone. */
const names: Record<string, string> = {
  section: "",
  "mask.family": "",
  experiment: "",
  "target.generator": "",
  "data.generator": "X=",
  "mask.keepProbability": "θ=",
  keepProbability: "θ=",
  "mask.blockSize": "k=",
  blockSize: "k=",
  "sizes.hiddenUnits": "r=",
  hiddenUnits: "r=",
  "mask.layer": "layer=",
  layer: "layer=",
};

const leadingFields = ["section", "mask.family", "experiment"];

/** Flatten nested parameters to dotted paths: {mask: {family: "x"}} -> mask.family = "x". */
export function flattenFields(value: unknown, prefix = "", out = new Map<string, unknown>()): Map<string, unknown> {
  if (value !== null && typeof value === "object" && !Array.isArray(value)) {
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) flattenFields(v, prefix ? `${prefix}.${k}` : k, out);
  } else out.set(prefix, value);
  return out;
}

function display(path: string, value: unknown): string {
  const text = typeof value === "string" ? value : canonicalJson(value ?? null);
  const name = path in names ? names[path]! : `${path.slice(path.lastIndexOf(".") + 1)}=`;
  return `${name}${text}`;
}

/**
 * Labels for the configurations `keys` (in grid order), naming only what differs among them,
 * and their reading order.
 */
export function describeConfigurations(
  fieldsOf: ReadonlyMap<string, Fields>,
  keys: readonly string[],
  options: LabelOptions = {},
): Described {
  const fields = keys.map((key) => fieldsOf.get(key) ?? new Map<string, unknown>());
  const paths = [...new Set(fields.flatMap((f) => [...f.keys()]))];
  const allowed = options.only ? paths.filter((p) => options.only!.includes(p)) : paths;
  const first = options.first ?? [];
  const ordered = [
    ...first.filter((p) => allowed.includes(p)),
    ...leadingFields.filter((p) => allowed.includes(p) && !first.includes(p)),
    ...allowed.filter((p) => !first.includes(p) && !leadingFields.includes(p)),
  ];
  const valueText = (f: Fields, path: string) => (f.has(path) ? canonicalJson(f.get(path) ?? null) : "(absent)");

  // Keep a field when it varies and does not follow from one field kept before it.
  const kept: string[] = [];
  for (const path of ordered) {
    const values = fields.map((f) => valueText(f, path));
    if (new Set(values).size < 2) continue;
    const follows = kept.some((earlier) => {
      const implied = new Map<string, string>();
      return fields.every((f, i) => {
        const from = valueText(f, earlier);
        if (!implied.has(from)) implied.set(from, values[i]!);
        return implied.get(from) === values[i];
      });
    });
    if (!follows) kept.push(path);
  }

  const parts = new Map<string, string[]>();
  keys.forEach((key, i) => {
    const f = fields[i]!;
    const named = kept.filter((path) => f.has(path)).map((path) => display(path, f.get(path)));
    parts.set(key, named.length ? named : [fallback(f)]);
  });

  // Reading order: field by field as named; numbers numerically, other values by first
  // appearance in grid order, an absent field first.
  const rank = new Map<string, Map<string, number>>();
  for (const path of kept) {
    const seen = new Map<string, number>();
    for (const f of fields) if (f.has(path) && !seen.has(valueText(f, path))) seen.set(valueText(f, path), seen.size);
    rank.set(path, seen);
  }
  const index = new Map(keys.map((key, i) => [key, i]));
  const compare = (a: string, b: string): number => {
    const fa = fields[index.get(a)!]!;
    const fb = fields[index.get(b)!]!;
    for (const path of kept) {
      if (fa.has(path) !== fb.has(path)) return fa.has(path) ? 1 : -1;
      if (!fa.has(path)) continue;
      const [x, y] = [fa.get(path), fb.get(path)];
      const order =
        typeof x === "number" && typeof y === "number"
          ? x - y
          : rank.get(path)!.get(valueText(fa, path))! - rank.get(path)!.get(valueText(fb, path))!;
      if (order !== 0) return order;
    }
    return index.get(a)! - index.get(b)!;
  };
  return { parts, order: [...keys].sort(compare) };
}

/** A configuration with nothing to tell it apart: its family or section, else "all cells". */
function fallback(f: Fields): string {
  for (const path of ["mask.family", "section"]) if (typeof f.get(path) === "string") return f.get(path) as string;
  return "all cells";
}

/** One line: the parts joined. */
export function oneLine(parts: readonly string[]): string {
  return parts.join(" · ");
}

/**
 * Lines of at most `width` characters (a part longer than that gets a line of its own), joined
 * by "\n": a plot's header or axis label splits them into lines (style.ts `lines`).
 */
export function wrapParts(parts: readonly string[], width: number): string {
  const lines: string[] = [];
  for (const part of parts) {
    const last = lines.at(-1);
    if (last !== undefined && last.length + 3 + part.length <= width) lines[lines.length - 1] = `${last} · ${part}`;
    else lines.push(part);
  }
  return lines.join("\n");
}
