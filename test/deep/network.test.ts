// The deep experiment's pieces against independent computations: the hand-written backward
// pass against f64 finite differences of a plain-loop forward pass, wasm against cpu, the
// deterministic objective against a Monte Carlo mean of the masked loss, block norms against
// naive products.
import { beforeAll, describe, expect, it } from "vitest";
import { tf, useBackend } from "../../shared/deep/backend.js";
import { blockNorms, deterministicObjective, oneHot, relativeError } from "../../shared/deep/measure.js";
import { imagePixels, mnistTrainingSet, type MnistTrainingSet } from "../../shared/deep/mnist.js";
import { disposeWeights, initialWeights, maskedStep, weightValues, type Architecture } from "../../shared/deep/network.js";
import { readLastLayer, train, type LastLayerMask, type TrainingSettings } from "../../shared/deep/train.js";
import { sampleMasks } from "../../shared/numerics/masks.js";
import { Stream } from "../../shared/numerics/rng.js";
import { maskMoments } from "../../shared/theory/index.js";

const classes = 10;
let data: MnistTrainingSet;

beforeAll(async () => {
  await useBackend({ backend: "wasm" });
  data = mnistTrainingSet({ samples: 120, seed: 7 });
});

/** Plain-loop f64 forward pass: sum over the batch of ||y - U diag(mask) phi(x)||^2. */
function naiveLoss(
  w: Record<string, Float64Array>,
  images: Float32Array,
  labels: Uint8Array,
  mask: Float32Array,
  arch: Architecture,
  rows: number[],
): number {
  const { firstHiddenUnits: h, hiddenUnits: r } = arch;
  let loss = 0;
  rows.forEach((n, b) => {
    const hidden = new Float64Array(h);
    for (let j = 0; j < h; j++) {
      let s = w.b1![j]!;
      for (let p = 0; p < imagePixels; p++) s += images[n * imagePixels + p]! * w.w1![p * h + j]!;
      hidden[j] = Math.max(0, s);
    }
    const phi = new Float64Array(r);
    for (let i = 0; i < r; i++) {
      let s = w.b2![i]!;
      for (let j = 0; j < h; j++) s += hidden[j]! * w.w2![j * r + i]!;
      phi[i] = arch.lastActivation === "relu" ? Math.max(0, s) : s;
    }
    for (let c = 0; c < classes; c++) {
      let o = 0;
      for (let i = 0; i < r; i++) o += w.uT![i * classes + c]! * mask[b * r + i]! * phi[i]!;
      loss += ((labels[n] === c ? 1 : 0) - o) ** 2;
    }
  });
  return loss;
}

describe("maskedStep gradient", () => {
  for (const lastActivation of ["linear", "relu"] as const) {
    it(`matches f64 central differences of a plain-loop forward pass (${lastActivation} last layer)`, () => {
      const arch: Architecture = { firstHiddenUnits: 5, hiddenUnits: 6, lastActivation };
      const weights = initialWeights(arch, 11);
      const rows = [3, 40, 77, 101];
      const mask = new Float32Array(rows.length * arch.hiddenUnits).map((_, i) => (i % 3 === 1 ? 0 : 2));
      const images = tf.tensor2d(data.images, [data.labels.length, imagePixels]);
      const targets = tf.tensor2d(Float32Array.from(oneHot(data.labels, classes).data), [data.labels.length, classes]);
      const idx = tf.tensor1d(rows, "int32");
      const step = maskedStep(
        weights,
        tf.gather(images, idx),
        tf.gather(targets, idx),
        tf.tensor2d(mask, [rows.length, arch.hiddenUnits]),
        lastActivation,
      );
      const values = Object.fromEntries(Object.entries(weightValues(weights)).map(([k, v]) => [k, Float64Array.from(v)]));
      const base = naiveLoss(values, data.images, data.labels, mask, arch, rows);
      expect(step.loss.dataSync()[0]).toBeCloseTo(base, 3);
      for (const name of ["w1", "b1", "w2", "b2", "uT"] as const) {
        const grad = step.gradients[name].dataSync();
        const scale = Math.max(...Array.from(grad, Math.abs));
        expect(scale).toBeGreaterThan(0);
        // Check the largest entries and a spread of others (w1 is mostly zero on blank pixels).
        const order = Array.from(grad.keys()).sort((a, b) => Math.abs(grad[b]!) - Math.abs(grad[a]!));
        const picks = [...order.slice(0, 6), ...order.filter((_, i) => i % Math.ceil(order.length / 6) === 0)];
        for (const e of picks) {
          const v = values[name]!;
          const keep = v[e]!;
          const eps = 1e-4;
          v[e] = keep + eps;
          const up = naiveLoss(values, data.images, data.labels, mask, arch, rows);
          v[e] = keep - eps;
          const down = naiveLoss(values, data.images, data.labels, mask, arch, rows);
          v[e] = keep;
          // maskedStep differentiates loss / batch.
          const numeric = (up - down) / (2 * eps) / rows.length;
          expect(Math.abs(grad[e]! - numeric), `${name}[${e}]`).toBeLessThan(2e-3 * scale);
        }
      }
      tf.dispose([images, targets, idx, step.loss, ...Object.values(step.gradients)]);
      disposeWeights(weights);
    });
  }
});

