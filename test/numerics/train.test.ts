import { describe, expect, it } from "vitest";
import { type MaskFamily } from "../../shared/masks.js";
import { type Matrix, zeros } from "../../shared/numerics/matrix.js";
import { sampleMasks } from "../../shared/numerics/masks.js";
import { Stream, gaussianMatrix, permutation } from "../../shared/numerics/rng.js";
import { learningRateAt, trainMasked, withMaskedTraining, type TrainOptions } from "../../shared/numerics/train.js";
import { createDeterministicObjective } from "../../shared/theory/index.js";

// --- independent reference: the batch-mean masked loss written as plain loops -----------------
// One mask per sample: unit masks z (r) or dropconnect weight masks (rows x r), 0/1.
interface Problem {
  X: Matrix | null; // d x N, or null for X = I
  Y: Matrix; // m x N
  r: number;
}

function column(M: Matrix | null, j: number, d: number): number[] {
  if (!M) return Array.from({ length: d }, (_, a) => (a === j ? 1 : 0));
  return Array.from({ length: M.rows }, (_, a) => M.data[a * M.cols + j]!);
}

/** (1/|batch|) sum over the batch of ||y_j - f_z(x_j)||^2 with the given masks. */
function batchLoss(p: Problem, mask: MaskFamily, U: Matrix, V: Matrix, batch: number[], masks: number[][]): number {
  const theta = mask.keepProbability;
  const { r } = p;
  const m = U.rows,
    d = V.rows;
  let total = 0;
  batch.forEach((j, s) => {
    const x = column(p.X, j, d);
    const z = masks[s]!;
    const h = new Array<number>(r).fill(0);
    for (let i = 0; i < r; i++)
      for (let a = 0; a < d; a++) {
        const keepV = mask.family === "dropconnect" && mask.layer === "first" ? z[a * r + i]! / theta : 1;
        h[i]! += keepV * V.data[a * r + i]! * x[a]!;
      }
    if (mask.family !== "dropconnect") for (let i = 0; i < r; i++) h[i]! *= z[i]! / theta;
    for (let k = 0; k < m; k++) {
      let yhat = 0;
      for (let i = 0; i < r; i++) {
        const keepU = mask.family === "dropconnect" && mask.layer === "last" ? z[k * r + i]! / theta : 1;
        yhat += keepU * U.data[k * r + i]! * h[i]!;
      }
      total += (p.Y.data[k * p.Y.cols + j]! - yhat) ** 2;
    }
  });
  return total / batch.length;
}

/** The masks the documented semantics assign to one full-batch step (epoch 0, step 0). */
function documentedMasks(
  mask: MaskFamily,
  scope: "sample" | "batch",
  batch: number[],
  p: Problem,
  d: number,
  m: number,
  seed: number,
): number[][] {
  const r = p.r;
  const rows = mask.family === "dropconnect" ? (mask.layer === "first" ? d : m) : 1;
  const factorFirstRow = mask.family === "dropconnect" && mask.layer === "first" && !p.X && scope === "sample";
  const full = (index: number, weightRows: number) =>
    Array.from(sampleMasks(mask, { hiddenUnits: r, count: 1, seed, firstMask: index, weightRows }));
  return batch.map((j, s) => {
    if (scope === "batch") return full(0, rows);
    if (factorFirstRow) {
      // X = I: only row j of the sample's first-layer mask matters, and only it is drawn.
      const row = full(s, 1);
      const out = new Array<number>(d * r).fill(0);
      row.forEach((x, i) => (out[j * r + i] = x));
      return out;
    }
    return full(s, rows);
  });
}

function perturbed(M: Matrix, index: number, delta: number): Matrix {
  const data = M.data.slice();
  data[index]! += delta;
  return { rows: M.rows, cols: M.cols, data };
}

