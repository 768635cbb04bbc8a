// Masked-training throughput (SGD steps per CPU second), ours (shared/numerics/train.ts: the
// whole loop in wasm) beside the same loop written in numpy (single thread): per-sample dropout
// masks, keep probability 0.5, a permutation per epoch, forward, backward, update. Sizes: those
// sweeps/paper.yaml uses (12 x 10 factorisation with r = 8, the 6-8-40 regression), the
// factorisation sizes of issue 16's targets (40 x 30 with r = 24, 100 x 100 with r = 80), and
// larger reference sizes (X = I with N = 1000, dense regressions up to 784 inputs).
import { type Build } from "../shared/numerics/engine.js";
import { type Dtype } from "../shared/numerics/gemm.js";
import { Stream, gaussianMatrix } from "../shared/numerics/rng.js";
import { trainMasked } from "../shared/numerics/train.js";
import { relaxedAvailable } from "./relaxed.js";
import { runPython } from "./python.js";
import { cpuSeconds } from "./timing.js";
import type { BenchOptions, BenchRow } from "./types.js";

const UNIT = "steps/s (higher is better)";

export interface TrainCase {
  inputs: number;
  hiddenUnits: number;
  outputs: number;
  batchSize: number;
  samples: number;
  /** Factorisation mode X = I (inputs = samples): gather rows of V instead of Xb V. */
  factorisation?: boolean;
  /** SGD steps per timed round (about half a CPU second of numpy's loop). */
  steps: number;
}

export const trainCases: TrainCase[] = [
  { inputs: 10, hiddenUnits: 8, outputs: 12, batchSize: 10, samples: 10, factorisation: true, steps: 30_000 },
  { inputs: 30, hiddenUnits: 24, outputs: 40, batchSize: 30, samples: 30, factorisation: true, steps: 20_000 },
  { inputs: 100, hiddenUnits: 80, outputs: 100, batchSize: 100, samples: 100, factorisation: true, steps: 3000 },
  { inputs: 8, hiddenUnits: 8, outputs: 6, batchSize: 40, samples: 40, steps: 25_000 },
  { inputs: 100, hiddenUnits: 80, outputs: 100, batchSize: 100, samples: 1000, steps: 2000 },
  { inputs: 784, hiddenUnits: 256, outputs: 10, batchSize: 128, samples: 1280, steps: 400 },
  { inputs: 1000, hiddenUnits: 80, outputs: 100, batchSize: 100, samples: 1000, factorisation: true, steps: 2000 },
];

export const caseLabel = (c: TrainCase) =>
  c.factorisation
    ? `X=I,n=${c.samples},r=${c.hiddenUnits},out=${c.outputs},batch=${c.batchSize}`
    : `in=${c.inputs},r=${c.hiddenUnits},out=${c.outputs},batch=${c.batchSize}`;

const THETA = 0.5;
const LEARNING_RATE = 1e-4;

const NUMPY_TRAIN = `
import json, sys, time
import numpy as np
cfg = json.load(sys.stdin)
out = {}
for c in cfg["cases"]:
    for dt in cfg["dtypes"]:
        t = np.float32 if dt == "f32" else np.float64
        d, r, m, B, N = c["inputs"], c["hiddenUnits"], c["outputs"], c["batchSize"], c["samples"]
        factor = bool(c.get("factorisation"))
        rng = np.random.default_rng(0)
        Xt = None if factor else rng.standard_normal((N, d)).astype(t)
        Yt = rng.standard_normal((N, m)).astype(t)
        U = (0.1 * rng.standard_normal((m, r))).astype(t)
        V = (0.1 * rng.standard_normal((d, r))).astype(t)
        theta, scale, lr = cfg["theta"], t(1 / cfg["theta"]), t(cfg["learningRate"])
        def run(steps):
            global U, V
            done = 0
            while done < steps:
                perm = rng.permutation(N)
                for s in range(0, N, B):
                    idx = perm[s:s + B]
                    Yb = Yt[idx]
                    S = (rng.random((len(idx), r), dtype=t) < theta) * scale
                    if factor:
                        Hm = V[idx] * S
                    else:
                        Xb = Xt[idx]
                        Hm = (Xb @ V) * S
                    G = Hm @ U.T - Yb
                    loss = float(np.sum(G * G))
                    G *= t(2 / len(idx))
                    dH = (G @ U) * S
                    U -= lr * (G.T @ Hm)
                    if factor:
                        V[idx] -= lr * dH
                    else:
                        V -= lr * (Xb.T @ dH)
                    done += 1
                    if done >= steps: break
        run(max(10, c["steps"] // 10))
        best = float("inf")
        for _ in range(cfg["rounds"]):
            t0 = time.process_time(); run(c["steps"]); best = min(best, (time.process_time() - t0) / c["steps"])
        out[dt + ":" + c["label"]] = 1 / best
print(json.dumps(out))
`;

