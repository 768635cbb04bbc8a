// The vector and spectral k-support norms (THEORY.md, "Induced regulariser and closed-form
// global minimum": Argyriou, Foygel, Srebro 2012; McDonald, Pontil, Stamos 2014).
import type { Matrix } from "../numerics/matrix.js";
import { singularValues } from "../numerics/svd.js";

export interface KSupportNorm {
  /** ||w||_(k). */
  norm: number;
  /** ||w||_(k)^2 = sum_{i<k-t} z_i^2 + (1/(t+1)) (sum_{i>=k-t} z_i)^2. */
  normSquared: number;
  /** The unique t in {0..k-1}: the k-t-1 largest |w_i| stand alone, the rest are averaged. */
  index: number;
}

/**
 * The vector k-support norm with its index t (THEORY.md, "Vector k-support norm").
 * z = |w| sorted descending, padded with zeros to length k when k > d, z_0 = +inf. The unique t
 * is the smallest t with z_{k-t-1} > (1/(t+1)) sum_{i>=k-t} z_i: with A(t) that strict inequality,
 * the theory's second inequality at t is exactly "not A(t-1)", so scanning upward needs no
 * tolerance and always stops (A(k-1) holds because z_0 = +inf).
 */
export function kSupportNorm(w: ArrayLike<number>, k: number): KSupportNorm {
  if (!Number.isInteger(k) || k < 1) throw new RangeError(`kSupportNorm: k must be an integer >= 1, got ${k}`);
  const d = w.length;
  const n = Math.max(d, k);
  const z = new Float64Array(n);
  for (let i = 0; i < d; i++) {
    const x = Math.abs(w[i]!);
    if (!Number.isFinite(x)) throw new RangeError(`kSupportNorm: entry ${i} is not finite`);
    z[i] = x;
  }
  z.sort().reverse();
  // 0-based: theory's z_j is z[j-1]; tail of index t is z[k-t-1 ..].
  let tail = 0;
  for (let i = k - 1; i < n; i++) tail += z[i]!;
  let t = 0;
  for (; t < k - 1; t++) {
    const lead = z[k - t - 2]!; // theory z_{k-t-1}
    if (lead > tail / (t + 1)) break;
    tail += lead; // tail of t+1 gains z_{k-t-1}
  }
  let head = 0;
  for (let i = 0; i < k - t - 1; i++) head += z[i]! * z[i]!;
  const normSquared = head + (tail * tail) / (t + 1);
  return { norm: Math.sqrt(normSquared), normSquared, index: t };
}

/** The spectral k-support norm: the vector norm of the singular values (one SVD, no vectors). */
export function spectralKSupportNorm(a: Matrix, k: number): KSupportNorm {
  return kSupportNorm(singularValues(a), k);
}