const families: MaskFamily[] = [
  { family: "dropout", keepProbability: 0.6 },
  { family: "dropblock", keepProbability: 0.5, blockSize: 2 },
  { family: "contiguous-dropblock", keepProbability: 0.7, blockSize: 3 },
  {
    family: "custom",
    keepProbability: 0.5,
    patterns: [
      [1, 1, 0, 0],
      [0, 1, 1, 1],
      [1, 0, 1, 0],
    ],
    probabilities: [0.3, 0.3, 0.4],
  },
  { family: "dropconnect", keepProbability: 0.6, layer: "first" },
  { family: "dropconnect", keepProbability: 0.6, layer: "last" },
];

/** The family over r units (custom patterns repeated to length r). */
function widen(family: MaskFamily, r: number): MaskFamily {
  if (family.family !== "custom") return family;
  return { ...family, patterns: family.patterns.map((p) => Array.from({ length: r }, (_, i) => p[i % p.length]!)) };
}

describe("one SGD step equals minus lr times the finite-difference gradient", () => {
  // r = 4 takes the kernels' every-unit path, r = 20 the kept-unit lists (wasm/assembly/train.ts);
  // m = 11 outputs take dotsAndUpdate's chunks of 4 and 1 vectors and its last entry beyond them.
  const N = 5,
    d = 4,
    seed = 77,
    lr = 0.05;
  for (const [r, m] of [
    [4, 3],
    [20, 3],
    [20, 11],
  ] as const)
    for (const mask of families.map((f) => widen(f, r)))
      for (const scope of ["sample", "batch"] as const)
        for (const mode of ["data", "factorisation"] as const)
          it(`r = ${r}, m = ${m}: ${mask.family}${mask.family === "dropconnect" ? `/${mask.layer}` : ""}, per-${scope}, ${mode}`, () => {
            const X = mode === "data" ? gaussianMatrix(d, N, 1, Stream.data) : null;
            const dd = X ? d : N;
            const p: Problem = { X, Y: gaussianMatrix(m, N, 1, Stream.targets), r };
            const U0 = gaussianMatrix(m, r, 2, Stream.init, 0, 0.7);
            const V0 = gaussianMatrix(dd, r, 2, Stream.init, 1, 0.7);
            const result = trainMasked({
              inputs: X,
              targets: p.Y,
              initialU: U0,
              initialV: V0,
              mask,
              maskScope: scope,
              learningRate: lr,
              epochs: 1,
              batchSize: N,
              seed,
              dtype: "f64",
            });
            expect(result.steps).toBe(1);
            const batch = Array.from(permutation(N, seed, Stream.order, 0));
            const masks = documentedMasks(mask, scope, batch, p, dd, m, seed);
            // the reported loss is N * the batch mean at the starting weights
            expect(result.curves.stochasticLoss[0]).toBeCloseTo(N * batchLoss(p, mask, U0, V0, batch, masks), 10);
            // The loss is quadratic in each single weight: central differences are exact up to rounding.
            const h = 1e-4;
            for (const [name, W0, W1] of [
              ["U", U0, result.U],
              ["V", V0, result.V],
            ] as const)
              for (let idx = 0; idx < W0.data.length; idx++) {
                const fd =
                  name === "U"
                    ? (batchLoss(p, mask, perturbed(U0, idx, h), V0, batch, masks) -
                        batchLoss(p, mask, perturbed(U0, idx, -h), V0, batch, masks)) /
                      (2 * h)
                    : (batchLoss(p, mask, U0, perturbed(V0, idx, h), batch, masks) -
                        batchLoss(p, mask, U0, perturbed(V0, idx, -h), batch, masks)) /
                      (2 * h);
                const stepGradient = (W0.data[idx]! - W1.data[idx]!) / lr;
                expect(Math.abs(stepGradient - fd), `${name}[${idx}]`).toBeLessThan(1e-7 * (1 + Math.abs(fd)));
              }
          });
});