function oursStepsPerSecond(c: TrainCase, dtype: Dtype, steps: number, rounds: number, build: Build): number {
  const X = c.factorisation ? null : gaussianMatrix(c.inputs, c.samples, 1, Stream.data);
  const Y = gaussianMatrix(c.outputs, c.samples, 1, Stream.targets);
  const U0 = gaussianMatrix(c.outputs, c.hiddenUnits, 1, Stream.init, 0, 0.1);
  const V0 = gaussianMatrix(c.inputs, c.hiddenUnits, 1, Stream.init, 1, 0.1);
  const stepsPerEpoch = Math.ceil(c.samples / c.batchSize);
  const run = (epochs: number) =>
    trainMasked({
      inputs: X,
      targets: Y,
      initialU: U0,
      initialV: V0,
      mask: { family: "dropout", keepProbability: THETA },
      learningRate: LEARNING_RATE,
      epochs,
      batchSize: c.batchSize,
      seed: 1,
      dtype,
      build,
    });
  const epochs = Math.max(1, Math.round(steps / stepsPerEpoch));
  run(epochs); // warm-up: V8 compiles wasm with its baseline tier first and tiers hot code up

  let best = Infinity;
  for (let round = 0; round < rounds; round++) {
    const t0 = cpuSeconds();
    const result = run(epochs);
    best = Math.min(best, (cpuSeconds() - t0) / result.steps);
  }
  return 1 / best;
}

export async function benchTrain(opts: BenchOptions): Promise<BenchRow[]> {
  const rounds = opts.quick ? 1 : 3;
  const dtypes: Dtype[] = ["f32", "f64"];
  const stepsFor = (c: TrainCase) => (opts.quick ? Math.ceil(c.steps / 20) : c.steps);
  // numpy runs once per row, right after ours, so both see the same machine load.
  let numpyMissing = false;
  const numpyAt = (c: TrainCase, dtype: Dtype): number | null => {
    if (numpyMissing) return null;
    const result = runPython<Record<string, number>>(NUMPY_TRAIN, {
      cases: [{ ...c, steps: stepsFor(c), label: caseLabel(c) }],
      dtypes: [dtype],
      theta: THETA,
      learningRate: LEARNING_RATE,
      rounds,
    });
    if (!result) {
      numpyMissing = true;
      opts.log("bench train: python3 with numpy not found; numpy column is empty");
    }
    return result?.[`${dtype}:${caseLabel(c)}`] ?? null;
  };
  const builds: Build[] = relaxedAvailable(opts.log) ? ["release", "relaxed"] : ["release"];
  const rows: BenchRow[] = [];
  for (const build of builds)
    for (const c of trainCases)
      for (const dtype of dtypes) {
        opts.log(`bench train: ${dtype} ${caseLabel(c)}${build === "relaxed" ? " (relaxed build)" : ""}`);
        rows.push({
          kernel: build === "relaxed" ? "train-step-relaxed" : "train-step",
          size: caseLabel(c),
          dtype,
          ours: oursStepsPerSecond(c, dtype, stepsFor(c), rounds, build),
          peer: "numpy",
          peerValue: numpyAt(c, dtype),
          unit: UNIT,
        });
      }
  return rows;
}
