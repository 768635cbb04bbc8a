// Fields written in a spec that no cell reads (a `blockSize` under `family: dropout`, `sizes` in
// a deep spec), found on the resolved cells, and the words for them.
import { experimentFields, type Cell } from "./cell.js";
import { isPlainObject } from "./fields.js";
import { getPath } from "./paths.js";
import { unknownField, show, type Problem } from "./problems.js";
import type { ResolvedSection } from "./spec.js";
import { TOP_ONLY, cellFields, type SectionInput, type TopInput } from "./specFields.js";

/**
 * Fields written in the spec that no cell reads. A cell drops the fields of another variant
 * (a `blockSize` under `family: dropout`, `sizes` of a deep cell) so that an axis may span
 * variants (cell.ts); a field that no cell it applies to reads is a mistake, reported with the
 * fields those cells do have. A top-level field of a spec with sections applies to the sections
 * that do not replace it; a field replaced by an axis is not checked. Top-level cell fields are
 * checked before (and reported there); sections with a cell that failed are skipped, since the
 * cells that would read a field may be the missing ones.
 */
export function unreadFields(
  spec: TopInput,
  inputs: readonly { input: SectionInput; where: string }[],
  sections: readonly ResolvedSection[],
  readers: readonly Cell[][],
  failed: readonly boolean[],
): Problem[] {
  const problems: Problem[] = [];
  const byAxis = (s: number, path: string) => sections[s]!.axes.some((a) => a.paths.some((p) => path === p || path.startsWith(`${p}.`)));
  const bySection = (s: number, path: string, value: unknown) => {
    let node: unknown = inputs[s]!.input;
    const parts = path.split(".");
    for (const [i, part] of parts.entries()) {
      if (!isPlainObject(node) || !(part in node)) return false;
      node = node[part];
      if (i < parts.length - 1 && !isPlainObject(node)) return true;
    }
    return !(isPlainObject(node) && isPlainObject(value));
  };
  const visit = (
    path: string,
    value: unknown,
    report: string,
    applies: number[],
    replaced: (s: number, path: string, value: unknown) => boolean,
  ) => {
    const live = applies.filter((s) => !replaced(s, path, value));
    if (live.length === 0 || live.some((s) => failed[s])) return;
    const cells = live.flatMap((s) => readers[s]!);
    if (cells.length === 0) return;
    if (!cells.some((c) => getPath(c, path) !== undefined)) {
      if (path.includes(".")) problems.push({ path: report, message: unreadMessage(path, cells) });
      return;
    }
    if (isPlainObject(value))
      for (const [key, child] of Object.entries(value)) visit(`${path}.${key}`, child, `${report}.${key}`, live, replaced);
  };
  const all = sections.map((_, s) => s);
  for (const [key, value] of Object.entries(cellFields(spec)))
    if (key !== "seed")
      visit(key, value, key, all, (s, path, v) => byAxis(s, path) || (spec.sections !== undefined && bySection(s, path, v)));
  if (spec.sections)
    inputs.forEach(({ input, where }, s) => {
      for (const [key, value] of Object.entries(cellFields(input)))
        if (key !== "seed" && !(TOP_ONLY as readonly string[]).includes(key)) visit(key, value, `${where}.${key}`, [s], byAxis);
    });
  // Axes: the path itself (a list of values with no effect gives duplicate cells, reported as such).
  const axes = new Map<string, { path: string; sections: number[] }>();
  sections.forEach((section, s) =>
    section.axes.forEach((axis) =>
      axis.paths.forEach((path) => {
        if (path === "seed") return;
        const report = axis.paths.length > 1 ? `${axis.source}[${JSON.stringify(path)}]` : axis.source;
        const entry = axes.get(report) ?? { path, sections: [] };
        entry.sections.push(s);
        axes.set(report, entry);
      }),
    ),
  );
  for (const [report, { path, sections: applies }] of axes) {
    if (applies.some((s) => failed[s])) continue;
    const cells = applies.flatMap((s) => readers[s]!);
    const parts = path.split(".");
    const unread = parts.findIndex(
      (_, i) => cells.length > 0 && !cells.some((c) => getPath(c, parts.slice(0, i + 1).join(".")) !== undefined),
    );
    if (unread >= 0) {
      const field = parts.slice(0, unread + 1).join(".");
      problems.push({ path: report, message: (field === path ? "" : `${field}: `) + unreadMessage(field, cells) });
    }
  }
  return problems;
}

/** `not a field of mask.family "dropout"; expected one of: family, keepProbability`, and the like. */
function unreadMessage(path: string, cells: readonly Cell[]): string {
  const parts = path.split(".");
  const key = parts.pop()!;
  const parentPath = parts.join(".");
  const kinds = cells.map((c) => c.experiment);
  if (!parentPath)
    return unknownField(
      key,
      without(union(kinds.map((k) => experimentFields(k) ?? [])), "seed"),
      `not a field of ${quoteAll(kinds)} cells`,
    );
  const parents = cells.map((c) => getPath(c, parentPath)).filter(isPlainObject);
  const discriminator = ["family", "generator"].find((d) => parents.length > 0 && parents.every((p) => typeof p[d] === "string"));
  const owner = discriminator
    ? `${parentPath}.${discriminator} ${quoteAll(parents.map((p) => p[discriminator]))}`
    : `${quoteAll(kinds)} cells`;
  return unknownField(key, union(parents.map((p) => Object.keys(p))), `not a field of ${owner}`);
}

export function union(lists: readonly (readonly string[])[]): string[] {
  return [...new Set(lists.flat())];
}

export function without(list: readonly string[], item: string): string[] {
  return list.filter((x) => x !== item);
}

/** `"deep"`, or `"linear-factorisation" or "noop"`: the distinct values, quoted. */
export function quoteAll(values: readonly unknown[]): string {
  return [...new Set(values.map((v) => show(v)))].join(" or ");
}
