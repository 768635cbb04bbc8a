// Validation problems: every one names the field (a dotted path, as written in the spec) and
// what is allowed. Specs are checked in full and all problems are reported at once, so a user
// fixes a spec in one pass (STYLE.md: validation collects every problem, throws once).
import type * as z from "zod";
import { UsageError } from "../errors.js";
import { counted } from "../text.js";

export interface Problem {
  /** Dotted path of the field, e.g. `optimiser.learningRate` or `sections[1].grid`. */
  path: string;
  /** What is wrong and what is allowed, e.g. `expected a number > 0, got "fast"`. */
  message: string;
}

export function formatProblem(p: Problem): string {
  return p.path ? `${p.path}: ${p.message}` : p.message;
}

/** A spec that failed validation; the message lists every problem, one a line. */
export class SpecError extends UsageError {
  constructor(
    readonly source: string,
    readonly problems: readonly Problem[],
  ) {
    super(`${source}: ${counted(problems.length, "problem")}\n${problems.map((p) => `  ${formatProblem(p)}`).join("\n")}`);
    this.name = "SpecError";
  }
}

export function joinPath(parts: readonly PropertyKey[]): string {
  let out = "";
  for (const part of parts) {
    if (typeof part === "number") out += `[${part}]`;
    // Grid keys are themselves dotted paths: quote them so `grid["mask.blockSize"]` reads as one key.
    else if (/^[A-Za-z_][A-Za-z0-9_-]*$/.test(String(part))) out += out ? `.${String(part)}` : String(part);
    else out += `[${JSON.stringify(String(part))}]`;
  }
  return out;
}

export function show(value: unknown): string {
  if (value === undefined) return "nothing";
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "number" && !Number.isFinite(value)) return String(value);
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/**
 * "unknown field (did you mean grid?); expected one of: ..." for a field `key` where only
 * `allowed` may be written. `what` replaces "unknown field" (e.g. `not a field of "deep" cells`).
 */
export function unknownField(key: string, allowed: readonly string[], what = "unknown field"): string {
  const guess = closest(key, allowed);
  return `${what}${guess ? ` (did you mean ${guess}?)` : ""}; expected one of: ${allowed.join(", ")}`;
}

/**
 * The allowed name nearest to `key` when one is an obvious fix: at most one edit (insertion,
 * deletion, substitution, or swap of neighbours) per four characters, ignoring case, and no
 * other name as near.
 */
export function closest(key: string, allowed: readonly string[]): string | undefined {
  const limit = Math.max(1, Math.floor(key.length / 4));
  const scored = allowed.map((name) => ({ name, distance: editDistance(key.toLowerCase(), name.toLowerCase()) }));
  const best = Math.min(...scored.map((s) => s.distance));
  const nearest = scored.filter((s) => s.distance === best);
  return best <= limit && nearest.length === 1 ? nearest[0]!.name : undefined;
}

/** Optimal string alignment distance: Levenshtein plus swaps of adjacent characters ("gird"/"grid" is 1). */
export function editDistance(a: string, b: string): number {
  const rows = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  for (let i = 1; i <= a.length; i++)
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min(rows[i - 1]![j]! + 1, rows[i]![j - 1]! + 1, rows[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, rows[i - 2]![j - 2]! + 1);
      rows[i]![j] = d;
    }
  return rows[a.length]![b.length]!;
}

type LinePos = { line: number; col: number };
interface YamlError {
  message: string;
  code?: string;
  linePos?: [LinePos] | [LinePos, LinePos];
}

/**
 * The YAML syntax errors of a document as problems, one per mistake. A key indented more than
 * the line above, whose value is given (`experiment: noop` then `  seeds: [1]`), makes the
 * parser read that value and this key as one multi-line key: it reports two errors at the
 * value, one line early. That mistake is reported once, at the over-indented key.
 */
export function yamlProblems(errors: readonly YamlError[], text: string): Problem[] {
  const lines = text.split(/\r?\n/);
  const overIndented = errors.filter((e) => {
    const [start, end] = e.linePos ?? [];
    // The key begins after a `key: ` on its first line (a value) and ends on a later line.
    return (
      e.code === "MULTILINE_IMPLICIT_KEY" &&
      start &&
      end &&
      end.line > start.line &&
      lines[start.line - 1]!.slice(0, start.col - 1).trim() !== ""
    );
  });
  const starts = new Set(overIndented.map((e) => `${e.linePos![0].line}:${e.linePos![0].col}`));
  return errors.flatMap((e): Problem[] => {
    if (overIndented.includes(e)) {
      const line = e.linePos![1]!.line;
      const col = lines[line - 1]!.search(/\S/) + 1;
      return [
        yamlProblem(
          {
            message: `key indented more than the line above, whose value is already given (the keys of one mapping start in the same column) at line ${line}, column ${col}:`,
            linePos: [{ line, col }],
          },
          text,
        ),
      ];
    }
    // The same mistake, reported again by the parser at the same place.
    if (e.code === "BLOCK_AS_IMPLICIT_KEY" && e.linePos && starts.has(`${e.linePos[0].line}:${e.linePos[0].col}`)) return [];
    return [yamlProblem(e, text)];
  });
}

