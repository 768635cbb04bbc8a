// Claim 7 (THEORY.md "Claims the pipeline checks"): how far the analysed (partitioned)
// DropBlock is from the original contiguous scheme. A measurement, not an identity: twin cells
// (the same cell but for the mask family, linear or deep) compared on their `finalObjective`
// (gated), learned spectra and `objectiveCheckpoints` (reported).
import { schemesPanel } from "../report/panels/schemes.js";
import { canonicalJson } from "../spec/canonical.js";
import { counted } from "../text.js";
import type { Claim } from "./claim.js";
import { finite, type CellEvidence } from "./evidence.js";
import { converged, notConvergedNotes } from "./training.js";
import { check, inconclusive, range, reported, skipped, thisSweep, verdict, worstFirst } from "./verdict.js";

export const tolerances = {
  /** Relative difference of twin cells' final objectives, learned spectra and curves. */
  partitionedVsContiguous: 0.05,
} as const;

type TrainedEvidence = Extract<CellEvidence, { kind: "linear" | "deep" }>;

/** ||a - b|| / ||b|| over the longer of the two (missing entries are zeros). */
function relativeDistance(a: readonly number[], b: readonly number[]): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    num += d * d;
    den += (b[i] ?? 0) * (b[i] ?? 0);
  }
  return den > 0 ? Math.sqrt(num / den) : Math.sqrt(num);
}

function checkpointsOf(e: TrainedEvidence): Map<number, number> | undefined {
  const c = e.metrics.objectiveCheckpoints;
  if (!c || c.epoch.length !== c.value.length) return undefined;
  const out = new Map<number, number>();
  c.epoch.forEach((epoch, i) => {
    const value = c.value[i];
    if (finite(epoch) && finite(value)) out.set(epoch, value);
  });
  return out;
}

/** The largest relative difference of two curves at the epochs both record. */
function curveDistance(a: Map<number, number>, b: Map<number, number>): number | undefined {
  let worst: number | undefined;
  for (const [epoch, value] of b) {
    const other = a.get(epoch);
    if (other === undefined) continue;
    worst = Math.max(worst ?? 0, Math.abs(other - value) / Math.max(Math.abs(value), Number.MIN_VALUE));
  }
  return worst;
}

