// SVD benchmark: our wasm SVD (values only, and thin U, S, V) beside numpy.linalg.svd
// (LAPACK gesdd, single-threaded through runPython) and ml-matrix's SVD (JAMA's Golub-Kahan in
// JS, small sizes only), all on the same matrices, measured in the same run.
// Each number is the median over samples of process CPU time per call (a sample repeats the
// call until it lasts >= 20 ms): on a shared machine wall time grows with other people's load,
// CPU time much less, and both sides are measured the same way.
import { Matrix as MlMatrix, SVD as MlSvd } from "ml-matrix";
import { gaussianMatrix, Stream } from "../shared/numerics/rng.js";
import { type Matrix } from "../shared/numerics/matrix.js";
import { svd } from "../shared/numerics/svd.js";
import { runPython } from "./python.js";
import type { BenchOptions, BenchRow } from "./types.js";

const UNIT = "ms (lower is better)";
const SEED = 20200614;

interface Shape {
  m: number;
  n: number;
}

const FULL_SHAPES: Shape[] = [
  { m: 64, n: 64 },
  { m: 128, n: 128 },
  { m: 256, n: 256 },
  { m: 512, n: 256 },
  { m: 512, n: 512 },
];
const QUICK_SHAPES: Shape[] = [
  { m: 64, n: 64 },
  { m: 256, n: 256 },
];
/** ml-matrix is measured only up to this many entries (it takes seconds beyond). */
const ML_MATRIX_MAX_ENTRIES = 128 * 128;

function label({ m, n }: Shape): string {
  return m === n ? `${m}` : `${m}x${n}`;
}

/** Median over `samples` of CPU ms per call, after two warm-up calls (the second sizes the samples). */
function medianMs(body: () => void, samples: number): number {
  const cpuMs = () => {
    const { user, system } = process.cpuUsage();
    return (user + system) / 1000;
  };
  body();
  let start = cpuMs();
  body();
  const once = Math.max(cpuMs() - start, 1e-3);
  const perSample = Math.max(1, Math.ceil(SAMPLE_MS / once));
  const times: number[] = [];
  for (let r = 0; r < samples; r++) {
    start = cpuMs();
    for (let k = 0; k < perSample; k++) body();
    times.push((cpuMs() - start) / perSample);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)]!;
}

const SAMPLE_MS = 20;
const WARMUP_MS = 300;

function repsFor({ m, n }: Shape, quick: boolean): number {
  const work = m * n * Math.min(m, n);
  const reps = work <= 256 ** 3 ? 9 : 5;
  return quick ? 3 : reps;
}

const NUMPY_SCRIPT = `
import json, sys, time
import numpy as np
cases = json.load(sys.stdin)
out = []
for c in cases:
    a = np.array(c["data"], dtype=np.float64).reshape(c["m"], c["n"])
    row = {}
    for key, uv in (("values", False), ("full", True)):
        t = time.process_time()
        np.linalg.svd(a, full_matrices=False, compute_uv=uv)
        once = max((time.process_time() - t) * 1000, 1e-3)
        per = max(1, int(-(-c["sampleMs"] // once)))
        ts = []
        for _ in range(c["reps"]):
            t = time.process_time()
            for _ in range(per):
                np.linalg.svd(a, full_matrices=False, compute_uv=uv)
            ts.append((time.process_time() - t) * 1000 / per)
        ts.sort()
        row[key] = ts[len(ts) // 2]
    out.append(row)
print(json.dumps(out))
`;

interface NumpyTimes {
  values: number;
  full: number;
}

export async function benchSvd(opts: BenchOptions): Promise<BenchRow[]> {
  const shapes = opts.quick ? QUICK_SHAPES : FULL_SHAPES;
  const matrices = shapes.map(({ m, n }, k) => gaussianMatrix(m, n, SEED, Stream.data, k));
  opts.log(`svd: numpy peer (${shapes.length} sizes)`);
  const numpy = runPython<NumpyTimes[]>(
    NUMPY_SCRIPT,
    shapes.map((s, k) => ({ m: s.m, n: s.n, reps: repsFor(s, opts.quick), sampleMs: SAMPLE_MS, data: Array.from(matrices[k]!.data) })),
  );
  if (numpy === null) opts.log("svd: python3 with numpy not available; numpy columns are null");
  // V8 starts wasm in its baseline tier and optimises hot functions later: warm up both paths
  // for WARMUP_MS first, so the first size is not measured half-compiled.
  const warmup = gaussianMatrix(96, 80, SEED, Stream.data, shapes.length);
  const warmupStart = performance.now();
  while (performance.now() - warmupStart < WARMUP_MS) {
    svd(warmup, { vectors: false });
    svd(warmup, { vectors: true });
  }
  const rows: BenchRow[] = [];
  shapes.forEach((shape, k) => {
    const a = matrices[k]!;
    const reps = repsFor(shape, opts.quick);
    const size = label(shape);
    opts.log(`svd: ${size} ours`);
    const oursValues = medianMs(() => svd(a, { vectors: false }), reps);
    const oursFull = medianMs(() => svd(a, { vectors: true }), reps);
    const push = (kernel: string, ours: number, peer: string, peerValue: number | null) =>
      rows.push({ kernel, size, dtype: "f64", ours, peer, peerValue, unit: UNIT });
    push("svd-values", oursValues, "numpy", numpy?.[k]?.values ?? null);
    push("svd-full", oursFull, "numpy", numpy?.[k]?.full ?? null);
    if (shape.m * shape.n <= ML_MATRIX_MAX_ENTRIES) {
      opts.log(`svd: ${size} ml-matrix`);
      const ml = toMlMatrix(a);
      const mlValuesOnly = () =>
        new MlSvd(ml, { computeLeftSingularVectors: false, computeRightSingularVectors: false, autoTranspose: true });
      const mlFullSvd = () => new MlSvd(ml, { autoTranspose: true });
      // ml-matrix is plain JS that V8 optimises after a number of calls: warm it up on this very
      // matrix as long as ours, or it is measured half-compiled (two warm-up calls left 64^2
      // values-only at ~2x its steady time, flattering us).
      const start = performance.now();
      while (performance.now() - start < WARMUP_MS) {
        mlValuesOnly();
        mlFullSvd();
      }
      const mlReps = 5;
      const mlValues = medianMs(mlValuesOnly, mlReps);
      const mlFull = medianMs(mlFullSvd, mlReps);
      push("svd-values", oursValues, "ml-matrix", mlValues);
      push("svd-full", oursFull, "ml-matrix", mlFull);
    }
  });
  return rows;
}

function toMlMatrix(a: Matrix): MlMatrix {
  const rows: number[][] = [];
  for (let i = 0; i < a.rows; i++) rows.push(Array.from(a.data.subarray(i * a.cols, (i + 1) * a.cols)));
  return new MlMatrix(rows);
}
