// Dotted paths into the values of a spec (`mask.blockSize`), as axes and problems name fields.
import { isPlainObject } from "./fields.js";

export function setPath(target: Record<string, unknown>, path: string, value: unknown): void {
  const parts = path.split(".");
  let node = target;
  for (const part of parts.slice(0, -1)) {
    if (!isPlainObject(node[part])) node[part] = {};
    node = node[part] as Record<string, unknown>;
  }
  node[parts[parts.length - 1]!] = value;
}

export function getPath(source: unknown, path: string): unknown {
  let node = source;
  for (const part of path.split(".")) {
    if (!isPlainObject(node)) return undefined;
    node = node[part];
  }
  return node;
}

/** Objects merge key by key (the override wins); anything else, lists included, is replaced. */
export function deepMerge(base: Record<string, unknown>, override: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = structuredClone(base);
  for (const [key, value] of Object.entries(override)) {
    const prior = out[key];
    out[key] = isPlainObject(prior) && isPlainObject(value) ? deepMerge(prior, value) : structuredClone(value);
  }
  return out;
}

/** Whether `path` (list indices ignored) is written in `value`. */
export function hasPath(value: unknown, path: string): boolean {
  let node = value;
  for (const part of path.replace(/\[\d+\]/g, "").split(".")) {
    if (!isPlainObject(node) || !(part in node)) return false;
    node = node[part];
  }
  return true;
}

/**
 * A copy of `value` without the fields at `paths`. A list entry is removed from its list, and a
 * list left empty is removed too (its default applies: `seeds: [-1]` is one problem, not also
 * "expected at least one seed"); a section is replaced by an empty one, so the sections after
 * it keep their index.
 */
export function withoutPaths(value: Record<string, unknown>, paths: readonly (readonly PropertyKey[])[]): Record<string, unknown> {
  const out = structuredClone(value);
  const removed = Symbol("removed");
  const emptied: { parent: Record<string, unknown>; key: string }[] = [];
  for (const path of paths) {
    if (path.length === 0) continue;
    let parent: unknown = out;
    let holder: { parent: Record<string, unknown>; key: string } | undefined;
    for (const part of path.slice(0, -1)) {
      if (isPlainObject(parent)) holder = { parent, key: String(part) };
      parent = isPlainObject(parent) || Array.isArray(parent) ? (parent as Record<PropertyKey, unknown>)[part as string] : undefined;
    }
    const last = path[path.length - 1]!;
    if (Array.isArray(parent) && typeof last === "number") {
      parent[last] = path.length === 2 && path[0] === "sections" ? {} : removed;
      if (holder) emptied.push(holder);
    } else if (isPlainObject(parent)) delete parent[String(last)];
  }
  for (const { parent, key } of emptied) {
    const list = parent[key];
    if (!Array.isArray(list)) continue;
    const kept = list.filter((v) => v !== removed);
    if (kept.length) parent[key] = kept;
    else delete parent[key];
  }
  return out;
}
