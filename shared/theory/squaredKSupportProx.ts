// The exact proximal operator of the squared k-support norm (THEORY.md, "Exact prox"):
//   w = argmin 1/2 ||w - sigma||^2 + (mu/2) ||w||_(k)^2,
//   w_i = sigma_i a_i / (a_i + mu),  a_i = clip(sigma_i / s - mu, 0, 1),  sum_i a_i = k.
// a is the minimiser of the variational form ||w||_(k)^2 = min_{a in [0,1]^d, sum a <= k}
// sum w_i^2 / a_i, so the prox value is sum sigma_i^2 mu / (a_i + mu) / 2.

export interface SquaredKSupportProx {
  /** The prox w, same order and signs as the input. */
  values: Float64Array;
  /** The variational weights a_i in [0, 1] (1 on a zero-regularisation or ridge solution). */
  weights: Float64Array;
  /** The level s with sum a_i = k (0 when the constraint sum a <= k is inactive). */
  level: number;
}

/**
 * Exact prox from the sorted breakpoints, O(n log n). g(s) = sum_i clip(|sigma_i|/s - mu, 0, 1)
 * is continuous and non-increasing; it is piecewise c + S/s - mu m between the breakpoints
 * |sigma_i|/(1+mu) (a_i leaves 1) and |sigma_i|/mu (a_i reaches 0). Sweeping the breakpoints
 * upward with running counts finds the piece where g crosses k; s then solves one linear equation.
 */
export function squaredKSupportProx(sigma: ArrayLike<number>, k: number, mu: number): SquaredKSupportProx {
  if (!Number.isInteger(k) || k < 1) throw new RangeError(`squaredKSupportProx: k must be an integer >= 1, got ${k}`);
  if (!(mu >= 0) || !Number.isFinite(mu)) throw new RangeError(`squaredKSupportProx: mu must be finite and >= 0, got ${mu}`);
  const n = sigma.length;
  const abs = new Float64Array(n);
  let nonzero = 0;
  for (let i = 0; i < n; i++) {
    const x = Math.abs(sigma[i]!);
    if (!Number.isFinite(x)) throw new RangeError(`squaredKSupportProx: entry ${i} is not finite`);
    abs[i] = x;
    if (x > 0) nonzero++;
  }
  const values = new Float64Array(n);
  const weights = new Float64Array(n);
  // No regularisation, or at most k non-zero entries: the constraint sum a <= k is slack, a = 1.
  if (mu === 0 || nonzero <= k) {
    for (let i = 0; i < n; i++) {
      weights[i] = abs[i]! > 0 ? 1 : 0;
      values[i] = sigma[i]! / (1 + mu);
    }
    return { values, weights, level: 0 };
  }
  // Breakpoints: kind 0 at |sigma|/(1+mu) (a: 1 -> middle), kind 1 at |sigma|/mu (middle -> 0).
  const points: { at: number; index: number; kind: 0 | 1 }[] = [];
  for (let i = 0; i < n; i++) {
    if (abs[i]! === 0) continue;
    points.push({ at: abs[i]! / (1 + mu), index: i, kind: 0 });
    points.push({ at: abs[i]! / mu, index: i, kind: 1 });
  }
  points.sort((p, q) => p.at - q.at || p.kind - q.kind);
  // Left of the first breakpoint every non-zero a_i is 1. state: 1 (a = 1), 2 (middle), 0 (a = 0).
  const state = new Uint8Array(n);
  for (let i = 0; i < n; i++) state[i] = abs[i]! > 0 ? 1 : 0;
  let ones = nonzero;
  let middleSum = 0;
  let middleCount = 0;
  let level = Number.NaN;
  for (const p of points) {
    const g = middleCount === 0 ? ones : ones + middleSum / p.at - mu * middleCount;
    if (g <= k) {
      // Crossing in the piece ending at p. The running sum may carry rounding from entries
      // that left the middle, so the middle's sum is taken afresh for the level.
      if (middleCount === 0) {
        level = p.at; // g is the constant k on this piece: a is 0/1 and any level in it works
      } else {
        let exactSum = 0;
        for (let i = 0; i < n; i++) if (state[i] === 2) exactSum += abs[i]!;
        level = exactSum / (k - ones + mu * middleCount);
      }
      break;
    }
    if (p.kind === 0) {
      ones--;
      middleSum += abs[p.index]!;
      middleCount++;
      state[p.index] = 2;
    } else {
      middleSum -= abs[p.index]!;
      middleCount--;
      state[p.index] = 0;
    }
  }
  // g -> 0 < k beyond the last breakpoint, so the loop always breaks; guard anyway.
  if (!(level > 0) || !Number.isFinite(level)) throw new Error("squaredKSupportProx: no level found (internal error)");
  for (let i = 0; i < n; i++) {
    const a = Math.min(1, Math.max(0, abs[i]! / level - mu));
    weights[i] = a;
    values[i] = a === 0 ? 0 : (sigma[i]! * a) / (a + mu);
  }
  return { values, weights, level };
}
