// One row of `dropsweep bench --json`: our kernel beside one peer measured in the same run.
export interface BenchRow {
  kernel: string; // e.g. "gemm", "svd-values", "svd-full", "train-step", "cold-start"
  size: string; // e.g. "256", "512x256", "in=100,r=80,out=100,batch=100"
  dtype: "f32" | "f64" | null; // null where precision does not apply (cold start)
  ours: number;
  peer: string; // e.g. "numpy", "tfjs-wasm", "ml-matrix"
  peerValue: number | null; // null when the peer is not available in this run
  unit: string; // says whether higher is better, e.g. "GFLOP/s (higher is better)", "ms (lower is better)"
}

export interface BenchOptions {
  /** Fewer sizes and repetitions (for a smoke run). */
  quick: boolean;
  /** Progress lines go here (stderr), never to stdout, so --json stays parseable. */
  log: (line: string) => void;
}
