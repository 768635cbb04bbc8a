// Sweep specs: YAML in, fully resolved content-hashed cells out (ARCHITECTURE.md "Plan").
//
// Worked example of the syntax (its epochs are far too few for SGD to reach the closed form:
// README.md "Writing a sweep spec" has a spec that runs and passes the claims). This spec
//
//   name: blocks
//   experiment: linear-factorisation
//   sizes: { m: 20, n: 15, hiddenUnits: 12 }
//   mask: { family: dropblock, keepProbability: 0.5, blockSize: 1 }
//   seeds: [0, 1]
//   grid:                                # axes multiply: 2 x 3 = 6 ...
//     mask.keepProbability: [0.5, 0.8]
//     mask.blockSize: [1, 2, 4]
//   zip:                                 # ... a zip group is ONE axis whose paths step together
//     - sizes.m: [20, 40]
//       optimiser.epochs: [200, 400]     # ... 6 x 2 = 12 ...
//                                        # ... and `seeds` is the innermost axis: 12 x 2 = 24 cells
//
// gives 24 cells, in this order (the last axis varies fastest, as in nested loops):
//   #0 keepProbability 0.5, blockSize 1, m 20 & epochs 200, seed 0
//   #1 keepProbability 0.5, blockSize 1, m 20 & epochs 200, seed 1
//   #2 keepProbability 0.5, blockSize 1, m 40 & epochs 400, seed 0
//   ...
//   #23 keepProbability 0.8, blockSize 4, m 40 & epochs 400, seed 1
//
// Syntax:
// - Every field of a cell (shared/spec/cell.ts) may be written at the top level; those are the
//   values every cell starts from. Defaults fill what is left out.
// - `grid`: a mapping from a dotted field path to the list of values that field takes. ANY cell
//   field can be an axis, objects included (`mask: [{family: dropout}, {family: dropblock,
//   blockSize: 2}]`); an axis value replaces the field at its path. Axes multiply.
// - `zip`: a list of groups; each group maps paths to lists of one common length, and the
//   paths step together (linked axes): one axis of that length.
// - `seeds`: list of seeds (default [0]), the innermost axis; cells carry one `seed` each.
// - Fields used only by another variant are ignored, so an axis may span variants:
//   `mask.family: [dropout, dropblock]` with a `blockSize` only dropblock reads, and so a
//   top-level field may serve some sections only. A field that no cell it applies to reads
//   (`blockSize` under `family: dropout` alone, `sizes` in a deep spec) is an error, and so is
//   a field no variant knows (with the closest allowed name when one is obvious).
// - `sections`: a list of sub-sweeps, each written like the top level (fields, `grid`, `zip`,
//   `seeds`, plus a `name`). A section's fields are deep-merged over the top-level ones (its
//   values win, lists are replaced), its grid axes are added to the top-level grid (same path:
//   the section's list wins) and its zip groups are appended. The cells of all sections, in
//   order, make the sweep.
// - `maxCells` (default 20000) bounds the total; `name` and `description` label the sweep.
// Every problem in a spec is reported at once, each with its path.
import { parseDocument } from "yaml";
import { experimentFields, experimentKinds, resolveCell, seedIndependent, type Cell, type CellCheck } from "./cell.js";
import { canonicalJson, sha256Hex, shareCanonical, type CanonicalCache } from "./canonical.js";
import { isPlainObject } from "./fields.js";
import { cellHash } from "./hash.js";
import { deepMerge, hasPath, setPath, withoutPaths } from "./paths.js";
import { SpecError, issuesToProblems, show, specErrorMap, unknownField, yamlProblems, type Problem } from "./problems.js";
import { RESERVED, SECTION_FIELDS, TOP_FIELDS, TOP_ONLY, cellFields, topSchema, type SectionInput } from "./specFields.js";
import { quoteAll, union, unreadFields, without } from "./unread.js";

const DEFAULT_MAX_CELLS = 20_000;

/** One axis of a section's grid: step i sets `paths[j]` to `values[i][j]`. */
interface Axis {
  /** Where the axis is written, e.g. `grid["mask.blockSize"]`, `sections[1].zip[0]`, `seeds`. */
  source: string;
  paths: string[];
  values: unknown[][];
}

export interface ResolvedSection {
  name: string;
  /** Cell fields every cell of the section starts from (top level merged with the section). */
  base: Record<string, unknown>;
  axes: Axis[];
  count: number;
}