describe("trainMasked", () => {
  const base = (overrides: Partial<TrainOptions> = {}): TrainOptions => {
    const X = gaussianMatrix(8, 40, 5, Stream.data);
    return {
      inputs: X,
      targets: gaussianMatrix(6, 40, 5, Stream.targets),
      initialU: gaussianMatrix(6, 6, 5, Stream.init, 0, 0.3),
      initialV: gaussianMatrix(8, 6, 5, Stream.init, 1, 0.3),
      mask: { family: "dropblock", keepProbability: 0.5, blockSize: 2 },
      learningRate: 0.01,
      epochs: 6,
      batchSize: 7,
      seed: 9,
      ...overrides,
    };
  };

  it("is bit-identical when run twice", () => {
    for (const dtype of ["f32", "f64"] as const) {
      const a = trainMasked(base({ dtype }));
      const b = trainMasked(base({ dtype }));
      expect(Array.from(a.U.data)).toEqual(Array.from(b.U.data));
      expect(Array.from(a.V.data)).toEqual(Array.from(b.V.data));
      expect(a.curves).toEqual(b.curves);
      expect(a.steps).toBe(6 * Math.ceil(40 / 7));
    }
  });

  it("f32 and f64 agree to single precision", () => {
    for (const mask of families.filter((f) => f.family !== "custom")) {
      const a = trainMasked(base({ dtype: "f32", mask }));
      const b = trainMasked(base({ dtype: "f64", mask }));
      let diff = 0,
        norm = 0;
      for (let i = 0; i < a.U.data.length; i++) {
        diff = Math.max(diff, Math.abs(a.U.data[i]! - b.U.data[i]!));
        norm = Math.max(norm, Math.abs(b.U.data[i]!));
      }
      expect(diff / norm).toBeLessThan(1e-4);
      expect(diff).toBeGreaterThan(0); // f32 really ran in single precision
    }
  });

  it("per-batch masks differ from per-sample masks, and the seed matters", () => {
    const sample = trainMasked(base({ maskScope: "sample" }));
    const batch = trainMasked(base({ maskScope: "batch" }));
    const other = trainMasked(base({ seed: 10 }));
    expect(Array.from(batch.U.data)).not.toEqual(Array.from(sample.U.data));
    expect(Array.from(other.U.data)).not.toEqual(Array.from(sample.U.data));
  });

  it("reports divergence instead of throwing", () => {
    const result = trainMasked(base({ learningRate: 1e6, epochs: 50 }));
    expect(result.status).toBe("diverged");
    expect(result.divergedAtEpoch).toBeGreaterThanOrEqual(1);
    expect(result.divergedAtEpoch).toBeLessThanOrEqual(50);
    expect(result.curves.stochasticLoss.length).toBe(result.divergedAtEpoch);
  });

  it("without dropout reaches the least-squares optimum of a full-rank problem", () => {
    // m = 3, d = 4, r = 4 >= min(m, d): the optimum is A* = Y X^T (X X^T)^-1, found here by
    // Gaussian elimination, independently of the network.
    const N = 12,
      d = 4,
      m = 3,
      r = 4;
    const X = gaussianMatrix(d, N, 21, Stream.data);
    const Y = gaussianMatrix(m, N, 21, Stream.targets);
    const objective = (U: Matrix, V: Matrix) => {
      let s = 0;
      for (let k = 0; k < m; k++)
        for (let j = 0; j < N; j++) {
          let yhat = 0;
          for (let i = 0; i < r; i++) for (let a = 0; a < d; a++) yhat += U.data[k * r + i]! * V.data[a * r + i]! * X.data[a * N + j]!;
          s += (Y.data[k * N + j]! - yhat) ** 2;
        }
      return s;
    };
    const optimum = leastSquaresResidual(X, Y);
    const seen: number[] = [];
    const naiveAt = new Map<number, number>();
    const mask = { family: "dropout", keepProbability: 1 } as const;
    const result = trainMasked({
      inputs: X,
      targets: Y,
      initialU: gaussianMatrix(m, r, 3, Stream.init, 0, 0.5),
      initialV: gaussianMatrix(d, r, 3, Stream.init, 1, 0.5),
      mask,
      learningRate: 0.01,
      epochs: 3000,
      batchSize: N,
      seed: 1,
      deterministicObjective: createDeterministicObjective({ targets: Y, inputs: X, mask, hiddenUnits: r }).definition,
      onEpoch: (e, U, V) => {
        seen.push(e);
        if (e % 500 === 0) naiveAt.set(e, objective(U, V));
      },
    });
    // The kernel's objective (theta = 1: the plain loss) against the naive loops above.
    expect(naiveAt.size).toBe(6);
    for (const [e, value] of naiveAt) expect(result.curves.deterministicObjective![e - 1]).toBeCloseTo(value, 9);
    expect(result.status).toBe("completed");
    const curve = result.curves.deterministicObjective!;
    expect(Math.abs(curve.at(-1)! - optimum) / optimum).toBeLessThan(1e-6);
    for (let e = 1; e < curve.length; e++) expect(curve[e]!).toBeLessThanOrEqual(curve[e - 1]! * (1 + 1e-12));
    // Full batch, theta = 1: epoch e's stochastic loss is the objective at the start of epoch e.
    expect(result.curves.stochasticLoss[0]).toBeCloseTo(result.initialObjective!, 9);
    for (const e of [1, 10, 500]) expect(result.curves.stochasticLoss[e]).toBeCloseTo(curve[e - 1]!, 9);
    expect(seen.length).toBe(3000);
    expect(seen[0]).toBe(1);
  });

  it("in factorisation mode fits a rank-r target exactly", () => {
    const n = 6,
      r = 2;
    const Y = multiply(gaussianMatrix(n, r, 4, Stream.targets), gaussianMatrix(r, n, 4, Stream.targets, 1));
    const result = trainMasked({
      targets: Y,
      initialU: gaussianMatrix(n, r, 4, Stream.init, 0, 0.5),
      initialV: gaussianMatrix(n, r, 4, Stream.init, 1, 0.5),
      mask: { family: "dropout", keepProbability: 1 },
      learningRate: 0.05,
      epochs: 4000,
      batchSize: 3,
      seed: 2,
    });
    const fit = multiply(result.U, transposeOf(result.V));
    let err = 0;
    for (let i = 0; i < fit.data.length; i++) err = Math.max(err, Math.abs(fit.data[i]! - Y.data[i]!));
    expect(err).toBeLessThan(1e-6);
  });

  it("rejects bad options with every problem named", () => {
    expect(() => trainMasked(base({ batchSize: 0, learningRate: -1 }))).toThrow(/batchSize.*learningRate/);
    expect(() => trainMasked(base({ initialV: zeros(3, 6) }))).toThrow(/initialV has 3 rows/);
    expect(() => trainMasked(base({ mask: { family: "dropblock", keepProbability: 0.5, blockSize: 4 } }))).toThrow(
      /mask\.blockSize: expected a divisor of hiddenUnits/,
    );
  });
});

