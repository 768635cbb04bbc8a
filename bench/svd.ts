// SVD benchmark: our wasm SVD (values only, and thin U, S, V) beside numpy.linalg.svd
// (LAPACK gesdd, single-threaded through runPython) and ml-matrix's SVD (one-sided JS, small
// sizes only), all on the same matrices, measured in the same run. Median wall time in ms.
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

/** Median of `reps` timed calls after one warm-up; reps shrink with the work. */
function medianMs(body: () => void, reps: number): number {
  body();
  const times: number[] = [];
  for (let r = 0; r < reps; r++) {
    const start = performance.now();
    body();
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)]!;
}

function repsFor({ m, n }: Shape, quick: boolean): number {
  const work = m * n * Math.min(m, n);
  const reps = work <= 128 ** 3 ? 21 : work <= 256 ** 3 ? 9 : 5;
  return quick ? Math.max(3, Math.floor(reps / 3)) : reps;
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
        np.linalg.svd(a, full_matrices=False, compute_uv=uv)
        ts = []
        for _ in range(c["reps"]):
            t = time.perf_counter()
            np.linalg.svd(a, full_matrices=False, compute_uv=uv)
            ts.append((time.perf_counter() - t) * 1000)
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
    shapes.map((s, k) => ({ m: s.m, n: s.n, reps: repsFor(s, opts.quick), data: Array.from(matrices[k]!.data) })),
  );
  if (numpy === null) opts.log("svd: python3 with numpy not available; numpy columns are null");
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
      const mlReps = Math.max(3, Math.floor(reps / 3));
      const mlValues = medianMs(
        () => new MlSvd(ml, { computeLeftSingularVectors: false, computeRightSingularVectors: false, autoTranspose: true }),
        mlReps,
      );
      const mlFull = medianMs(() => new MlSvd(ml, { autoTranspose: true }), mlReps);
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
