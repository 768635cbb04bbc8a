// What every claim module (shared/claims/*.ts, listed in list.ts) provides, as cdk-nag gives
// each rule one file: the claim's words, its tolerances and why they have their size, the
// evaluation on a sweep's evidence, and the plots that show that evidence in the report.
//
// The texts are functions of the evaluated result, so a claim can speak of the sweep at hand
// (its number of cells, the thresholds that follow from it) rather than of a fixed one.
import type { Panel } from "../report/panels/panel.js";
import type { CellEvidence } from "./evidence.js";
import type { ClaimId, ClaimResult } from "./result.js";

/** A claim's result before its justification is written into it. */
export type Evaluated = Omit<ClaimResult, "justification">;

export interface Claim {
  /** The claim's number in THEORY.md "Claims the pipeline checks". */
  id: ClaimId;
  title: string;
  /** The claim in one sentence (THEORY.md). */
  statement(result: ClaimResult): string;
  /** What "measured" is: the quantity of the claim's first check, and what the others add. */
  measured(result: ClaimResult): string;
  /**
   * The bounds the checks compare with, by name. Each is justified by `justification` from
   * measured noise floors (docs/BENCHMARKS.md "Paper sweep"): never loosen one without a
   * measured reason.
   */
  tolerances: Readonly<Record<string, number>>;
  /**
   * Why the tolerances have their size; Aggregate writes it into the result (summary.json).
   * Numbers of this sweep (its n, the thresholds that follow) come from `result`; numbers
   * measured once on another sweep are named as such ("the calibration sweep's ...").
   */
  justification(result: Evaluated): string;
  /** What to look at and what to change when the claim does not hold (the report shows it beside a failing claim). */
  remedy(result: ClaimResult): string;
  /** The verdict on the cells that bear on the claim; every claim is listed, "skipped" with the reason when none does. */
  evaluate(evidence: readonly CellEvidence[]): ClaimResult;
  /** The report's plots of this claim's evidence, in the order they are shown. */
  plots: readonly Panel[];
}
