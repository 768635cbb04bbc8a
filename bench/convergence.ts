// The optimiser's defaults on a grid of linear cells (docs/BENCHMARKS.md "Stopping rule"):
// sizes up to 100, spectra, every mask family, keep probabilities, factorisation and
// regression, each cell with every optimiser default (automatic step size, the stopping rule).
// Per group: how training ended, claims 3-5 on the group's cells (as Aggregate evaluates them),
// the largest objective gap and balance ratio of the cells claim 3 judges, epochs and CPU time.
//   npx tsx bench/convergence.ts [--quick] [--sizes N] [--only TEXT] [--json] [--seeds N] [--step-scan]
// --quick: the two smallest sizes only (a smoke run, not a measurement); --sizes N: the first N;
// --only TEXT: the sizes whose name contains TEXT ("30-40-100").
// --step-scan: instead, how far above the automatic step size 1 / L SGD stays stable: every cell
// of the grid trained for STEP_SCAN_EPOCHS at learningRate = c / L for c in STEP_MULTIPLES (a
// step the spec gives is never halved, so a divergence shows as the cell's status).
import { evaluateClaims } from "../shared/claims/list.js";
import { representable, type CellEvidence } from "../shared/claims/evidence.js";
import { runLinear } from "../shared/experiments/linear.js";
import { resolveCell, type LinearCell } from "../shared/spec/cell.js";

interface Size {
  name: string;
  sizes: Record<string, number>;
  experiment: "linear-factorisation" | "linear-regression";
  /** Block sizes dividing hiddenUnits. */
  blocks: number[];
}

const sizes: Size[] = [
  { name: "factorisation 8 x 6, r = 6", experiment: "linear-factorisation", sizes: { m: 8, n: 6, hiddenUnits: 6 }, blocks: [2, 3] },
  {
    name: "factorisation 20 x 15, r = 12",
    experiment: "linear-factorisation",
    sizes: { m: 20, n: 15, hiddenUnits: 12 },
    blocks: [2, 3, 4],
  },
  { name: "regression 6-8-40, r = 8", experiment: "linear-regression", sizes: { m: 6, d: 8, N: 40, hiddenUnits: 8 }, blocks: [2, 4] },
  {
    name: "factorisation 50 x 40, r = 30",
    experiment: "linear-factorisation",
    sizes: { m: 50, n: 40, hiddenUnits: 30 },
    blocks: [3, 5, 10],
  },
  {
    name: "regression 30-40-100, r = 24",
    experiment: "linear-regression",
    sizes: { m: 30, d: 40, N: 100, hiddenUnits: 24 },
    blocks: [4, 6],
  },
  {
    name: "factorisation 100 x 100, r = 80",
    experiment: "linear-factorisation",
    sizes: { m: 100, n: 100, hiddenUnits: 80 },
    blocks: [4, 8],
  },
];

const targets = [
  { generator: "gaussian" },
  { generator: "decaying", decay: 0.7 },
  { generator: "spiky", spikes: 2, spikeHeight: 10 },
  { generator: "low-rank", rank: 3 },
];
const data = [{ generator: "gaussian" }, { generator: "orthogonal" }, { generator: "correlated", correlation: 0.5 }];
const keeps = [0.3, 0.5, 0.9];

/** The cells of a size: every family at every keep probability, spectra and data rotated through (not multiplied). */
function cellsOf(size: Size, seeds: number): LinearCell[] {
  const masks: Record<string, unknown>[] = [
    { family: "dropout" },
    ...size.blocks.map((blockSize) => ({ family: "dropblock", blockSize })),
    { family: "dropconnect", layer: "last" },
    { family: "dropconnect", layer: "first" },
    { family: "contiguous-dropblock", blockSize: size.blocks[0]! },
  ];
  const out: LinearCell[] = [];
  let i = 0;
  for (const mask of masks)
    for (const keepProbability of keeps)
      for (let seed = 0; seed < seeds; seed++, i++) {
        const raw = {
          experiment: size.experiment,
          sizes: size.sizes,
          target: targets[i % targets.length],
          ...(size.experiment === "linear-regression" ? { data: data[i % data.length] } : {}),
          mask: { ...mask, keepProbability },
          monteCarloSamples: 200,
          seed,
        };
        const check = resolveCell(raw);
        if (!check.ok) throw new Error(`bench/convergence: ${JSON.stringify(check.problems)}`);
        out.push(check.cell as LinearCell);
      }
  return out;
}

