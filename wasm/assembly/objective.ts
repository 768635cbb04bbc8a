// The deterministic objective E_z L_z of THEORY.md "Deterministic objective", in f64, for every
// mask family (shared/theory/deterministicObjective.ts prepares its block and documents it):
//   f(U, V) = ||Y - U Dm V^T X||_F^2 + sum_il M_il (U^T U)_il (V^T S V)_il,
// Dm = diag(E[z] / theta), M = Cov[z] / theta^2, S = X X^T (I in factorisation mode); for
// first-layer DropConnect the regulariser is lambda sum_i ||u_i||^2 v_i^T diag(S) v_i.
// U is passed transposed (U^T, r x m) like the training loop keeps it. The fit is summed
// sample by sample (no cancellation against ||Y||^2), so the value is accurate near the minimum.
import { ObjectiveSlot } from "./layout";
import { accumulateMany, dotRows, transposeInto } from "./small";

@inline function slot(ob: usize, s: i32): f64 {
  return load<f64>(ob + (<usize>s << 3));
}
@inline function at(p: usize, i: i32): f64 {
  return load<f64>(p + (<usize>i << 3));
}
@inline function align16(x: usize): usize {
  return (x + 15) & ~(<usize>15);
}

/** Scratch bytes of objectiveValue for these sizes. */
export function objectiveScratchBytes(n: i32, d: i32, m: i32, r: i32): i32 {
  return (2 * n * r + n * m + 2 * r * r + 2 * d * r) * 8 + r * 4 + 128;
}

/** f(U, V) for U^T (r x m) and V (d x r), f64, with the problem in block `ob` (ObjectiveSlot). */
export function objectiveValue(ob: usize, ut: usize, v: usize): f64 {
  const N = <i32>slot(ob, ObjectiveSlot.N), d = <i32>slot(ob, ObjectiveSlot.D);
  const m = <i32>slot(ob, ObjectiveSlot.M), r = <i32>slot(ob, ObjectiveSlot.R);
  const yt = <usize>slot(ob, ObjectiveSlot.Yt), xt = <usize>slot(ob, ObjectiveSlot.Xt);
  const gram = <usize>slot(ob, ObjectiveSlot.Gram), mean = <usize>slot(ob, ObjectiveSlot.UnitMean);
  const weight = <usize>slot(ob, ObjectiveSlot.UnitWeight);
  const w = align16(<usize>slot(ob, ObjectiveSlot.Scratch));
  const coef = align16(w + (<usize>(N * r) << 3));
  const yhat = align16(coef + (<usize>(N * r) << 3));
  const uu = align16(yhat + (<usize>(N * m) << 3));
  const ww = align16(uu + (<usize>(r * r) << 3));
  const sv = align16(ww + (<usize>(r * r) << 3));
  const vt = align16(sv + (<usize>(d * r) << 3));
  const units = align16(vt + (<usize>(d * r) << 3));
  for (let i = 0; i < r; i++) store<u32>(units + (<usize>i << 2), <u32>(i * m) * 8); // byte offsets of U^T's rows

  // Fit: sample j's prediction is sum_i (E[z_i]/theta) (V^T x_j)_i u_i.
  let wp = v;
  if (xt != 0) {
    accumulateMany<f64>(N, w, r, false, 1, xt, d, 0, 0, 0, d, v, r, r); // rows V^T x_j
    wp = w;
  }
  for (let j = 0; j < N; j++)
    for (let i = 0; i < r; i++) store<f64>(coef + (<usize>(j * r + i) << 3), at(wp, j * r + i) * at(mean, i));
  accumulateMany<f64>(N, yhat, m, false, 1, coef, r, 0, 0, 0, r, ut, m, m);
  let value: f64 = 0;
  for (let k = 0; k < N * m; k++) {
    const e = at(yt, k) - at(yhat, k);
    value += e * e;
  }

  if (weight == 0) {
    // First-layer DropConnect: lambda sum_i ||u_i||^2 sum_a S_aa V_ai^2.
    const lambda = slot(ob, ObjectiveSlot.ConnectLambda);
    for (let i = 0; i < r; i++) {
      const row = ut + (<usize>(i * m) << 3);
      let uu2: f64 = 0;
      for (let k = 0; k < m; k++) uu2 += at(row, k) * at(row, k);
      let q: f64 = 0;
      for (let a = 0; a < d; a++) {
        const x = at(v, a * r + i);
        q += (gram != 0 ? at(gram, a * d + a) : 1) * x * x;
      }
      value += lambda * uu2 * q;
    }
    return value;
  }
  // U^T U: dot products of the rows of U^T.
  for (let i = 0; i < r; i++) dotRows<f64>(uu + (<usize>(i * r) << 3), 0, ut + (<usize>(i * m) << 3), ut, units, r, m);
  // V^T S V, row i = sum_a V_ai (S V)_a.
  let svp = v;
  if (gram != 0) {
    accumulateMany<f64>(d, sv, r, false, 1, gram, d, 0, 0, 0, d, v, r, r);
    svp = sv;
  }
  transposeInto<f64>(vt, v, d, r);
  accumulateMany<f64>(r, ww, r, false, 1, vt, d, 0, 0, 0, d, svp, r, r);
  for (let i = 0; i < r * r; i++) value += at(weight, i) * at(uu, i) * at(ww, i);
  return value;
}

/** objectiveValue for JavaScript callers (shared/numerics/objective.ts). */
export function objectiveF64(ob: usize, ut: usize, v: usize): f64 {
  return objectiveValue(ob, ut, v);
}
