// Validation problems: every one names the field (a dotted path, as written in the spec) and
// what is allowed. Specs are checked in full and all problems are reported at once, so a user
// fixes a spec in one pass (STYLE.md: validation collects every problem, throws once).
import type * as z from "zod";
import { UsageError } from "../errors.js";

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
    const count = problems.length === 1 ? "1 problem" : `${problems.length} problems`;
    super(`${source}: ${count}\n${problems.map((p) => `  ${formatProblem(p)}`).join("\n")}`);
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
      const shape = (issue.inst as { shape?: Record<string, unknown> } | undefined)?.shape;
      return shape ? `unknown field; expected one of: ${Object.keys(shape).join(", ")}` : "unknown field";
    }
    case "invalid_union":
      if ("discriminator" in issue && issue.discriminator)
        return `expected one of ${((issue as { options?: unknown[] }).options ?? []).map((v) => show(v)).join(", ")}`;
      return "matches none of the allowed forms";
    case "too_small":
    case "too_big": {
      // Schemas built without shared/spec/fields.ts (shared/deep/params.ts) get the same words.
      const small = issue.code === "too_small";
      const bound = String(small ? issue.minimum : issue.maximum);
      if (issue.origin === "array")
        return (issue as { exact?: boolean }).exact ? `expected exactly ${bound} entries` : `expected ${small ? "at least" : "at most"} ${bound} entries`;
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
      for (const key of issue.keys) problems.push({ path: joinPath([...path, key]), message: issue.message });
      continue;
    }
    if (issue.code === "invalid_union" && "discriminator" in issue && issue.discriminator) {
      // Zod reports the whole object as input; the value that matters is the discriminator's.
      const found = input !== null && typeof input === "object" ? (input as Record<string, unknown>)[issue.discriminator] : input;
      const at = path[path.length - 1] === issue.discriminator ? path : [...path, issue.discriminator];
      problems.push({ path: joinPath(at), message: found === undefined ? `missing (${issue.message})` : `${issue.message}, got ${show(found)}` });
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
