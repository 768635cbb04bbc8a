// How a cell's training ended, for the claims whose comparison presumes a trained optimum
// (3, 4, 5 on linear cells, 6 on deep cells, 7 on twin pairs): they judge converged cells only,
// and say of the others how many stopped and what to change. "fail" is kept for converged cells
// that disagree with the theory; a claim whose cells all stopped early is "inconclusive"
// (status.ts). Claims 1 and 2 are identities at any weights and read every cell.
import { DEFAULT_EPOCHS } from "../spec/cell.js";
import type { ClaimId, ClaimResult } from "./result.js";
import type { TrainingStatus } from "../results/metrics.js";
import { counted } from "../text.js";
import type { CellEvidence } from "./evidence.js";
import { inconclusive, short, skipped, type Head } from "./verdict.js";

/** The claims that judge converged cells only; claims 1 and 2 hold at any weights. */
const trainedOptimumClaims: ReadonlySet<ClaimId> = new Set<ClaimId>(["3", "4", "5", "6", "7"]);

/** Whether claim `id` compares a trained optimum with the theory (and so sets unconverged cells aside). */
export function presumesTrainedOptimum(id: ClaimId): boolean {
  return trainedOptimumClaims.has(id);
}

/** How the cell's training ended; undefined for cells that do not train (noop). */
function trainingOf(e: CellEvidence): TrainingStatus | undefined {
  if (e.status === "diverged") return "diverged";
  if (e.kind === "noop") return undefined;
  return e.metrics.trainingStatus ?? undefined;
}

export function converged(e: CellEvidence): boolean {
  return trainingOf(e) === "converged";
}

/** 100000 -> "100,000" (plain digits, the same on every machine). */
function grouped(n: number): string {
  return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
}

function values(numbers: Iterable<number>): string {
  const sorted = [...new Set(numbers)].sort((a, b) => a - b);
  return sorted.length <= 3 ? sorted.map(grouped).join(" or ") : `${grouped(sorted[0]!)} to ${grouped(sorted.at(-1)!)}`;
}

/**
 * What the cells that did not converge were, and what to change, one clause per kind:
 * "4 cells stopped at optimiser.epochs = 20 before converging: raise it (the default is
 * 100,000)"; empty when every cell converged.
 */
export function notConvergedNotes(cells: readonly CellEvidence[]): string[] {
  const notes: string[] = [];
  const linear = cells.filter((e) => e.kind === "linear");
  const deep = cells.filter((e) => e.kind === "deep");
  const capped = (list: typeof cells) => list.filter((e) => trainingOf(e) === "max-epochs");
  const diverged = (list: typeof cells) => list.filter((e) => trainingOf(e) === "diverged");

  const linearCapped = capped(linear).flatMap((e) => (e.kind === "linear" ? [e] : []));
  if (linearCapped.length) {
    const caps = linearCapped.map((e) => e.cell.optimiser.epochs);
    const below = caps.some((c) => c < DEFAULT_EPOCHS);
    notes.push(
      `${counted(linearCapped.length, "cell")} stopped at optimiser.epochs = ${values(caps)} before converging: raise it` +
        (below ? ` (the default is ${grouped(DEFAULT_EPOCHS)})` : ""),
    );
  }
  const linearDiverged = diverged(linear).flatMap((e) => (e.kind === "linear" ? [e] : []));
  const automatic = linearDiverged.filter((e) => e.cell.optimiser.learningRate === "auto");
  const chosen = linearDiverged.filter((e) => e.cell.optimiser.learningRate !== "auto");
  if (chosen.length)
    notes.push(
      `${counted(chosen.length, "cell")} diverged at optimiser.learningRate = ${[...new Set(chosen.map((e) => short(e.cell.optimiser.learningRate as number)))].join(" or ")}: lower it, or leave it out for the automatic step size`,
    );
  if (automatic.length) {
    const smallest = Math.min(...automatic.map((e) => e.metrics.learningRate ?? Number.POSITIVE_INFINITY));
    notes.push(
      `${counted(automatic.length, "cell")} diverged even at the automatic step size halved at every restart` +
        (Number.isFinite(smallest) ? `: set optimiser.learningRate below ${short(smallest)}` : ": set a smaller optimiser.learningRate"),
    );
  }
  const deepCapped = capped(deep).flatMap((e) => (e.kind === "deep" ? [e] : []));
  if (deepCapped.length)
    notes.push(
      `${counted(deepCapped.length, "deep cell")} stopped at epochs = ${values(deepCapped.map((e) => e.cell.epochs))} before converging: raise it`,
    );
  const deepDiverged = diverged(deep).flatMap((e) => (e.kind === "deep" ? [e] : []));
  if (deepDiverged.length)
    notes.push(
      `${counted(deepDiverged.length, "deep cell")} diverged at learningRate = ${[...new Set(deepDiverged.map((e) => short(e.cell.learningRate)))].join(" or ")}: lower it`,
    );
  return notes;
}

/** Cells that bear on a claim, split into those it judges (converged) and those it cannot. */
function byTraining<T extends CellEvidence>(cells: readonly T[]): { judged: T[]; notConverged: T[] } {
  return { judged: cells.filter(converged), notConverged: cells.filter((e) => !converged(e)) };
}

/**
 * Where every claim comparing a trained optimum starts: of the cells bearing on it, the converged
 * ones with the measurement it needs (`usable`) are judged; the rest are counted, with what
 * stopped them (`stopped`, notes, with what `describe` says of them: how far they got) and their
 * hashes (`unjudged`). When nothing can be judged, the claim's result instead: skipped
 * (`skipReason`) when no cell bears on it, inconclusive when none converged.
 */
export function judgeConverged<T extends CellEvidence>(
  claim: Head,
  bearing: readonly T[],
  usable: (e: T) => boolean,
  skipReason: string,
  describe: (notConverged: T[]) => string[] = () => [],
): { result: ClaimResult } | { cells: T[]; notConverged: T[]; stopped: string[]; unjudged: string[] } {
  const { judged, notConverged } = byTraining(bearing);
  const cells = judged.filter(usable);
  if (!cells.length && !notConverged.length) return { result: skipped(claim, skipReason) };
  const stopped = [...notConvergedNotes(notConverged), ...(notConverged.length ? describe(notConverged) : [])];
  const unjudged = notConverged.map((e) => e.hash);
  if (!cells.length) return { result: inconclusive(claim, notConverged.length, stopped, unjudged) };
  return { cells, notConverged, stopped, unjudged };
}
