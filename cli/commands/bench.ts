// `dropsweep bench`: our wasm kernels beside peers measured in the same run (numpy/OpenBLAS
// single-threaded through python3 when present, tfjs-backend-wasm, ml-matrix). Progress goes
// to stderr; stdout holds the table, or with --json an array of BenchRow (bench/types.ts).
import { UsageError } from "../../shared/errors.js";
import { benchGemm } from "../../bench/gemm.js";
import { benchSvd } from "../../bench/svd.js";
import { benchTrain } from "../../bench/train.js";
import type { BenchOptions, BenchRow } from "../../bench/types.js";
import { formatTable } from "../../bench/table.js";
import { benchColdStart } from "../../bench/coldStart.js";
import { defineCommand, flag, helpText, parseCommandArgs } from "../args.js";

const suites = {
  gemm: benchGemm,
  svd: benchSvd,
  train: benchTrain,
  "cold-start": benchColdStart,
} as const satisfies Record<string, (opts: BenchOptions) => Promise<BenchRow[]>>;
type Suite = keyof typeof suites;

function command() {
  return defineCommand({
    path: "bench",
    usage: "[--json] [--quick] [--only SUITES]",
    description: `Our WebAssembly kernels beside peers measured in the same run: numpy (python3, OpenBLAS pinned to one thread) when present, tfjs-backend-wasm (single-threaded) for f32 GEMM, ml-matrix for the SVD. Run on a quiet machine.`,
    after: "Exit codes: 0 done; 2 bad input.",
    options: [
      flag("--json", "print a JSON array of rows {kernel, size, dtype, ours, peer, peerValue, unit}"),
      flag("--quick", "fewer sizes and repetitions (a smoke run, not a measurement)"),
      flag("--only <SUITES>", `comma-separated subset of: ${Object.keys(suites).join(", ")} (default: all)`),
    ],
  });
}

export async function run(argv: string[]): Promise<number> {
  const { help, values } = parseCommandArgs<{ json?: boolean; quick?: boolean; only?: string }>("bench", command(), argv, false);
  if (help) {
    process.stdout.write(helpText(command()));
    return 0;
  }
  const chosen = parseOnly(values.only);
  const opts: BenchOptions = { quick: values.quick === true, log: (line) => process.stderr.write(`${line}\n`) };
  const rows: BenchRow[] = [];
  for (const suite of chosen) rows.push(...(await suites[suite](opts)));
  process.stdout.write(values.json ? `${JSON.stringify(rows, null, 2)}\n` : formatTable(rows));
  return 0;
}

function parseOnly(only: string | undefined): Suite[] {
  if (only === undefined) return Object.keys(suites) as Suite[];
  const names = only
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  const unknown = names.filter((n) => !(n in suites));
  if (names.length === 0 || unknown.length)
    throw new UsageError(`bench: --only must list suites from: ${Object.keys(suites).join(", ")} (got "${only}")`);
  return names as Suite[];
}
