// Documents read back from a store (resolved.json, cell definitions, results, error.json,
// partials, JSON Lines of the plan): each has one zod schema, next to the code that writes it,
// and is read through it here. A damaged or foreign document is never used as if it were one:
// the reader gets one line naming every field that is wrong and what was expected (the spec's
// wording, shared/spec/problems.ts), prefixes where it read it, and takes its recovery path
// (recompute, rebuild, plan again).
import type * as z from "zod";
import { formatProblem, issuesToProblems, specErrorMap } from "../spec/problems.js";

/** A document as its schema types it, or what is wrong with it (without where it was read). */
export type Checked<T> = { ok: true; value: T } | { ok: false; problem: string };

/** Check an already parsed value against `schema`: "rows[3].hash: expected ..., got ..." for each field that is wrong. */
export function checkDocument<S extends z.ZodType>(schema: S, value: unknown): Checked<z.output<S>> {
  const parsed = schema.safeParse(value, { error: specErrorMap, reportInput: true });
  if (parsed.success) return { ok: true, value: parsed.data };
  return { ok: false, problem: issuesToProblems(parsed.error.issues).map(formatProblem).join("; ") };
}

/** Parse JSON text and check it against `schema`. */
export function parseDocument<S extends z.ZodType>(schema: S, text: string): Checked<z.output<S>> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { ok: false, problem: `not JSON (${(error as Error).message})` };
  }
  return checkDocument(schema, value);
}

/** The document, or an Error "`where`: what is wrong`remedy`" (remedy: e.g. "; plan the sweep again"). */
export function documentOrThrow<T>(checked: Checked<T>, where: string, remedy = ""): T {
  if (!checked.ok) throw new Error(`${where}: ${checked.problem}${remedy}`);
  return checked.value;
}
