// A factorisation U V^T with r = b k hidden units that attains the closed form with equal block
// norms (THEORY.md, "Representability" and "Balance"; the construction is beyond the paper).
// With L the k-t-1 leading directions, T the remaining rank directions and
// s = sum_T w_i / (t+1), block g holds
//   U_g = [sqrt(w_L / b) p_L,  sqrt(s / b) P_T F_g],  V_g = [sqrt(w_L / b) q_L,  sqrt(s / b) Q_T F_g]
// where F_g (|T| x (t+1)) has orthonormal columns and sum_g F_g F_g^T = b diag(w_T / s). Then
// U V^T = A*, ||U_g V_g^T||_F^2 = (sum_L w^2 + (t+1) s^2) / b^2 = ||A*||_(k)^2 / b^2 for every g,
// and each U_g V_g^T is the dual certificate of ||A*||_(k) restricted to a top-k subspace, which
// is the equality case of min_{U V^T = A} sum_g ||U_g V_g^T||_F^2 >= ||A||_(k)^2 / b.
import { type Matrix, zeros } from "../numerics/matrix.js";
import type { ClosedForm } from "./closedForm.js";
import { multiply } from "./dense.js";
import { projectorDecomposition } from "./projectorDecomposition.js";

export interface BalancedFactorisation {
  /** m x r. */
  U: Matrix;
  /** d x r (data mode: V = S^{-1/2} V~ so that U V^T = B* S^{-1/2}). */
  V: Matrix;
}

/**
 * The balanced optimum for a closed form, or null when none was found: always when the cell is
 * not representable, and for t > 0 possibly also on representable cells (the bound is
 * necessary only; see projectorDecomposition.ts).
 */
export function balancedFactorisation(cf: ClosedForm): BalancedFactorisation | null {
  const { blockSize: k, blocks: b, hiddenUnits: r, rank, kSupportIndex: t, spectrum: w } = cf;
  const p = cf.leftVectors;
  const q = cf.rightVectors;
  const m = p.rows;
  const d = q.rows;
  const width = p.cols;
  const U = zeros(m, r);
  const V = zeros(d, r);
  if (!cf.representable) return null;
  const leading = Math.min(k - t - 1, rank);
  const tailStart = leading;
  const tailCount = rank - tailStart;
  const slots = t + 1;
  let frames: Matrix[] = [];
  let level = 0;
  if (tailCount > 0) {
    let tailSum = 0;
    for (let i = tailStart; i < rank; i++) tailSum += w[i]!;
    level = tailSum / slots;
    const x = new Float64Array(tailCount);
    for (let i = 0; i < tailCount; i++) x[i] = (b * w[tailStart + i]!) / level;
    const found = projectorDecomposition(x, slots, b);
    if (!found) return null;
    frames = found;
  }
  for (let g = 0; g < b; g++) {
    const base = g * k;
    for (let c = 0; c < leading; c++) {
      const scale = Math.sqrt(w[c]! / b);
      for (let i = 0; i < m; i++) U.data[i * r + base + c] = scale * p.data[i * width + c]!;
      for (let i = 0; i < d; i++) V.data[i * r + base + c] = scale * q.data[i * width + c]!;
    }
    if (tailCount === 0) continue;
    const f = frames[g]!;
    const scale = Math.sqrt(level / b);
    for (let j = 0; j < slots; j++) {
      const col = base + leading + j;
      for (let l = 0; l < tailCount; l++) {
        const coef = scale * f.data[l * slots + j]!;
        if (coef === 0) continue;
        const dir = tailStart + l;
        for (let i = 0; i < m; i++) U.data[i * r + col]! += coef * p.data[i * width + dir]!;
        for (let i = 0; i < d; i++) V.data[i * r + col]! += coef * q.data[i * width + dir]!;
      }
    }
  }
  // Data mode: the factorisation above is of B* with V~ = S^{1/2} V.
  return { U, V: cf.inverseSqrtGram ? multiply(cf.inverseSqrtGram, V) : V };
}
