// How the Distributed Map fans a sweep out: batch size, concurrency bound, tolerated failures
// and task timeouts. One pure validation that collects every problem and throws once, so a
// caller fixes all settings in one pass (STYLE.md, aws-solutions-constructs input-validation).
import { UsageError } from "../shared/errors.js";
import { MAX_ITEMS_PER_BATCH } from "../shared/pipeline/contract.js";

export interface SweepMapSettings {
  /** Cells handed to one Worker invocation (ItemBatcher MaxItemsPerBatch). @default 8 */
  readonly maxItemsPerBatch: number;
  /** Worker invocations running at once (Distributed Map MaxConcurrency; 0 = AWS maximum). @default 200 */
  readonly maxConcurrency: number;
  /** Whole percentage of cells (0..100) allowed to fail before the map fails with
   *  States.ExceedToleratedFailureThreshold; a failed batch counts all of its cells. @default 0 */
  readonly toleratedFailurePercentage: number;
  /** Worker Lambda timeout, and the Worker Task's TimeoutSeconds, in seconds (1..900). @default 900 */
  readonly workerTimeoutSeconds: number;
  /** Plan, Reduce and Aggregate Lambda timeout, and their Tasks' TimeoutSeconds, in seconds (1..900). @default 300 */
  readonly stepTimeoutSeconds: number;
  /** Store prefix under which the maps write their result manifests (ResultWriter). @default "map-runs" */
  readonly resultPrefix: string;
}

export const defaultSweepMapSettings: SweepMapSettings = {
  maxItemsPerBatch: 8,
  maxConcurrency: 200,
  toleratedFailurePercentage: 0,
  workerTimeoutSeconds: 900,
  stepTimeoutSeconds: 300,
  resultPrefix: "map-runs",
};

function integerIn(problems: string[], name: string, value: number, low: number, high: number): void {
  if (!Number.isInteger(value) || value < low || value > high) {
    problems.push(`${name} must be an integer from ${low} to ${high} (got ${value})`);
  }
}

/** Every problem with `settings`, empty when they are usable. */
export function sweepMapSettingsProblems(settings: SweepMapSettings): string[] {
  const problems: string[] = [];
  // Step Functions caps a batch by its 256 KiB input, not by a count: MAX_ITEMS_PER_BATCH
  // manifest items (~200 bytes each) stay inside it.
  integerIn(problems, "maxItemsPerBatch", settings.maxItemsPerBatch, 1, MAX_ITEMS_PER_BATCH);
  integerIn(problems, "maxConcurrency", settings.maxConcurrency, 0, 10_000);
  // ASL accepts whole percentages only.
  integerIn(problems, "toleratedFailurePercentage", settings.toleratedFailurePercentage, 0, 100);
  integerIn(problems, "workerTimeoutSeconds", settings.workerTimeoutSeconds, 1, 900);
  integerIn(problems, "stepTimeoutSeconds", settings.stepTimeoutSeconds, 1, 900);
  if (!/^[A-Za-z0-9!_.*'()-]+(\/[A-Za-z0-9!_.*'()-]+)*$/.test(settings.resultPrefix)) {
    problems.push(`resultPrefix must be a relative key prefix of safe characters without a trailing "/" (got "${settings.resultPrefix}")`);
  }
  return problems;
}

/** Defaults merged with `overrides`, validated; throws one UsageError naming every problem. */
export function resolveSweepMapSettings(overrides: Partial<SweepMapSettings> = {}): SweepMapSettings {
  const settings = { ...defaultSweepMapSettings, ...overrides };
  const problems = sweepMapSettingsProblems(settings);
  if (problems.length > 0) throw new UsageError(`invalid sweep map settings: ${problems.join("; ")}`);
  return settings;
}