describe("training sessions (chunks of epochs in one kernel call)", () => {
  const problem = (family: MaskFamily, mode: "data" | "factorisation", overrides: Partial<TrainOptions> = {}, units = 6): TrainOptions => {
    const N = 12,
      d = mode === "data" ? 5 : N,
      m = 4,
      r = family.family === "custom" ? family.patterns[0]!.length : units;
    const X = mode === "data" ? gaussianMatrix(d, N, 3, Stream.data) : null;
    const Y = gaussianMatrix(m, N, 3, Stream.targets);
    return {
      inputs: X,
      targets: Y,
      initialU: gaussianMatrix(m, r, 3, Stream.init, 0, 0.3),
      initialV: gaussianMatrix(d, r, 3, Stream.init, 1, 0.3),
      mask: family,
      learningRate: 0.03,
      schedule: { kind: "cosine" },
      epochs: 23,
      batchSize: 5,
      seed: 6,
      deterministicObjective: createDeterministicObjective({ targets: Y, inputs: X, mask: family, hiddenUnits: r }).definition,
      ...overrides,
    };
  };
  const bits = (x: { U: Matrix; V: Matrix }) => [...x.U.data, ...x.V.data];

  it("give the same bits however a run is cut into chunks", () => {
    const chunkings = [[23], [1, 1, 1, 20], [7, 7, 7, 2], [5, 100]];
    // 6 units: the kernels' every-unit path; 20 units: the kept-unit lists.
    const cases: [MaskFamily, number][] = [
      ...families.map((f): [MaskFamily, number] => [f, 6]),
      [{ family: "dropout", keepProbability: 0.5 }, 20],
      [{ family: "dropblock", keepProbability: 0.6, blockSize: 4 }, 20],
    ];
    for (const [family, units] of cases)
      for (const mode of ["data", "factorisation"] as const)
        for (const maskScope of ["sample", "batch"] as const)
          for (const dtype of ["f64", "f32"] as const) {
            const opts = problem(family, mode, { maskScope, dtype }, units);
            const whole = trainMasked(opts);
            for (const sizes of chunkings) {
              const got = withMaskedTraining(opts, (session) => {
                const curve: number[] = [];
                const loss: number[] = [];
                for (const size of sizes) {
                  const chunk = session.run(size);
                  curve.push(...chunk.deterministicObjective!);
                  loss.push(...chunk.stochasticLoss);
                }
                expect(session.epoch).toBe(23); // run() stops at options.epochs
                return { ...session.weights(), curve, loss, steps: session.steps };
              });
              const label = `${family.family} r=${units} ${mode} ${maskScope} ${dtype} ${sizes.join("+")}`;
              expect(bits(got), label).toEqual(bits(whole));
              expect(got.curve, label).toEqual(whole.curves.deterministicObjective);
              expect(got.loss, label).toEqual(whole.curves.stochasticLoss);
              expect(got.steps, label).toBe(whole.steps);
            }
          }
  });

  it("scale the learning rate between chunks (a plateau decay) from the next step on", () => {
    const family: MaskFamily = { family: "dropblock", keepProbability: 0.5, blockSize: 2 };
    const base = problem(family, "factorisation", { schedule: { kind: "constant" }, learningRate: 0.04 });
    // Halving after epoch 10 and again after 20 is the step schedule with factor 0.5 every 10
    // epochs (0.04 * 0.5 and 0.04 * 0.5^2 are exact): the same steps, so the same bits.
    const decayed = withMaskedTraining(base, (session) => {
      const first = session.run(10);
      session.learningRateScale = 0.5;
      const second = session.run(10);
      session.learningRateScale = 0.25;
      const third = session.run(10);
      expect(first.learningRate.every((x) => x === 0.04)).toBe(true);
      expect(second.learningRate.every((x) => x === 0.02)).toBe(true);
      expect(third.learningRate.every((x) => x === 0.01)).toBe(true);
      return session.weights();
    });
    const stepped = trainMasked({ ...base, schedule: { kind: "step", everyEpochs: 10, factor: 0.5 } });
    expect(bits(decayed)).toEqual(bits(stepped));
    expect(bits(decayed)).not.toEqual(bits(trainMasked(base)));
    expect(() => withMaskedTraining(base, (session) => (session.learningRateScale = 0))).toThrow(/learningRateScale must be positive/);
  });

  it("stop at divergence, refuse to run further, and are only usable inside their body", () => {
    const options = problem({ family: "dropout", keepProbability: 0.5 }, "data", {
      learningRate: 1e6,
      epochs: 50,
      schedule: { kind: "constant" },
    });
    const whole = trainMasked(options);
    expect(whole.status).toBe("diverged");
    let escaped: { run(n: number): unknown } | undefined;
    withMaskedTraining(options, (session) => {
      escaped = session;
      let ran = 0;
      for (;;) {
        const chunk = session.run(3);
        ran += chunk.epochs;
        if (chunk.diverged) break;
      }
      expect(ran).toBe(whole.divergedAtEpoch);
      expect(session.divergedAtEpoch).toBe(whole.divergedAtEpoch);
      expect(session.steps).toBe(whole.steps);
      expect(() => session.run(1)).toThrow(/diverged in epoch/);
    });
    expect(() => escaped!.run(1)).toThrow(/outside withMaskedTraining/);
    expect(whole.curves.deterministicObjective!.length).toBeLessThan(whole.divergedAtEpoch!);
  });
});