/** A cell as planned: its identity, where it came from, and the fully resolved cell. */
interface PlannedCell {
  hash: string;
  section: number;
  /** The value of every axis path for this cell (plus `section` when the spec has sections). */
  parameters: Record<string, unknown>;
  cell: Cell;
}

/** What `resolved.json` holds; the sweep id is the SHA-256 of its canonical JSON. */
export interface ResolvedSweep {
  format: "dropsweep.sweep/1";
  name: string;
  description?: string;
  maxCells: number;
  kernelVersion: number;
  sections: ResolvedSection[];
  cells: { hash: string; section: number; parameters: Record<string, unknown> }[];
}

export interface Sweep {
  sweepId: string;
  resolved: ResolvedSweep;
  cells: PlannedCell[];
}

export interface SpecOptions {
  /** `kernelVersion()` of shared/numerics/engine.ts; part of every cell hash. */
  kernelVersion: number;
  /** Names the spec in error messages (a file name). */
  source?: string;
  /**
   * Run every cell through the whole cell schema, instead of one cell per grid combination and
   * the seed of each (the result is the same: test/spec compares both). @default false
   */
  exhaustive?: boolean;
}

export type SpecCheck = { ok: true; sweep: Sweep } | { ok: false; problems: Problem[] };

/** Parse, validate and expand a spec; throws SpecError listing every problem. */
export function parseSpec(text: string, options: SpecOptions): Sweep {
  const check = checkSpec(text, options);
  if (!check.ok) throw new SpecError(options.source ?? "spec", check.problems);
  return check.sweep;
}

/** Like `parseSpec`, returning the problems instead of throwing. */
export function checkSpec(text: string, options: SpecOptions): SpecCheck {
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length) return { ok: false, problems: yamlProblems(doc.errors, text) };
  return checkSpecValue(doc.toJS({ maxAliasCount: 1000 }), options);
}

/** Top-level cell fields of any experiment (`seed` is written as `seeds`). */
const ANY_CELL_FIELDS = union(experimentKinds.map((kind) => experimentFields(kind)!));
const PATH = /^[A-Za-z][A-Za-z0-9_-]*(\.[A-Za-z][A-Za-z0-9_-]*)*$/;