export const partitionedVsContiguous: Claim = {
  id: "7",
  title: "Partitioned vs contiguous DropBlock",
  statement: () =>
    "How far the analysed (partitioned) DropBlock is from the original contiguous scheme, in training curves and final spectra.",
  measured: (result) =>
    `The largest relative difference between the final objectives of a contiguous DropBlock cell and its partitioned twin (the same cell but for the mask family: same data, seed, block size and keep probability), both converged, ${thisSweep(result, "twin pair")}; ` +
    "their learned spectra and objective curves are compared the same way and reported. The plot adds the curves and spectra themselves.",
  tolerances,
  justification: () =>
    "A measurement, not an identity: contiguous windows overlap, so the theory's closed form does not apply to them. The verdict asks whether the analysed scheme's final objective stands in for the original's within 5%: measured at most 1.0% over 126 linear twin pairs (the calibration sweep), 3.1% over 132 linear and deep pairs (a run of sweeps/paper.yaml; the largest are deep, k = 10, imbalanced classes), 0.4–2.2% in docs/DEEP.md. " +
    "Learned spectra and objective curves (at epochs 1, 2, 4, ... and the last) are reported against the same 5%, not gated: twins' spectra differ by up to 10% where both shrink hard (θ = 0.3, k = 4), and curves by up to 18% at epochs 16-32 (different mask noise on the way down), while their final objectives agree.",
  remedy: () =>
    "A measurement, not an identity: a pair beyond 5% means the analysed (partitioned) scheme does not stand in for the original in that setting. Look at its row in the partitioned-vs-contiguous plot: curves apart only early is mask noise (train longer); final values apart means the schemes' minima differ there (large blocks, strong shrinkage), which is what the claim measures.",
  plots: [schemesPanel],

  /** Twin cells paired by everything but the family. */
  evaluate(evidence) {
    // Twins are compared at their optimum: a pair is judged when both converged (training.ts);
    // pairs with a twin that stopped early are counted, not judged.
    const partitioned = new Map<string, TrainedEvidence>();
    const contiguous: { key: string; e: TrainedEvidence }[] = [];
    for (const e of evidence) {
      if (e.kind === "noop") continue;
      const family = e.cell.mask.family;
      if (family !== "dropblock" && family !== "contiguous-dropblock") continue;
      const key = canonicalJson({ ...e.cell, mask: { ...e.cell.mask, family: "*" } });
      if (family === "dropblock") partitioned.set(key, e);
      else contiguous.push({ key, e });
    }
    const usable = (e: TrainedEvidence) => e.status === "ok" && converged(e) && finite(e.metrics.finalObjective);
    const unjudged: TrainedEvidence[] = [];
    const objective: number[] = [];
    const spectrum: number[] = [];
    const curve: number[] = [];
    const kinds = new Set<string>();
    const pairs: [string, string][] = [];
    for (const { key, e } of contiguous) {
      const twin = partitioned.get(key);
      if (!twin) continue;
      if (!usable(e) || !usable(twin)) {
        unjudged.push(...[e, twin].filter((c) => !converged(c)));
        continue;
      }
      kinds.add(e.cell.experiment);
      const reference = twin.metrics.finalObjective as number;
      objective.push(Math.abs((e.metrics.finalObjective as number) - reference) / Math.max(Math.abs(reference), Number.MIN_VALUE));
      pairs.push([e.hash, twin.hash]);
      if (e.spectra?.learned && twin.spectra?.learned) spectrum.push(relativeDistance(e.spectra.learned, twin.spectra.learned));
      const a = checkpointsOf(e);
      const b = checkpointsOf(twin);
      const distance = a && b ? curveDistance(a, b) : undefined;
      if (distance !== undefined) curve.push(distance);
    }
    const stopped = notConvergedNotes(unjudged);
    const unjudgedHashes = unjudged.map((e) => e.hash);
    if (!objective.length && !unjudged.length)
      return skipped(partitionedVsContiguous, "no pair of partitioned and contiguous DropBlock cells with final objectives");
    if (!objective.length) return inconclusive(partitionedVsContiguous, unjudged.length, stopped, unjudgedHashes);
    const tol = tolerances.partitionedVsContiguous;
    // The verdict is on the final objectives (is the analysed scheme's minimum a stand-in for the
    // original's?); spectra and curves are measured and reported against the same 5%, not gated:
    // THEORY.md asks how far apart they are, and they are measurably apart in places (see the
    // justification).
    const checks = [check("max relative difference of final objectives", Math.max(...objective), "<=", tol, objective.length)];
    if (spectrum.length)
      checks.push(reported(check("max relative difference of learned spectra", Math.max(...spectrum), "<=", tol, spectrum.length)));
    if (curve.length)
      checks.push(
        reported(check("max relative difference of objective curves (epochs 1, 2, 4, ...)", Math.max(...curve), "<=", tol, curve.length)),
      );
    const beyond = (values: number[]) => values.filter((v) => v > tol).length;
    const notes = [
      `${counted(objective.length, "twin pair")} (${[...kinds].sort().join(", ")})`,
      `objectives ${range(objective)}, spectra ${range(spectrum)}, curves ${range(curve)}`,
      ...(beyond(spectrum) || beyond(curve)
        ? [
            `beyond ${tol * 100}% (reported, not gated): spectra in ${counted(beyond(spectrum), "pair")}, curves in ${counted(beyond(curve), "pair")}`,
          ]
        : []),
      ...stopped.map((note) => `not judged: ${note}`),
    ];
    // Both cells of a pair, contiguous then partitioned, the pairs by their objectives' difference.
    const order = worstFirst(pairs.map((_, i) => ({ hash: String(i), badness: objective[i]! })));
    const hashes = order.flatMap((i) => pairs[Number(i)]!);
    return verdict(partitionedVsContiguous, objective.length * 2 + unjudged.length, checks, notes, [...hashes, ...unjudgedHashes]);
  },
};
