// The exit codes of every dropsweep command, one table (README "Commands" lists the same).
// Bad input (2) is shared/errors.ts UsageError; a failure the user can act on (1) is
// cli/failure.ts CommandFailure.
export const exitCodes = {
  ok: 0,
  /** Cells or the run failed; an AWS call failed; a cloud execution failed. */
  failed: 1,
  /** Bad input or refused: nothing written. */
  usage: 2,
  /** Regressions against a baseline. */
  regression: 3,
  /** With --strict: a claim failed or is inconclusive (shared/pipeline/verdict.ts `failsStrict`). */
  claimsFailed: 4,
  /** SIGINT or SIGTERM during a run: what was computed is kept, the same command resumes. */
  interrupted: 130,
} as const;
