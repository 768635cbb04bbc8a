// The deep experiment's Adam (shared/deep/adam.ts, kernel wasm/assembly/adam.ts) against the
// independent implementation it replaces: tfjs-core's tf.train.adam on the same gradients,
// compared bit for bit, through a learning-rate reset (a fresh optimiser at a plateau).
import { beforeAll, describe, expect, it } from "vitest";
import { tf, useBackend } from "../../shared/deep/backend.js";
import { Adam } from "../../shared/deep/adam.js";
import { disposeWeights, initialWeights, weightNames, weightValues, type Weights } from "../../shared/deep/network.js";
import { engine } from "../../shared/numerics/engine.js";
import { normalArray, Stream } from "../../shared/numerics/rng.js";

beforeAll(async () => {
  await useBackend({ backend: "wasm" });
});

/** Gradient of step `t` for each weight: seeded normals of varied scale (some tiny, some large). */
function gradients(weights: Weights, t: number): Record<(typeof weightNames)[number], tf.Tensor> {
  return Object.fromEntries(
    weightNames.map((name, layer) => {
      const values = normalArray(weights[name].size, 40 + t, Stream.data, layer);
      const scale = [1e-3, 0.5, 3, 1e-6, 0.05][layer]!;
      return [
        name,
        tf.tensor(
          Float32Array.from(values, (x) => x * scale),
          weights[name].shape,
        ),
      ];
    }),
  ) as Record<(typeof weightNames)[number], tf.Tensor>;
}

const bits = (values: Float32Array) => Array.from(new Uint32Array(values.buffer, values.byteOffset, values.length));

describe("Adam on the numeric engine", () => {
  it("takes tf.train.adam's steps bit for bit, also after a reset to a lower learning rate", () => {
    // First layer 13 wide: 784 x 13 and 13-entry tensors, sizes not multiples of the SIMD width.
    const arch = { firstHiddenUnits: 13, hiddenUnits: 6, lastActivation: "linear" as const };
    const theirs = initialWeights(arch, 3);
    const ours = initialWeights(arch, 3);
    const ws = engine();
    try {
      ws.scoped(() => {
        let reference = tf.train.adam(0.003);
        const adam = new Adam(ws, ours, 0.003);
        for (let t = 0; t < 12; t++) {
          if (t === 7) {
            // A plateau: both restart at a quarter of the step size.
            reference.dispose();
            reference = tf.train.adam(0.003 * 0.25);
            adam.reset(0.003 * 0.25);
          }
          const g = gradients(theirs, t);
          reference.applyGradients(weightNames.map((name) => ({ name: theirs[name].name, tensor: g[name] })));
          adam.apply(ours, g);
          Object.values(g).forEach((x) => x.dispose());
          const a = weightValues(theirs);
          const b = weightValues(ours);
          for (const name of weightNames) expect(bits(b[name]), `${name} after step ${t + 1}`).toEqual(bits(a[name]));
        }
        reference.dispose();
        // And the weights did move.
        const fresh = initialWeights(arch, 3);
        expect(bits(weightValues(ours).w1)).not.toEqual(bits(weightValues(fresh).w1));
        disposeWeights(fresh);
      });
    } finally {
      disposeWeights(theirs);
      disposeWeights(ours);
    }
  });
});