describe("regression with X products large enough for the blocked GEMM", () => {
  it("takes the step the naive gradient gives (dropout, per sample)", () => {
    // d r = 64 * 40 > the small-kernel limit: H = Xb V and dV = Xb^T dH go through GEMM.
    const N = 20,
      d = 64,
      m = 7,
      r = 40,
      lr = 0.01,
      seed = 12;
    const X = gaussianMatrix(d, N, 4, Stream.data);
    const Y = gaussianMatrix(m, N, 4, Stream.targets);
    const U0 = gaussianMatrix(m, r, 4, Stream.init, 0, 0.2);
    const V0 = gaussianMatrix(d, r, 4, Stream.init, 1, 0.2);
    const mask: MaskFamily = { family: "dropout", keepProbability: 0.6 };
    const result = trainMasked({
      inputs: X,
      targets: Y,
      initialU: U0,
      initialV: V0,
      mask,
      learningRate: lr,
      epochs: 1,
      batchSize: N,
      seed,
    });
    const batch = Array.from(permutation(N, seed, Stream.order, 0));
    const z = sampleMasks(mask, { hiddenUnits: r, count: N, seed });
    const gU = new Float64Array(m * r),
      gV = new Float64Array(d * r);
    batch.forEach((j, s) => {
      const h = new Array<number>(r).fill(0);
      for (let i = 0; i < r; i++) {
        for (let a = 0; a < d; a++) h[i]! += V0.data[a * r + i]! * X.data[a * N + j]!;
        h[i]! *= z[s * r + i]! / 0.6;
      }
      const e = new Array<number>(m).fill(0);
      for (let k = 0; k < m; k++) {
        for (let i = 0; i < r; i++) e[k]! += U0.data[k * r + i]! * h[i]!;
        e[k]! = (2 / N) * (e[k]! - Y.data[k * N + j]!);
      }
      for (let k = 0; k < m; k++) for (let i = 0; i < r; i++) gU[k * r + i]! += e[k]! * h[i]!;
      for (let i = 0; i < r; i++) {
        let dh = 0;
        for (let k = 0; k < m; k++) dh += U0.data[k * r + i]! * e[k]!;
        dh *= z[s * r + i]! / 0.6;
        for (let a = 0; a < d; a++) gV[a * r + i]! += X.data[a * N + j]! * dh;
      }
    });
    for (let i = 0; i < m * r; i++) expect(result.U.data[i]).toBeCloseTo(U0.data[i]! - lr * gU[i]!, 12);
    for (let i = 0; i < d * r; i++) expect(result.V.data[i]).toBeCloseTo(V0.data[i]! - lr * gV[i]!, 12);
  });
});

