// How a claim module turns its checks into a result: one check per test a claim rests on, the
// verdict from the gated ones, the cells listed worst first, and the numbers in its notes
// written short. A claim may rest on several checks (claim 3: objective gap AND spectrum
// error); `measured` and `tolerance` are its first check's, `checks` lists them all, and the
// claim passes when every gated check does.
import type { Claim, Evaluated } from "./claim.js";
import type { ClaimCheck, ClaimResult } from "./result.js";
import { counted } from "../text.js";

export type Head = Pick<Claim, "id" | "title" | "justification">;

export function check(name: string, measured: number, relation: "<=" | ">=", tolerance: number, cells: number): ClaimCheck {
  return { name, measured, relation, tolerance, cells, pass: relation === "<=" ? measured <= tolerance : measured >= tolerance };
}

/** The same check shown against its tolerance but not part of the verdict. */
export function reported(c: ClaimCheck): ClaimCheck {
  return { ...c, reported: true };
}

function withJustification(claim: Head, evaluated: Evaluated): ClaimResult {
  // Fields in summary.json's order (shared/claims/result.ts).
  const { id, title, status, measured, tolerance, cells, checks, reason, hashes, ...rest } = evaluated;
  return {
    id,
    title,
    status,
    measured,
    tolerance,
    cells,
    ...(checks ? { checks } : {}),
    ...(reason !== undefined ? { reason } : {}),
    justification: claim.justification(evaluated),
    ...(hashes ? { hashes } : {}),
    ...rest,
  };
}

/** No cell bears on the claim: listed anyway, with the reason. */
export function skipped(claim: Head, reason: string): ClaimResult {
  return withJustification(claim, {
    id: claim.id,
    title: claim.title,
    status: "skipped",
    measured: null,
    tolerance: null,
    cells: 0,
    reason,
  });
}

/**
 * Cells bear on the claim but none converged (shared/claims/training.ts): nothing to judge.
 * `notes` say how many stopped and what to change; `hashes` are those cells.
 */
export function inconclusive(claim: Head, cells: number, notes: string[], hashes: string[]): ClaimResult {
  return withJustification(claim, {
    id: claim.id,
    title: claim.title,
    status: "inconclusive",
    measured: null,
    tolerance: null,
    cells,
    checks: [],
    reason: `no cell it bears on converged, so nothing is judged: ${notes.join("; ")}`,
    hashes,
  });
}

/** A claim's verdict from its checks (the first one is the headline), failing outright if `failure` says why. */
export function verdict(
  claim: Head,
  cells: number,
  checks: ClaimCheck[],
  notes: string[],
  hashes: string[],
  failure?: string,
): ClaimResult {
  const [first] = checks;
  const pass = !failure && checks.every((c) => c.pass || c.reported);
  const reason = [failure, ...notes].filter(Boolean).join("; ");
  return withJustification(claim, {
    id: claim.id,
    title: claim.title,
    status: pass ? "pass" : "fail",
    measured: first ? first.measured : null,
    tolerance: first ? first.tolerance : null,
    cells,
    checks,
    ...(reason ? { reason } : {}),
    hashes,
  });
}

/** Cells in decreasing badness (ties in evidence order): the hashes a claim lists. */
export function worstFirst(items: readonly { hash: string; badness: number }[]): string[] {
  const key = (badness: number) => (Number.isNaN(badness) ? Number.POSITIVE_INFINITY : badness);
  return items
    .map((item, index) => ({ hash: item.hash, badness: key(item.badness), index }))
    .sort((a, b) => (a.badness === b.badness ? a.index - b.index : a.badness > b.badness ? -1 : 1))
    .map((item) => item.hash);
}

/** A number in a note: 3 significant digits, exponential outside [1e-3, 1e4). */
export const short = (x: number) =>
  x === 0 ? "0" : Math.abs(x) >= 1e-3 && Math.abs(x) < 1e4 ? String(Number(x.toPrecision(3))) : x.toExponential(2);

export const percent = (fraction: number) => `${Number((fraction * 100).toPrecision(3))}%`;

/** "0.0011 to 0.0052"; one number when they all read the same ("1 twin pair; objectives 0.00142"). */
export function range(values: readonly number[]): string {
  if (!values.length) return "none";
  const [low, high] = [short(Math.min(...values)), short(Math.max(...values))];
  return low === high ? low : `${low} to ${high}`;
}

/** How many cells a claim's result gives `role` (ClaimResult.roles). */
export function roleCount(result: Pick<ClaimResult, "roles">, role: string): number {
  return result.roles?.find((r) => r.role === role)?.hashes.length ?? 0;
}

/** "over this sweep's 135 cells": the cells the first check read, when the claim was evaluated. */
export function thisSweep(result: Pick<ClaimResult, "checks">, noun: string, pluralNoun = `${noun}s`): string {
  const n = result.checks?.[0]?.cells;
  return n === undefined ? `over the ${pluralNoun}` : `over this sweep's ${counted(n, noun, pluralNoun)}`;
}