const STEP_MULTIPLES = [1, 2, 4, 8, 16, 32];
const STEP_SCAN_EPOCHS = 2000;

interface StepRow {
  group: string;
  cells: number;
  /** Per multiple c of 1 / L: how many cells diverged within STEP_SCAN_EPOCHS at c / L. */
  diverged: Record<number, number>;
}

function stepScan(size: Size, seeds: number, log: (line: string) => void): StepRow {
  const diverged: Record<number, number> = Object.fromEntries(STEP_MULTIPLES.map((c) => [c, 0]));
  const cells = cellsOf(size, seeds);
  for (const cell of cells) {
    // One epoch at the automatic step reports the step it chose (1 / L; nothing restarts in one epoch).
    const automatic = runLinear({ ...cell, monteCarloSamples: 0, optimiser: { ...cell.optimiser, epochs: 1 } }).metrics.learningRate!;
    const outcomes = STEP_MULTIPLES.map((c) => {
      const optimiser = { ...cell.optimiser, learningRate: c * automatic, epochs: STEP_SCAN_EPOCHS };
      const status = runLinear({ ...cell, monteCarloSamples: 0, optimiser }).metrics.trainingStatus;
      if (status === "diverged") diverged[c]!++;
      return `${c}/L ${status}`;
    });
    log(`  ${JSON.stringify(cell.mask)} ${JSON.stringify(cell.target)} seed ${cell.seed}: ${outcomes.join(", ")}`);
  }
  return { group: size.name, cells: cells.length, diverged };
}

