// `dropsweep report SWEEP`: regenerate a sweep's report from its stored summary and cell
// results, without recomputing anything; with --baseline, list what changed against another
// sweep and exit 3 when anything did (the scheduled run's check, compareWithBaseline).
import { UsageError } from "../../shared/errors.js";
import { keys } from "../../shared/store/layout.js";
import { loadBaseline, loadResults, loadSummary, resolveSweepId } from "../../shared/report/load.js";
import { writeReport } from "../../shared/report/write.js";
import { FileStore } from "../../shared/store/fs.js";
import { openStore } from "../../shared/store/open.js";
import { counted } from "../../shared/text.js";
import { join } from "node:path";
import { parseCommandArgs } from "../args.js";

export const summary = "regenerate a sweep's report from stored results";

/** Exit code when the baseline comparison found changes. */
export const regressionExitCode = 3;

const help = `usage: dropsweep report SWEEP [--out DIR | --store URL] [--endpoint URL] [--baseline DIR|URL]

Rewrites sweeps/SWEEP/report/ (report.html, report.md, plots/, summary.json) from the
sweep's stored summary.json and cell results. Nothing is recomputed; a summary.json an older
dropsweep wrote is regenerated from the stored results (the claims evaluated again).

  --out DIR          the local store directory (default: runs)
  --store URL        a store URL instead: file:///abs/dir or s3://bucket/prefix
  --endpoint URL     S3-compatible endpoint for s3:// stores and baselines
  --baseline LOC     compare with another sweep: its report directory, its summary.json,
                     or a store URL holding one; lists changed claims and metrics that
                     moved beyond tolerance under "Regressions"

Exit codes: 0 report written, no regression; 3 written, regressions against the baseline;
2 bad input (nothing written).`;

export async function run(argv: string[]): Promise<number> {
  const parsed = parseCommandArgs("report", argv, {
    out: { type: "string" },
    store: { type: "string" },
    endpoint: { type: "string" },
    baseline: { type: "string" },
    help: { type: "boolean", short: "h" },
  });
  const { values, positionals } = parsed;
  if (values.help) {
    process.stdout.write(help + "\n");
    return 0;
  }
  if (positionals.length !== 1) throw new UsageError(`report: expected one SWEEP id, got ${positionals.length}${positionals.length ? `: ${positionals.join(" ")}` : ""} (see \`dropsweep report --help\`)`);
  const sweepArg = positionals[0]!;
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(sweepArg))
    throw new UsageError(`report: SWEEP must be a sweep id or its first characters (letters, digits, ".", "_", "-"), got "${sweepArg}"`);
  if (values.out !== undefined && values.store !== undefined) throw new UsageError("report: give --out DIR or --store URL, not both");
  const endpoint = values.endpoint ? { endpoint: values.endpoint } : {};
  const store = openStore(values.store ?? values.out ?? "runs", values.store?.startsWith("s3://") ? endpoint : {});

  // Everything is read and checked before anything is written.
  const sweepId = await resolveSweepId(store, sweepArg);
  const stored = await loadSummary(store, sweepId, (message) => process.stderr.write(`report: ${message}\n`));
  const baseline = values.baseline !== undefined ? await loadBaseline(values.baseline, endpoint) : undefined;

  const unreadable = new Map<string, string>();
  const written = await writeReport(store, sweepId, stored, loadResults(store, stored, unreadable), {
    unreadable,
    ...(baseline ? { baseline: baseline.summary, baselineSource: baseline.source } : {}),
    onProgress: (message) => process.stderr.write(`${message}\n`),
  });
  const html = keys.report(sweepId, "report.html");
  const where = store instanceof FileStore ? join(store.root, ...html.split("/")) : `${store.url.replace(/\/$/, "")}/${html}`;
  process.stdout.write(`report: ${where}\n`);
  if (baseline) {
    const n = written.regressions.length;
    process.stdout.write(
      n === 0
        ? `baseline ${baseline.summary.sweepId}: no regression\n`
        : `baseline ${baseline.summary.sweepId}: ${counted(n, "regression")}\n${written.regressions.map((r) => `  ${r.message}`).join("\n")}\n`,
    );
    return n === 0 ? 0 : regressionExitCode;
  }
  return 0;
}