/**
 * A YAML syntax error as one problem: the parser's message, then the offending line with a
 * caret under the column (the parser's own code frame is several lines and may show the line
 * before instead).
 */
function yamlProblem(error: YamlError, text: string): Problem {
  const first = error.message.split("\n")[0]!.replace(/:\s*$/, "");
  const position = error.linePos?.[0];
  const line = position ? text.split(/\r?\n/)[position.line - 1] : undefined;
  if (!position || line === undefined || line.trim() === "") return { path: "", message: `YAML: ${first}` };
  // Long lines are cut to a window around the column; tabs stay tabs so the caret lines up.
  const start = position.col > 60 ? position.col - 40 : 0;
  const shown = (start ? "..." : "") + line.slice(start, start + 100) + (line.length > start + 100 ? "..." : "");
  const before = (start ? "..." : "") + line.slice(start, position.col - 1);
  const caret = before.replace(/[^\t]/g, " ") + "^";
  return { path: "", message: `YAML: ${first}:\n      ${shown}\n      ${caret}` };
}

/**
 * Error map for parsing specs: messages say "expected ..." in words; `issuesToProblems` adds
 * what was found. Field helpers (shared/spec/fields.ts) set their own "expected ..." text.
 */
export const specErrorMap: z.core.$ZodErrorMap = (issue) => {
  switch (issue.code) {
    case "invalid_type":
      return `expected ${article(issue.expected)}`;
    case "invalid_value":
      return `expected one of ${issue.values.map((v) => show(v)).join(", ")}`;
    case "unrecognized_keys": {
      // The allowed names travel as data on the issue (zod copies an issue's own fields when it
      // finalises it, after asking for the message): `issuesToProblems` writes one message per
      // key, with a suggestion, from them rather than from this text.
      const shape = (issue.inst as { shape?: Record<string, unknown> } | undefined)?.shape;
      if (!shape) return "unknown field";
      const allowed = Object.keys(shape);
      (issue as { allowedKeys?: string[] }).allowedKeys = allowed;
      return issue.keys.length === 1
        ? unknownField(issue.keys[0]!, allowed)
        : `unknown fields ${issue.keys.join(", ")}; expected one of: ${allowed.join(", ")}`;
    }
    case "invalid_union":
      if ("discriminator" in issue && issue.discriminator)
        return `expected one of ${((issue as { options?: unknown[] }).options ?? []).map((v) => show(v)).join(", ")}`;
      return "matches none of the allowed forms";
    case "too_small":
    case "too_big": {
      // Schemas built without shared/spec/fields.ts (shared/experiments/deepParams.ts) get the same words.
      const small = issue.code === "too_small";
      const bound = String(small ? issue.minimum : issue.maximum);
      if (issue.origin === "array")
        return (issue as { exact?: boolean }).exact
          ? `expected exactly ${bound} entries`
          : `expected ${small ? "at least" : "at most"} ${bound} entries`;
      if (issue.origin === "number" || issue.origin === "int") {
        const noun = issue.origin === "int" ? "an integer" : "a number";
        const relation = small ? (issue.inclusive ? ">=" : ">") : issue.inclusive ? "<=" : "<";
        return `expected ${noun} ${relation} ${bound}`;
      }
      return undefined;
    }
    default:
      return undefined;
  }
};

function article(expected: string): string {
  const words: Record<string, string> = {
    object: "a mapping",
    array: "a list",
    number: "a number",
    int: "an integer",
    string: "a string",
    boolean: "true or false",
  };
  return words[expected] ?? expected;
}

/** Turn zod issues into problems, adding the value found ("got ...") or "missing". */
export function issuesToProblems(issues: readonly z.core.$ZodIssue[], prefix: readonly PropertyKey[] = []): Problem[] {
  const problems: Problem[] = [];
  for (const issue of issues) {
    const path = [...prefix, ...issue.path];
    const input = (issue as { input?: unknown }).input;
    if (issue.code === "unrecognized_keys") {
      const allowed = (issue as { allowedKeys?: unknown }).allowedKeys;
      for (const key of issue.keys)
        problems.push({
          path: joinPath([...path, key]),
          message: Array.isArray(allowed) ? unknownField(key, allowed as string[]) : issue.message,
        });
      continue;
    }
    if (issue.code === "invalid_union" && "discriminator" in issue && issue.discriminator) {
      // Zod reports the whole object as input; the value that matters is the discriminator's.
      const found = input !== null && typeof input === "object" ? (input as Record<string, unknown>)[issue.discriminator] : input;
      const at = path[path.length - 1] === issue.discriminator ? path : [...path, issue.discriminator];
      problems.push({
        path: joinPath(at),
        message: found === undefined ? `missing (${issue.message})` : `${issue.message}, got ${show(found)}`,
      });
      continue;
    }
    if (input === undefined && issue.code === "invalid_type") {
      problems.push({ path: joinPath(path), message: `missing (${issue.message})` });
      continue;
    }
    // Custom issues whose message is complete carry the parent object as input: no "got".
    const complete = issue.code === "custom" && (issue.message.startsWith("missing") || issue.message.startsWith("unknown field"));
    const message = "input" in issue && !complete ? `${issue.message}, got ${show(input)}` : issue.message;
    problems.push({ path: joinPath(path), message });
  }
  return problems;
}