interface GroupRow {
  group: string;
  cells: number;
  converged: number;
  maxEpochs: number;
  diverged: number;
  /** Cells whose automatic step size was halved after a divergence (restarts > 0). */
  restarted: number;
  /** Claims 3, 4, 5 as Aggregate would state them on this group's cells. */
  claims: string;
  /** Cells claim 3 judged (converged, strictly above the representability bound). */
  judged: number;
  maxGap: number | null;
  maxBalance: number | null;
  /** Cells strictly above the representability bound that stopped at the cap, and their largest gap (how far the defaults got where the rule did not say converged). */
  capped: number;
  cappedGap: number | null;
  medianEpochs: number;
  maxEpochsRun: number;
  medianCpu: number;
  maxCpu: number;
  totalCpu: number;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;

function measure(size: Size, seeds: number, log: (line: string) => void): GroupRow {
  const evidence: CellEvidence[] = [];
  const cpu: number[] = [];
  for (const cell of cellsOf(size, seeds)) {
    const start = process.cpuUsage();
    const outcome = runLinear(cell);
    const used = process.cpuUsage(start);
    cpu.push((used.user + used.system) / 1e6);
    evidence.push({
      kind: "linear",
      cell,
      metrics: outcome.metrics,
      hash: String(evidence.length),
      status: outcome.status ?? "ok",
      ...(outcome.spectra ? { spectra: outcome.spectra } : {}),
    });
    log(
      `  ${JSON.stringify(cell.mask)} ${JSON.stringify(cell.target)} seed ${cell.seed}: ${outcome.metrics.trainingStatus} after ${outcome.metrics.epochsRun} epochs, gap ${outcome.metrics.objectiveGap ?? "-"}, blocks ${outcome.metrics.blocks ?? "-"} (needed ${outcome.metrics.blocksNeeded ?? "-"}), ${cpu.at(-1)!.toFixed(2)} s`,
    );
  }
  const claims = evaluateClaims(evidence);
  const claim = (id: string) => claims.find((c) => c.id === id)!;
  const judged = claim("3").checks?.[0]?.cells ?? 0;
  const statuses = evidence.map((e) => (e.kind === "linear" ? e.metrics.trainingStatus : null));
  const epochs = evidence.map((e) => (e.kind === "linear" ? (e.metrics.epochsRun ?? 0) : 0));
  const capped = representable(evidence).filter((e) => e.metrics.trainingStatus === "max-epochs");
  const cappedGaps = capped.map((e) => e.metrics.objectiveGap).filter((g): g is number => typeof g === "number");
  return {
    group: size.name,
    cells: evidence.length,
    converged: statuses.filter((s) => s === "converged").length,
    maxEpochs: statuses.filter((s) => s === "max-epochs").length,
    diverged: statuses.filter((s) => s === "diverged").length,
    restarted: evidence.filter((e) => e.kind === "linear" && (e.metrics.restarts ?? 0) > 0).length,
    claims: ["3", "4", "5"].map((id) => `${id} ${claim(id).status}`).join(", "),
    judged,
    maxGap: judged ? claim("3").measured : null,
    maxBalance: claim("4").checks?.[0] ? claim("4").measured : null,
    capped: capped.length,
    cappedGap: cappedGaps.length ? Math.max(...cappedGaps) : null,
    medianEpochs: median(epochs),
    maxEpochsRun: Math.max(...epochs),
    medianCpu: median(cpu),
    maxCpu: Math.max(...cpu),
    totalCpu: cpu.reduce((s, x) => s + x, 0),
  };
}

function main(): void {
  const args = process.argv.slice(2);
  const quick = args.includes("--quick");
  const seedsAt = args.indexOf("--seeds");
  const seeds = seedsAt >= 0 ? Number(args[seedsAt + 1]) : 1;
  const log = (line: string) => process.stderr.write(`${line}\n`);
  const sizesAt = args.indexOf("--sizes");
  const onlyAt = args.indexOf("--only");
  const chosen = (quick ? sizes.slice(0, 2) : sizesAt >= 0 ? sizes.slice(0, Number(args[sizesAt + 1])) : sizes).filter(
    (size) => onlyAt < 0 || size.name.includes(args[onlyAt + 1] ?? ""),
  );
  if (chosen.length === 0) throw new Error(`bench/convergence: no size matches --only ${args[onlyAt + 1] ?? ""}`);
  if (args.includes("--step-scan")) {
    const scans = chosen.map((size) => (log(size.name), stepScan(size, seeds, log)));
    if (args.includes("--json")) return void process.stdout.write(`${JSON.stringify(scans, null, 2)}\n`);
    process.stdout.write(
      `| group | cells | ${STEP_MULTIPLES.map((c) => `diverged at ${c} / L`).join(" | ")} |\n|---|---|${STEP_MULTIPLES.map(() => "---|").join("")}\n`,
    );
    for (const r of scans) process.stdout.write(`| ${r.group} | ${r.cells} | ${STEP_MULTIPLES.map((c) => r.diverged[c]).join(" | ")} |\n`);
    return;
  }
  const rows: GroupRow[] = [];
  for (const size of chosen) {
    log(`${size.name}`);
    rows.push(measure(size, seeds, log));
    log(`${size.name}: ${JSON.stringify(rows.at(-1))}`);
  }
  if (args.includes("--json")) {
    process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
    return;
  }
  const fmt = (x: number | null, digits = 2) => (x === null ? "-" : x.toExponential(digits));
  process.stdout.write(
    "| group | cells | converged / max-epochs / diverged | restarted | claims 3-5 | judged by claim 3 | max gap | max balance | capped above the bound: cells, max gap | epochs (median, max) | CPU s (median, max, total) |\n|---|---|---|---|---|---|---|---|---|---|---|\n",
  );
  for (const r of rows)
    process.stdout.write(
      `| ${r.group} | ${r.cells} | ${r.converged} / ${r.maxEpochs} / ${r.diverged} | ${r.restarted} | ${r.claims} | ${r.judged} | ${fmt(r.maxGap)} | ${r.maxBalance === null ? "-" : r.maxBalance.toFixed(3)} | ${r.capped}, ${fmt(r.cappedGap)} | ${r.medianEpochs}, ${r.maxEpochsRun} | ${r.medianCpu.toFixed(2)}, ${r.maxCpu.toFixed(2)}, ${r.totalCpu.toFixed(1)} |\n`,
    );
}

main();
