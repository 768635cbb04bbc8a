// `dropsweep report SWEEP`: regenerate a sweep's report from its stored summary and cell
// results, without recomputing anything, ending with the claims' verdict in one line; with
// --baseline, list what changed against another sweep and exit 3 when anything did (the
// scheduled run's check, compareWithBaseline). Without SWEEP, lists the store's sweeps.
import { UsageError } from "../../shared/errors.js";
import { keys } from "../../shared/store/layout.js";
import { verdictLine } from "../../shared/pipeline/verdict.js";
import { loadBaseline, loadResults, loadSummary, resolveSweepId } from "../../shared/report/load.js";
import { writeReport } from "../../shared/report/write.js";
import { openStore } from "../../shared/store/open.js";
import type { Store } from "../../shared/store/store.js";
import { counted } from "../../shared/text.js";
import { defineCommand, flag, helpText, parseCommandArgs } from "../args.js";
import { exitCodes } from "../exitCodes.js";
import { displayLocation } from "../location.js";
import { storedSweeps, sweepListing } from "../sweepList.js";
import { strictExit } from "../verdict.js";

/** Exit code when the baseline comparison found changes. */
export const regressionExitCode = exitCodes.regression;

function command() {
  return defineCommand({
    path: "report",
    usage: "[SWEEP] [--out DIR | --store URL] [--endpoint URL] [--baseline DIR|URL] [--strict]",
    description: `Rewrites sweeps/SWEEP/report/ (report.html, report.md, plots/, summary.json) from the sweep's stored summary.json and cell results. Nothing is recomputed; a summary.json an older dropsweep wrote is regenerated from the stored results (the claims evaluated again). SWEEP: the sweep id, or its first characters as \`dropsweep run\` prints them; without it, lists the store's sweeps.`,
    after: `Exit codes: 0 report written, no regression; 2 bad input (nothing written); 3 written,
regressions against the baseline; 4 with --strict, written, a claim failed or is inconclusive (any
status but pass or skipped; wins over 3).`,
    options: [
      flag("--out <DIR>", "the local store directory (default: runs)"),
      flag("--store <URL>", "a store URL instead: file:///abs/dir or s3://bucket/prefix"),
      flag("--endpoint <URL>", "S3-compatible endpoint for s3:// stores and baselines"),
      flag(
        "--baseline <LOC>",
        'compare with another sweep: its report directory, its summary.json, or a store URL holding one; lists changed claims and metrics that moved beyond tolerance under "Regressions"',
      ),
      flag("--strict", "exit 4 when a claim fails or is inconclusive (any status but pass or skipped), for scripts and scheduled jobs"),
    ],
  });
}

interface Flags {
  out?: string;
  store?: string;
  endpoint?: string;
  baseline?: string;
  strict?: boolean;
}

/** No SWEEP, or one `store` does not have: the problem, then the sweeps it has. */
async function sweepNotGiven(store: Store, problem: string): Promise<UsageError> {
  return new UsageError(`${problem}\n${sweepListing(await storedSweeps(store), displayLocation(store, ""))}`);
}

export async function run(argv: string[]): Promise<number> {
  const { help, values, positionals } = parseCommandArgs<Flags>("report", command(), argv);
  if (help) {
    process.stdout.write(helpText(command()));
    return exitCodes.ok;
  }
  if (positionals.length > 1)
    throw new UsageError(
      `report: expected one SWEEP id, got ${positionals.length}: ${positionals.join(" ")} (see \`dropsweep report --help\`)`,
    );
  const sweepArg = positionals[0];
  if (sweepArg !== undefined && !/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(sweepArg))
    throw new UsageError(`report: SWEEP must be a sweep id or its first characters (letters, digits, ".", "_", "-"), got "${sweepArg}"`);
  if (values.out !== undefined && values.store !== undefined) throw new UsageError("report: give --out DIR or --store URL, not both");
  const endpoint = values.endpoint ? { endpoint: values.endpoint } : {};
  const store = openStore(values.store ?? values.out ?? "runs", values.store?.startsWith("s3://") ? endpoint : {});
  if (sweepArg === undefined) throw await sweepNotGiven(store, "report: expected one SWEEP id, got 0 (see `dropsweep report --help`)");

  // Everything is read and checked before anything is written.
  const sweepId = await resolveSweepId(store, sweepArg);
  if (!(await store.exists(keys.summary(sweepId))) && !(await storedSweeps(store)).some((s) => s.id.startsWith(sweepArg)))
    throw await sweepNotGiven(store, `report: no such sweep ${sweepArg} in ${displayLocation(store, "")}`);
  const stored = await loadSummary(store, sweepId, (message) => process.stderr.write(`report: ${message}\n`));
  const baseline = values.baseline !== undefined ? await loadBaseline(values.baseline, endpoint) : undefined;

  const unreadable = new Map<string, string>();
  const written = await writeReport(store, sweepId, stored, loadResults(store, stored, unreadable), {
    unreadable,
    ...(baseline ? { baseline: baseline.summary, baselineSource: baseline.source } : {}),
    onProgress: (message) => process.stderr.write(`${message}\n`),
  });
  const where = displayLocation(store, keys.report(sweepId, "report.html"));
  process.stdout.write(`report: ${where}\n`);
  let code: number = exitCodes.ok;
  if (baseline) {
    const n = written.regressions.length;
    process.stdout.write(
      n === 0
        ? `baseline ${baseline.summary.sweepId}: no regression\n`
        : `baseline ${baseline.summary.sweepId}: ${counted(n, "regression")}\n${written.regressions.map((r) => `  ${r.message}`).join("\n")}\n`,
    );
    if (n > 0) code = exitCodes.regression;
  }
  process.stdout.write(`${verdictLine(stored.claims, where)}\n`);
  if (values.strict && strictExit(stored.claims) !== exitCodes.ok) code = exitCodes.claimsFailed;
  return code;
}