const settings = (mask: LastLayerMask, epochs: number): TrainingSettings => ({
  mask,
  architecture: { firstHiddenUnits: 16, hiddenUnits: 8, lastActivation: "linear" },
  epochs,
  learningRate: 0.003,
  batchSize: 32,
  seed: 5,
  stopping: { tolerance: 1e-3, patience: 100, learningRateDecay: 0.5, decays: 0 },
});

function trainOn(backend: "wasm" | "cpu", mask: LastLayerMask, epochs: number) {
  const s = settings(mask, epochs);
  const weights = initialWeights(s.architecture, s.seed);
  const losses: number[] = [];
  const targetsT = oneHot(data.labels, classes);
  const outcome = train(weights, data, targetsT, maskMoments(mask, 8), s, (e) => losses.push(e.stochasticLoss));
  const values = weightValues(weights);
  disposeWeights(weights);
  return { outcome, losses, values, backend };
}

describe("wasm and cpu backends", () => {
  it("agree on a few epochs of masked Adam training (losses and weights)", async () => {
    const mask: LastLayerMask = { family: "dropblock", keepProbability: 0.5, blockSize: 2 };
    const wasm = trainOn("wasm", mask, 3);
    await useBackend({ backend: "cpu" });
    try {
      expect(tf.getBackend()).toBe("cpu");
      const cpu = trainOn("cpu", mask, 3);
      for (let e = 0; e < 3; e++) expect(Math.abs(wasm.losses[e]! - cpu.losses[e]!) / cpu.losses[e]!).toBeLessThan(1e-4);
      for (const name of ["w1", "b1", "w2", "b2", "uT"] as const) {
        const a = wasm.values[name];
        const b = cpu.values[name];
        let diff = 0;
        let norm = 0;
        for (let i = 0; i < a.length; i++) {
          diff = Math.max(diff, Math.abs(a[i]! - b[i]!));
          norm = Math.max(norm, Math.abs(b[i]!));
        }
        expect(diff / norm, name).toBeLessThan(1e-4);
      }
      expect(Math.abs(wasm.outcome.terms.objective - cpu.outcome.terms.objective) / cpu.outcome.terms.objective).toBeLessThan(1e-4);
    } finally {
      await useBackend({ backend: "wasm" });
    }
    expect(tf.getBackend()).toBe("wasm");
  });
});

describe("deterministic objective", () => {
  const families: LastLayerMask[] = [
    { family: "dropout", keepProbability: 0.6 },
    { family: "dropblock", keepProbability: 0.5, blockSize: 4 },
    { family: "contiguous-dropblock", keepProbability: 0.5, blockSize: 3 },
  ];
  for (const mask of families) {
    it(`equals the Monte Carlo mean of the masked loss on a trained network (${mask.family})`, () => {
      const s = settings(mask, 2);
      const weights = initialWeights(s.architecture, s.seed);
      const targetsT = oneHot(data.labels, classes);
      const moments = maskMoments(mask, 8);
      train(weights, data, targetsT, moments, s);
      const images = tf.tensor2d(data.images, [data.labels.length, imagePixels]);
      const layer = readLastLayer(weights, images, s.architecture);
      images.dispose();
      disposeWeights(weights);
      const exact = deterministicObjective(layer, targetsT, moments, mask.keepProbability).objective;

      // Each draw: one fresh mask per sample, the total masked loss over the training set.
      const n = data.labels.length;
      const r = 8;
      const draws = 400;
      const masks = sampleMasks(mask, { hiddenUnits: r, count: draws * n, seed: 99, stream: Stream.monteCarlo });
      const totals: number[] = [];
      for (let d = 0; d < draws; d++) {
        let total = 0;
        for (let i = 0; i < n; i++) {
          for (let c = 0; c < classes; c++) {
            let o = 0;
            for (let u = 0; u < r; u++)
              o +=
                layer.outputT.data[u * classes + c]! *
                (masks[(d * n + i) * r + u]! / mask.keepProbability) *
                layer.featuresT.data[i * r + u]!;
            total += ((data.labels[i] === c ? 1 : 0) - o) ** 2;
          }
        }
        totals.push(total);
      }
      const mean = totals.reduce((a, b) => a + b, 0) / draws;
      const sd = Math.sqrt(totals.reduce((a, b) => a + (b - mean) ** 2, 0) / (draws - 1));
      const standardError = sd / Math.sqrt(draws);
      expect(standardError).toBeGreaterThan(0);
      expect(Math.abs(mean - exact)).toBeLessThan(4 * standardError);
    });
  }
});

describe("block norms", () => {
  it("are ||U_g Phi_g||_F computed from the products themselves", () => {
    const r = 6;
    const n = 5;
    const featuresT = { rows: n, cols: r, data: Float64Array.from({ length: n * r }, (_, i) => Math.sin(i + 1)) };
    const outputT = { rows: r, cols: classes, data: Float64Array.from({ length: r * classes }, (_, i) => Math.cos(3 * i)) };
    const norms = blockNorms({ featuresT, outputT }, 2);
    expect(norms).toHaveLength(3);
    norms.forEach((norm, g) => {
      let s = 0;
      for (let c = 0; c < classes; c++)
        for (let i = 0; i < n; i++) {
          let entry = 0;
          for (let u = 2 * g; u < 2 * g + 2; u++) entry += outputT.data[u * classes + c]! * featuresT.data[i * r + u]!;
          s += entry * entry;
        }
      expect(norm).toBeCloseTo(Math.sqrt(s), 12);
    });
    expect(relativeError([3, 4], [3, 0])).toBeCloseTo(4 / 3, 14);
  });
});