/** Validate and expand an already-parsed spec value. */
function checkSpecValue(value: unknown, options: SpecOptions): SpecCheck {
  if (!isPlainObject(value))
    return { ok: false, problems: [{ path: "", message: `expected a mapping of spec fields, got ${show(value)}` }] };
  // A malformed spec field (a grid entry that is not a list, say) is reported and left out, so
  // the rest of the spec is still checked; a malformed `sections` leaves nothing to check.
  const problems: Problem[] = [];
  let input: Record<string, unknown> = value;
  let top = topSchema.safeParse(input, { error: specErrorMap, reportInput: true });
  for (let attempt = 0; !top.success && attempt < 8; attempt++) {
    problems.push(...issuesToProblems(top.error.issues));
    if (top.error.issues.some((i) => i.path[0] === "sections" && i.path.length <= 1)) return { ok: false, problems };
    input = withoutPaths(
      input,
      top.error.issues.map((i) => i.path),
    );
    top = topSchema.safeParse(input, { error: specErrorMap, reportInput: true });
  }
  if (!top.success) return { ok: false, problems };
  const spec = top.data;
  const maxCells = spec.maxCells ?? DEFAULT_MAX_CELLS;

  const sectionInputs: { input: SectionInput; where: string }[] = spec.sections
    ? spec.sections.map((input, i) => ({ input, where: `sections[${i}]` }))
    : [{ input: {}, where: "" }];
  spec.sections?.forEach((section, i) => {
    for (const key of TOP_ONLY)
      if (key in section) problems.push({ path: `sections[${i}].${key}`, message: "allowed only at the top level of a spec" });
  });

  // Sections: top-level fields and axes, then the section's.
  const sections: ResolvedSection[] = [];
  /** Per section: the top-level cell fields its experiments have (any experiment's when one is unknown). */
  const cellFieldsOf: string[][] = [];
  const kindsOfSections: unknown[][] = [];
  const names = new Set<string>();
  sectionInputs.forEach(({ input, where }, index) => {
    const name = input.name ?? (spec.sections ? `section-${index}` : (spec.name ?? "main"));
    if (spec.sections && names.has(name))
      problems.push({ path: `${where}.name`, message: `expected a name not used by another section, got ${show(name)}` });
    names.add(name);
    const base = deepMerge(cellFields(spec), cellFields(input));
    if ("seed" in base)
      problems.push({
        path: "seed" in input ? `${where}.seed` : "seed",
        message: "set by `seeds` (a list, the innermost axis); write seeds: [...] instead",
      });
    const axes: Axis[] = [];
    const grid = { ...prefixed(spec.grid ?? {}, "grid"), ...prefixed(input.grid ?? {}, at(where, "grid")) };
    for (const [path, { values, source }] of Object.entries(grid)) axes.push({ source, paths: [path], values: values.map((v) => [v]) });
    const zips = [
      ...(spec.zip ?? []).map((group, i) => ({ group, source: `zip[${i}]` })),
      ...(input.zip ?? []).map((group, i) => ({ group, source: at(where, `zip[${i}]`) })),
    ];
    for (const { group, source } of zips) {
      const paths = Object.keys(group);
      if (paths.length === 0) {
        problems.push({ path: source, message: "expected at least one field path" });
        continue;
      }
      const lengths = paths.map((p) => group[p]!.length);
      if (lengths.some((n) => n !== lengths[0])) {
        problems.push({
          path: source,
          message: `expected lists of one common length (linked axes step together), got ${paths.map((p, i) => `${p}: ${lengths[i]}`).join(", ")}`,
        });
        continue;
      }
      axes.push({ source, paths, values: Array.from({ length: lengths[0]! }, (_, i) => paths.map((p) => group[p]![i])) });
    }
    const seeds = input.seeds ?? spec.seeds ?? [0];
    axes.push({ source: input.seeds ? at(where, "seeds") : "seeds", paths: ["seed"], values: seeds.map((s) => [s]) });
    // The experiments of the section: the `experiment` field, or the values of an axis over it.
    const experimentAxis = axes.find((a) => a.paths.includes("experiment"));
    const kinds = experimentAxis ? experimentAxis.values.map((v) => v[experimentAxis.paths.indexOf("experiment")]) : [base.experiment];
    kindsOfSections.push(kinds);
    const kindFields = kinds.map(experimentFields);
    cellFieldsOf.push(without(kindFields.every((f) => f !== undefined) ? union(kindFields as string[][]) : ANY_CELL_FIELDS, "seed"));
    // A bad axis is reported and left out, so the cells can still be checked for other problems.
    const axisProblems = axisPathProblems(axes, cellFieldsOf[index]!);
    problems.push(...axisProblems.map((p) => p.problem));
    const good = axes.filter((a) => !axisProblems.some((p) => p.axis === a));
    sections.push({ name, base, axes: good, count: good.reduce((n, a) => n * a.values.length, 1) });
  });

  // Top-level fields the experiments do not have: reported here, with every field allowed at
  // that place, and left out so the cells are checked for other problems. A top-level field of
  // a spec with sections is shared by them, so it needs to be a field of one section only.
  const reportRootField = (key: string, allowed: string[], specFields: string[], kinds: unknown[], path: string): void => {
    const what = ANY_CELL_FIELDS.includes(key) ? `not a field of ${quoteAll(kinds)} cells` : undefined;
    problems.push({ path, message: unknownField(key, [...allowed, ...specFields], what) });
    sections.forEach((section) => delete section.base[key]);
  };
  const sharedFields = union(cellFieldsOf);
  for (const key of Object.keys(cellFields(spec)))
    if (key !== "seed" && !sharedFields.includes(key)) reportRootField(key, sharedFields, TOP_FIELDS, kindsOfSections.flat(), key);
  if (spec.sections)
    sectionInputs.forEach(({ input, where }, s) => {
      for (const key of Object.keys(cellFields(input)))
        if (key !== "seed" && !(TOP_ONLY as readonly string[]).includes(key) && !cellFieldsOf[s]!.includes(key)) {
          problems.push({
            path: `${where}.${key}`,
            message: unknownField(
              key,
              [...cellFieldsOf[s]!, ...SECTION_FIELDS],
              ANY_CELL_FIELDS.includes(key) ? `not a field of ${quoteAll(kindsOfSections[s]!)} cells` : undefined,
            ),
          });
          delete sections[s]!.base[key];
        }
    });

  const total = sections.reduce((n, s) => n + s.count, 0);
  if (total > maxCells) {
    const shape = sections.map((s) => `${s.name}: ${s.axes.map((a) => a.values.length).join(" x ")} = ${s.count}`).join("; ");
    problems.push({
      path: "maxCells",
      message: `the sweep has ${total} cells (${shape}), more than maxCells = ${maxCells}; shrink the grid or raise maxCells`,
    });
  }
  if (total > maxCells) return { ok: false, problems: unique(problems) };

  // Expand and validate every cell; a problem shared by many cells is reported once.
  // Seeds are the innermost axis, and a cell's resolution depends on its seed only through the
  // `seed` field (cell.ts `seedIndependent`; every listed seed passed the cell's seed schema):
  // so the cell of each grid combination is resolved once, through the whole schema, and its
  // seeds fill in the field. The cells of one combination share their sub-objects, whose
  // canonical text is then written once (`cache`). Anything else resolves cell by cell.
  const cells: PlannedCell[] = [];
  const found = new Map<string, Problem>();
  const seen = new Map<string, number>();
  const cache: CanonicalCache = new WeakMap();
  // The cells of each section, for finding fields no cell reads, unless some failed to resolve.
  const readers: Cell[][] = sections.map(() => []);
  const failed: boolean[] = sections.map(() => false);
  sections.forEach((section, s) => {
    const where = sectionInputs[s]!.where;
    const sectionRaw = sectionInputs[s]!.input;
    const seedAxis = section.axes.length - 1;
    const bySeed = !options.exhaustive && section.axes[seedAxis]?.paths.length === 1 && section.axes[seedAxis]!.paths[0] === "seed";
    let template: Cell | undefined;
    forEachCombination(section.axes, (steps) => {
      const parameters: Record<string, unknown> = spec.sections ? { section: section.name } : {};
      section.axes.forEach((axis, a) => axis.paths.forEach((path, j) => (parameters[path] = axis.values[steps[a]!]![j])));
      let check: CellCheck;
      if (bySeed && steps[seedAxis] !== 0 && template) check = { ok: true, cell: { ...template, seed: parameters.seed as number } as Cell };
      else {
        const raw = structuredClone(section.base);
        section.axes.forEach((axis, a) => axis.paths.forEach((path, j) => setPath(raw, path, structuredClone(axis.values[steps[a]!]![j]))));
        check = resolveCell(raw);
        template = bySeed && steps[seedAxis] === 0 && check.ok && seedIndependent(check.cell) ? check.cell : undefined;
        if (template) shareCanonical(cache, template);
      }
      if (!check.ok) {
        failed[s] = true;
        for (const p of check.problems) {
          const located = { path: locate(p.path, section.axes, where, sectionRaw), message: p.message };
          found.set(`${located.path}\u0000${located.message}`, located);
        }
        return;
      }
      readers[s]!.push(check.cell);
      const hash = cellHash(check.cell, options.kernelVersion, cache);
      const earlier = seen.get(hash);
      // The same cell in two sections is one computation: kept once, where it first appears.
      if (earlier !== undefined && cells[earlier]!.section !== s) return;
      if (earlier !== undefined) {
        const duplicate = duplicateProblem(
          cells[earlier]!,
          { parameters, section: s },
          cells.length,
          earlier,
          sections,
          check.cell.experiment,
        );
        found.set(`${duplicate.path}\u0000${duplicate.message}`, duplicate);
        failed[s] = true;
        return;
      }
      seen.set(hash, cells.length);
      cells.push({ hash, section: s, parameters, cell: check.cell });
    });
  });
  problems.push(...found.values());
  problems.push(...unreadFields(spec, sectionInputs, sections, readers, failed));
  if (problems.length) return { ok: false, problems: unique(problems) };

  const resolved: ResolvedSweep = {
    format: "dropsweep.sweep/1",
    name: spec.name ?? "sweep",
    ...(spec.description !== undefined ? { description: spec.description } : {}),
    maxCells,
    kernelVersion: options.kernelVersion,
    sections,
    cells: cells.map(({ hash, section, parameters }) => ({ hash, section, parameters })),
  };
  return { ok: true, sweep: { sweepId: sweepIdOf(resolved), resolved, cells } };
}

