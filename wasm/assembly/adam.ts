// One Adam step (Kingma & Ba, ICLR 2015) in single precision, for the deep experiment's weights
// (shared/deep/adam.ts). It reproduces tfjs-core's AdamOptimizer.applyGradients operation by
// operation, each rounded to f32 as tfjs-backend-wasm rounds each of its kernels:
//   m' = m beta1 + g (1 - beta1)            v' = v beta2 + g^2 (1 - beta2)
//   w' = (m' / c1) / (sqrt(v' / c2) + eps) * (-lr) + w,   c_i = 1 - beta_i^t (in f32)
// so a run is bit-identical to one with tf.train.adam (test/deep/adam.test.ts), in one pass
// over the weights instead of fourteen kernels with a tensor each.

/** w, m, v updated in place from the gradient g (n f32 each). */
export function adamF32(
  w: usize, g: usize, m: usize, v: usize, n: i32, negLearningRate: f32, beta1: f32, oneMinusBeta1: f32,
  beta2: f32, oneMinusBeta2: f32, epsilon: f32, correction1: f32, correction2: f32,
): void {
  const b1 = f32x4.splat(beta1), c1 = f32x4.splat(oneMinusBeta1);
  const b2 = f32x4.splat(beta2), c2 = f32x4.splat(oneMinusBeta2);
  const eps = f32x4.splat(epsilon), lr = f32x4.splat(negLearningRate);
  const k1 = f32x4.splat(correction1), k2 = f32x4.splat(correction2);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const off = <usize>i << 2;
    const gv = v128.load(g + off);
    const m1 = f32x4.add(f32x4.mul(v128.load(m + off), b1), f32x4.mul(gv, c1));
    const v1 = f32x4.add(f32x4.mul(v128.load(v + off), b2), f32x4.mul(f32x4.mul(gv, gv), c2));
    const step = f32x4.div(f32x4.div(m1, k1), f32x4.add(f32x4.sqrt(f32x4.div(v1, k2)), eps));
    v128.store(w + off, f32x4.add(f32x4.mul(step, lr), v128.load(w + off)));
    v128.store(m + off, m1);
    v128.store(v + off, v1);
  }
  for (; i < n; i++) {
    const off = <usize>i << 2;
    const gi = load<f32>(g + off);
    const m1: f32 = load<f32>(m + off) * beta1 + gi * oneMinusBeta1;
    const v1: f32 = load<f32>(v + off) * beta2 + gi * gi * oneMinusBeta2;
    const step: f32 = m1 / correction1 / (Mathf.sqrt(v1 / correction2) + epsilon);
    store<f32>(w + off, step * negLearningRate + load<f32>(w + off));
    store<f32>(m + off, m1);
    store<f32>(v + off, v1);
  }
}