describe("learning-rate schedules", () => {
  it("follow their definitions", () => {
    expect(learningRateAt({ kind: "constant" }, 0.1, 57, 10, 20)).toBe(0.1);
    expect(learningRateAt({ kind: "step", everyEpochs: 3, factor: 0.5 }, 0.8, 30, 10, 20)).toBe(0.8 * 0.5);
    expect(learningRateAt({ kind: "step", everyEpochs: 3, factor: 0.5 }, 0.8, 60, 10, 20)).toBe(0.8 * 0.25);
    expect(learningRateAt({ kind: "inverse-time", decay: 0.5 }, 1, 40, 10, 20)).toBeCloseTo(1 / 3, 15);
    const cosine = { kind: "cosine", finalFraction: 0.1 } as const;
    expect(learningRateAt(cosine, 2, 0, 10, 20)).toBeCloseTo(2, 15);
    expect(learningRateAt(cosine, 2, 100, 10, 20)).toBeCloseTo(2 * (0.1 + 0.9 * 0.5), 15);
    expect(learningRateAt(cosine, 2, 200, 10, 20)).toBeCloseTo(0.2, 15);
  });

  it("are recorded per epoch", () => {
    const result = trainMasked({
      targets: gaussianMatrix(3, 4, 1, Stream.targets),
      initialU: zeros(3, 2),
      initialV: zeros(4, 2),
      mask: { family: "dropout", keepProbability: 0.5 },
      learningRate: 1,
      schedule: { kind: "step", everyEpochs: 2, factor: 0.1 },
      epochs: 5,
      batchSize: 2,
      seed: 1,
    });
    expect(result.curves.learningRate.map((x) => +x.toPrecision(12))).toEqual([1, 1, 0.1, 0.1, 0.01]);
  });
});