/** Problems without repeats (a top-level axis is checked once per section). */
function unique(problems: readonly Problem[]): Problem[] {
  const seen = new Set<string>();
  return problems.filter((p) => {
    const key = `${p.path}\u0000${p.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** The sweep id: SHA-256 (hex) of the resolved spec's canonical JSON. */
function sweepIdOf(resolved: ResolvedSweep): string {
  return sha256Hex(canonicalJson(resolved));
}

function at(where: string, field: string): string {
  return where ? `${where}.${field}` : field;
}

function prefixed(grid: Record<string, unknown[]>, where: string): Record<string, { values: unknown[]; source: string }> {
  return Object.fromEntries(Object.entries(grid).map(([path, values]) => [path, { values, source: `${where}[${JSON.stringify(path)}]` }]));
}

/** Problems of axis paths; `cellFields`: the top-level cell fields of the section's experiments. */
function axisPathProblems(axes: Axis[], cellFields: string[]): { axis: Axis; problem: Problem }[] {
  const problems: { axis: Axis; problem: Problem }[] = [];
  const owners: { path: string; source: string }[] = [];
  for (const axis of axes) {
    for (const path of axis.paths) {
      const where = axis.paths.length > 1 ? `${axis.source}[${JSON.stringify(path)}]` : axis.source;
      if (!PATH.test(path)) {
        problems.push({ axis, problem: { path: where, message: `expected a dotted field path like "mask.blockSize", got ${show(path)}` } });
        continue;
      }
      const head = path.split(".")[0]!;
      if (RESERVED.has(head)) {
        problems.push({ axis, problem: { path: where, message: `"${head}" is a spec field, not a cell field, so it cannot be an axis` } });
        continue;
      }
      if (path === "seed" && axis.source !== "seeds" && !axis.source.endsWith(".seeds")) {
        problems.push({ axis, problem: { path: where, message: "seeds are an axis already; write seeds: [...] instead" } });
        continue;
      }
      // A field of no experiment; a field of another experiment is checked on the cells (unreadFields).
      if (head !== "seed" && !ANY_CELL_FIELDS.includes(head)) {
        const what = head === path ? "unknown field" : `unknown field ${JSON.stringify(head)}`;
        problems.push({ axis, problem: { path: where, message: unknownField(head, cellFields, what) } });
        continue;
      }
      const clash = owners.find((o) => o.path === path || o.path.startsWith(`${path}.`) || path.startsWith(`${o.path}.`));
      if (clash)
        problems.push({
          axis,
          problem: { path: where, message: `overlaps the axis ${clash.path} of ${clash.source}; each field may be set by one axis only` },
        });
      owners.push({ path, source: where });
    }
  }
  return problems;
}

/** Visit every combination of axis steps, the last axis fastest. */
function forEachCombination(axes: Axis[], visit: (steps: number[]) => void): void {
  const steps = axes.map(() => 0);
  const count = axes.reduce((n, a) => n * a.values.length, 1);
  for (let i = 0; i < count; i++) {
    visit(steps);
    for (let a = axes.length - 1; a >= 0; a--) {
      if (++steps[a]! < axes[a]!.values.length) break;
      steps[a] = 0;
    }
  }
}

/** Where in the spec a problem with a cell field should be fixed. */
function locate(path: string, axes: Axis[], where: string, section: Record<string, unknown>): string {
  for (const axis of axes) {
    for (const axisPath of axis.paths) {
      if (path === axisPath || path.startsWith(`${axisPath}.`) || path.startsWith(`${axisPath}[`)) {
        const source = axis.paths.length > 1 ? `${axis.source}[${JSON.stringify(axisPath)}]` : axis.source;
        return source + path.slice(axisPath.length);
      }
    }
  }
  if (where && hasPath(section, path)) return `${where}.${path}`;
  return path;
}

function duplicateProblem(
  first: PlannedCell,
  second: { parameters: Record<string, unknown>; section: number },
  index: number,
  earlier: number,
  sections: ResolvedSection[],
  experiment: string,
): Problem {
  const differing = Object.keys(second.parameters).filter(
    (p) => p !== "section" && canonicalJson(second.parameters[p] ?? null) !== canonicalJson(first.parameters[p] ?? null),
  );
  const axis = sections[second.section]!.axes.find((a) => a.paths.some((p) => differing.includes(p)));
  const path = axis ? axis.source : first.section === second.section ? "grid" : "sections";
  const what = differing.length ? `${differing.join(", ")} has no effect on "${experiment}" cells` : "the same cell appears twice";
  return { path, message: `${what}: cells #${earlier} and #${index} are identical; remove the axis or the duplicate cells` };
}
