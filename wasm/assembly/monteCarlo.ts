// Monte Carlo check of the deterministic objective (THEORY.md claim 1): the masked loss
// ||Y - U diag(z/theta) V^T X||_F^2 (or, for DropConnect, with U o Z / theta or V o Z / theta)
// for `Draws` masks, mask s applied to every sample, each from index s of the block's stream,
// so draw s is the same whatever else is drawn. One f64 loss per draw; the caller takes the
// mean and its standard error (shared/experiments/linear.ts). f64 throughout.
import { MaskFamilyCode, MonteCarloSlot, ObjectiveSlot } from "./layout";
import { sampleMasks } from "./masks";
import { rngSetStream } from "./rng";
import { accumulateMany } from "./small";

@inline function slot(p: usize, s: i32): f64 {
  return load<f64>(p + (<usize>s << 3));
}
@inline function at(p: usize, i: i32): f64 {
  return load<f64>(p + (<usize>i << 3));
}
@inline function align16(x: usize): usize {
  return (x + 15) & ~(<usize>15);
}

/** Scratch bytes of monteCarloLosses for these sizes. */
export function monteCarloScratchBytes(n: i32, d: i32, m: i32, r: i32): i32 {
  return (2 * n * r + n * m + max(d, m) * r + m * r + d * r + r) * 8 + r * 8 + 128;
}

/**
 * Sum over samples of ||y_j - sum_t coef_j[t] u(idx[t])||^2, coef_j[t] = Wt[j, idx[t]] * z[t]
 * (the n units in idx, the same for every sample; r more u32 after idx hold their row offsets).
 */
function lossOf(N: i32, m: i32, r: i32, yt: usize, ut: usize, wt: usize, idx: usize, z: usize, n: i32, coef: usize, yhat: usize): f64 {
  // Byte offsets of the units' rows of U^T, after the indices.
  const offs = idx + (<usize>r << 2);
  for (let t = 0; t < n; t++) store<u32>(offs + (<usize>t << 2), <u32>load<i32>(idx + (<usize>t << 2)) * <u32>m * 8);
  for (let j = 0; j < N; j++) {
    const wj = wt + (<usize>(j * r) << 3);
    const cj = coef + (<usize>(j * r) << 3);
    for (let t = 0; t < n; t++) store<f64>(cj + (<usize>t << 3), at(wj, load<i32>(idx + (<usize>t << 2))) * at(z, t));
  }
  accumulateMany<f64>(N, yhat, m, false, 1, coef, r, offs, 0, 0, n, ut, m, m);
  let loss: f64 = 0;
  for (let k = 0; k < N * m; k++) {
    const e = at(yt, k) - at(yhat, k);
    loss += e * e;
  }
  return loss;
}

/** Rows of V (factorisation) or X^T V, for the samples: wt (N x r) from w (d x r). */
function inputRows(wt: usize, w: usize, xt: usize, N: i32, d: i32, r: i32): void {
  if (xt == 0) memory.copy(wt, w, <usize>(N * r) << 3);
  else accumulateMany<f64>(N, wt, r, false, 1, xt, d, 0, 0, 0, d, w, r, r);
}

/** The masked loss of each of the block's draws into its Out (MonteCarloSlot). */
export function monteCarloLosses(mb: usize): void {
  const ob = <usize>slot(mb, MonteCarloSlot.Objective);
  const N = <i32>slot(ob, ObjectiveSlot.N), d = <i32>slot(ob, ObjectiveSlot.D);
  const m = <i32>slot(ob, ObjectiveSlot.M), r = <i32>slot(ob, ObjectiveSlot.R);
  const yt = <usize>slot(ob, ObjectiveSlot.Yt), xt = <usize>slot(ob, ObjectiveSlot.Xt);
  const ut = <usize>slot(mb, MonteCarloSlot.Ut), v = <usize>slot(mb, MonteCarloSlot.V);
  const family = <i32>slot(mb, MonteCarloSlot.Family);
  const theta = slot(mb, MonteCarloSlot.Theta);
  const blockSize = <i32>slot(mb, MonteCarloSlot.BlockSize);
  const lastLayer = slot(mb, MonteCarloSlot.LastLayer) == 1;
  const patterns = <usize>slot(mb, MonteCarloSlot.Patterns), cum = <usize>slot(mb, MonteCarloSlot.Cumulative);
  const patternCount = <i32>slot(mb, MonteCarloSlot.PatternCount);
  const draws = <i32>slot(mb, MonteCarloSlot.Draws);
  const out = <usize>slot(mb, MonteCarloSlot.Out);
  const wt = align16(<usize>slot(mb, MonteCarloSlot.Scratch));
  const z = align16(wt + (<usize>(N * r) << 3));
  const um = align16(z + (<usize>(max(d, m) * r) << 3));
  const vm = align16(um + (<usize>(m * r) << 3));
  const coef = align16(vm + (<usize>(d * r) << 3));
  const zk = align16(coef + (<usize>(N * r) << 3));
  const yhat = align16(zk + (<usize>r << 3));
  const idx = align16(yhat + (<usize>(N * m) << 3));
  rngSetStream(<u32>slot(mb, MonteCarloSlot.Key0), <u32>slot(mb, MonteCarloSlot.Key1),
    <u32>slot(mb, MonteCarloSlot.Stream), <u32>slot(mb, MonteCarloSlot.Substream));
  const scale = 1.0 / theta;
  const connect = family == MaskFamilyCode.DropConnect;
  if (!connect || lastLayer) inputRows(wt, v, xt, N, d, r);
  for (let i = 0; i < r; i++) store<f64>(zk + (<usize>i << 3), 1);
  for (let s = 0; s < draws; s++) {
    let loss: f64;
    if (!connect) {
      // Unit mask z (0 or 1/theta): only the kept units enter the prediction.
      sampleMasks<f64>(z, 1, r, family, theta, blockSize, scale, <f64>s, patterns, cum, patternCount);
      let n = 0;
      for (let i = 0; i < r; i++) {
        store<i32>(idx + (<usize>n << 2), i);
        store<f64>(zk + (<usize>n << 3), at(z, i));
        n += <i32>(at(z, i) != 0);
      }
      loss = lossOf(N, m, r, yt, ut, wt, idx, zk, n, coef, yhat);
      for (let i = 0; i < r; i++) store<f64>(zk + (<usize>i << 3), 1);
    } else {
      for (let i = 0; i < r; i++) store<i32>(idx + (<usize>i << 2), i);
      if (lastLayer) {
        // Z (m x r) on U: the masked U^T, then every unit.
        sampleMasks<f64>(z, 1, m * r, family, theta, 1, scale, <f64>s, 0, 0, 0);
        for (let i = 0; i < r; i++)
          for (let k = 0; k < m; k++) store<f64>(um + (<usize>(i * m + k) << 3), at(ut, i * m + k) * at(z, k * r + i));
        loss = lossOf(N, m, r, yt, um, wt, idx, zk, r, coef, yhat);
      } else {
        // Z (d x r) on V: the masked V, its rows for the samples, then every unit.
        sampleMasks<f64>(z, 1, d * r, family, theta, 1, scale, <f64>s, 0, 0, 0);
        for (let i = 0; i < d * r; i++) store<f64>(vm + (<usize>i << 3), at(v, i) * at(z, i));
        inputRows(wt, vm, xt, N, d, r);
        loss = lossOf(N, m, r, yt, ut, wt, idx, zk, r, coef, yhat);
      }
    }
    store<f64>(out + (<usize>s << 3), loss);
  }
}
