// GEMM throughput: our wasm kernels (C = A B, n x n, operands already in wasm memory) beside
// numpy/OpenBLAS (single thread) and tfjs-backend-wasm matMul (f32, single thread).
import { type Build, engine } from "../shared/numerics/engine.js";
import { type Dtype, gemmOnPointers, gemmScratchBytes } from "../shared/numerics/gemm.js";
import { Stream, normalArray } from "../shared/numerics/rng.js";
import { relaxedAvailable } from "./relaxed.js";
import { runPython } from "./python.js";
import { tfjsWasm } from "./tfjs.js";
import { secondsPerCall } from "./timing.js";
import type { BenchOptions, BenchRow } from "./types.js";

const UNIT = "GFLOP/s (higher is better)";

const NUMPY_GEMM = `
import json, sys, time
import numpy as np
cfg = json.load(sys.stdin)
out = {}
for dt in cfg["dtypes"]:
    t = np.float32 if dt == "f32" else np.float64
    for n in cfg["sizes"]:
        rng = np.random.default_rng(n)
        a = rng.standard_normal((n, n)).astype(t)
        b = rng.standard_normal((n, n)).astype(t)
        c = np.empty((n, n), dtype=t)
        np.matmul(a, b, out=c)
        calls = 1
        while True:
            t0 = time.process_time()
            for _ in range(calls): np.matmul(a, b, out=c)
            if time.process_time() - t0 > cfg["roundMs"] / 4000 or calls > 1 << 20: break
            calls *= 2
        best = float("inf")
        for _ in range(cfg["rounds"]):
            t0 = time.process_time(); done = 0
            while True:
                for _ in range(calls): np.matmul(a, b, out=c)
                done += calls
                if time.process_time() - t0 >= cfg["roundMs"] / 1000: break
            best = min(best, (time.process_time() - t0) / done)
        out[dt + ":" + str(n)] = 2 * n ** 3 / best / 1e9
print(json.dumps(out))
`;

export function gemmSizes(quick: boolean): number[] {
  return quick ? [64, 256] : [64, 128, 256, 512, 1024];
}

function oursGflops(dtype: Dtype, n: number, roundMs: number, rounds: number, build: Build = "release"): number {
  const ws = engine(build);
  return ws.scoped(() => {
    const count = n * n;
    const a = dtype === "f32" ? ws.putF32(normalArray(count, 1, Stream.data)) : ws.putF64(normalArray(count, 1, Stream.data));
    const b = dtype === "f32" ? ws.putF32(normalArray(count, 1, Stream.data, 1)) : ws.putF64(normalArray(count, 1, Stream.data, 1));
    const c = dtype === "f32" ? ws.allocF32(count) : ws.allocF64(count);
    const scratch = ws.alloc(gemmScratchBytes(dtype, n, n, n, ws));
    const seconds = secondsPerCall(() => gemmOnPointers(ws, dtype, false, false, n, n, n, 1, a, n, b, n, 0, c, n, scratch), {
      roundMs,
      rounds,
    });
    return (2 * n ** 3) / seconds / 1e9;
  });
}

export async function benchGemm(opts: BenchOptions): Promise<BenchRow[]> {
  const sizes = gemmSizes(opts.quick);
  const roundMs = opts.quick ? 100 : 400;
  const rounds = opts.quick ? 2 : 3;
  const dtypes: Dtype[] = ["f32", "f64"];
  // numpy runs once per size, right after ours, so both see the same machine load.
  let numpyMissing = false;
  const numpyAt = (dtype: Dtype, n: number): number | null => {
    if (numpyMissing) return null;
    const result = runPython<Record<string, number>>(NUMPY_GEMM, { sizes: [n], dtypes: [dtype], roundMs, rounds });
    if (!result) {
      numpyMissing = true;
      opts.log("bench gemm: python3 with numpy not found; numpy column is empty");
    }
    return result?.[`${dtype}:${n}`] ?? null;
  };
  const tf = await tfjsWasm(opts.log);
  const rows: BenchRow[] = [];
  for (const dtype of dtypes)
    for (const n of sizes) {
      opts.log(`bench gemm: ${dtype} n=${n}`);
      const ours = oursGflops(dtype, n, roundMs, rounds);
      rows.push({ kernel: "gemm", size: String(n), dtype, ours, peer: "numpy", peerValue: numpyAt(dtype, n), unit: UNIT });
      if (dtype === "f32") {
        let peerValue: number | null = null;
        if (tf) {
          const a = tf.randomNormal([n, n], 0, 1, "float32", 1);
          const b = tf.randomNormal([n, n], 0, 1, "float32", 2);
          // dataSync waits for the result; its n^2 copy is small beside the n^3 multiply.
          const seconds = secondsPerCall(
            () => {
              const c = tf.matMul(a, b);
              c.dataSync();
              c.dispose();
            },
            { roundMs, rounds },
          );
          a.dispose();
          b.dispose();
          peerValue = (2 * n ** 3) / seconds / 1e9;
        }
        rows.push({ kernel: "gemm", size: String(n), dtype, ours, peer: "tfjs-wasm", peerValue, unit: UNIT });
      }
    }
  if (relaxedAvailable(opts.log))
    for (const dtype of dtypes)
      for (const n of sizes) {
        opts.log(`bench gemm: ${dtype} n=${n} (relaxed build)`);
        const ours = oursGflops(dtype, n, roundMs, rounds, "relaxed");
        rows.push({ kernel: "gemm-relaxed", size: String(n), dtype, ours, peer: "numpy", peerValue: numpyAt(dtype, n), unit: UNIT });
      }
  return rows;
}
