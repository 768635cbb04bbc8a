// --strict, the same in every command that ends with a verdict (run, report, cloud status and
// fetch): the rule is shared/pipeline/verdict.ts `failsStrict`, the exit code exitCodes.claimsFailed.
import { strictFailures, type ClaimVerdict } from "../shared/pipeline/verdict.js";
import { exitCodes } from "./exitCodes.js";

/**
 * Exit 4 with one line on stderr naming the claims that fail a strict run ("--strict: claims 3,
 * 4 fail; 6 inconclusive"), else 0.
 */
export function strictExit(claims: readonly ClaimVerdict[]): number {
  const failing = strictFailures(claims);
  if (failing.length === 0) return exitCodes.ok;
  const byStatus = new Map<string, string[]>();
  for (const claim of failing) byStatus.set(claim.status, [...(byStatus.get(claim.status) ?? []), claim.id]);
  const named = [...byStatus].map(([status, ids]) => `${ids.join(", ")} ${status}`).join("; ");
  process.stderr.write(`dropsweep: --strict: ${failing.length === 1 ? "claim" : "claims"} ${named} (exit ${exitCodes.claimsFailed})\n`);
  return exitCodes.claimsFailed;
}
