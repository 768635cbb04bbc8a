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
import { parseCommandArgs } from "../args.js";

export const summary = "kernel benchmarks against peers measured in the same run";

const suites = {
  gemm: benchGemm,
  svd: benchSvd,
  train: benchTrain,
  "cold-start": benchColdStart,
} as const satisfies Record<string, (opts: BenchOptions) => Promise<BenchRow[]>>;
type Suite = keyof typeof suites;

const help = `usage: dropsweep bench [--json] [--quick] [--only SUITES]

  --json          print a JSON array of rows {kernel, size, dtype, ours, peer, peerValue, unit}
                  (dtype null where precision does not apply)
  --quick         fewer sizes and repetitions (a smoke run, not a measurement)
  --only SUITES   comma-separated subset of: ${Object.keys(suites).join(", ")} (default: all)

Peers: numpy (python3, OpenBLAS pinned to one thread) when present, tfjs-backend-wasm
(single-threaded) for f32 GEMM, ml-matrix for the SVD. Run on a quiet machine.
`;

export async function run(argv: string[]): Promise<number> {
  const { values } = parseCommandArgs("bench", argv, {
    json: { type: "boolean", default: false },
    quick: { type: "boolean", default: false },
    only: { type: "string" },
    help: { type: "boolean", short: "h", default: false },
  }, false);
  if (values.help) {
    process.stdout.write(help);
    return 0;
  }
  const chosen = parseOnly(values.only);
  const opts: BenchOptions = { quick: values.quick, log: (line) => process.stderr.write(`${line}\n`) };
  const rows: BenchRow[] = [];
  for (const suite of chosen) rows.push(...(await suites[suite](opts)));
  process.stdout.write(values.json ? `${JSON.stringify(rows, null, 2)}\n` : formatTable(rows));
  return 0;
}

function parseOnly(only: string | undefined): Suite[] {
  if (only === undefined) return Object.keys(suites) as Suite[];
  const names = only.split(",").map((s) => s.trim()).filter(Boolean);
  const unknown = names.filter((n) => !(n in suites));
  if (names.length === 0 || unknown.length)
    throw new UsageError(`bench: --only must list suites from: ${Object.keys(suites).join(", ")} (got "${only}")`);
  return names as Suite[];
}