// --- small dense helpers, test-only ---------------------------------------------------------
function multiply(A: Matrix, B: Matrix): Matrix {
  const C = zeros(A.rows, B.cols);
  for (let i = 0; i < A.rows; i++)
    for (let j = 0; j < B.cols; j++) {
      let s = 0;
      for (let k = 0; k < A.cols; k++) s += A.data[i * A.cols + k]! * B.data[k * B.cols + j]!;
      C.data[i * B.cols + j] = s;
    }
  return C;
}

function transposeOf(A: Matrix): Matrix {
  const T = zeros(A.cols, A.rows);
  for (let i = 0; i < A.rows; i++) for (let j = 0; j < A.cols; j++) T.data[j * A.rows + i] = A.data[i * A.cols + j]!;
  return T;
}

/** min_A ||Y - A X||^2 via the normal equations A (X X^T) = Y X^T, solved by elimination. */
function leastSquaresResidual(X: Matrix, Y: Matrix): number {
  const S = multiply(X, transposeOf(X));
  const R = multiply(Y, transposeOf(X)); // m x d
  const d = S.rows;
  // Solve S A^T = R^T column by column (S symmetric positive definite).
  const A = zeros(Y.rows, d);
  for (let k = 0; k < Y.rows; k++) {
    const M = Array.from({ length: d }, (_, i) => [...Array.from(S.data.subarray(i * d, (i + 1) * d)), R.data[k * d + i]!]);
    for (let c = 0; c < d; c++) {
      for (let i = c + 1; i < d; i++) {
        const f = M[i]![c]! / M[c]![c]!;
        for (let j = c; j <= d; j++) M[i]![j]! -= f * M[c]![j]!;
      }
    }
    for (let i = d - 1; i >= 0; i--) {
      let s = M[i]![d]!;
      for (let j = i + 1; j < d; j++) s -= M[i]![j]! * A.data[k * d + j]!;
      A.data[k * d + i] = s / M[i]![i]!;
    }
  }
  const fit = multiply(A, X);
  let s = 0;
  for (let i = 0; i < fit.data.length; i++) s += (Y.data[i]! - fit.data[i]!) ** 2;
  return s;
}

describe("relaxed-SIMD build (benchmarks only)", () => {
  it("trains to the same weights up to rounding", async () => {
    const { setFlagsFromString } = await import("node:v8");
    setFlagsFromString("--experimental-wasm-relaxed-simd"); // Node 20; on by default from Node 22
    const options: TrainOptions = {
      inputs: gaussianMatrix(20, 60, 8, Stream.data),
      targets: gaussianMatrix(12, 60, 8, Stream.targets),
      initialU: gaussianMatrix(12, 8, 8, Stream.init, 0, 0.3),
      initialV: gaussianMatrix(20, 8, 8, Stream.init, 1, 0.3),
      mask: { family: "dropout", keepProbability: 0.8 },
      learningRate: 0.005,
      epochs: 3,
      batchSize: 10,
      seed: 4,
    };
    const release = trainMasked(options);
    const relaxed = trainMasked({ ...options, build: "relaxed" });
    for (let i = 0; i < release.U.data.length; i++)
      expect(Math.abs(relaxed.U.data[i]! - release.U.data[i]!)).toBeLessThan(1e-10 * (1 + Math.abs(release.U.data[i]!)));
  });
});
