// Mean m = E[z] and covariance C = E[z z^T] - m m^T of each mask family over r hidden units
// (THEORY.md, "Mask families"). The deterministic objective needs exactly these two.
import { UsageError } from "../errors.js";
import { maskProblemText, type MaskFamily } from "../masks.js";
import { type Matrix, zeros } from "../numerics/matrix.js";
import { pow } from "../numerics/libm.js";

export interface MaskMoments {
  /** E[z], length r (theta * 1 for every family except custom). */
  mean: Float64Array;
  /** Cov[z], r x r. */
  covariance: Matrix;
}

/**
 * Moments of the mask z in {0,1}^r (before the 1/theta scaling).
 * - dropout: theta(1-theta) I.
 * - dropblock: theta(1-theta) blockdiag(1_k 1_k^T).
 * - dropconnect: the moments of the mask on the r weights of one output (last layer) or one
 *   input (first layer): i.i.d. Bernoulli(theta), so theta(1-theta) I; weights are masked
 *   independently, which the deterministic objective accounts for per layer.
 * - contiguous-dropblock: windows wrap circularly (shared/masks.ts), seeds i.i.d. Bernoulli(gamma),
 *   gamma = 1 - theta^(1/k); unit i is kept iff no seed falls in its k-window
 *   W_i = {i-k+1 .. i} (mod r), so P(i and j kept) = (1-gamma)^|W_i u W_j| = theta^(|W_i u W_j|/k).
 * - custom: the finite distribution's moments, exactly.
 */
export function maskMoments(mask: MaskFamily, hiddenUnits: number): MaskMoments {
  const problems = maskProblemText(mask, hiddenUnits);
  if (problems) throw new UsageError(problems);
  const r = hiddenUnits;
  const theta = mask.keepProbability;
  const variance = theta * (1 - theta);
  const mean = new Float64Array(r).fill(theta);
  const covariance = zeros(r, r);
  const c = covariance.data;
  switch (mask.family) {
    case "dropout":
    case "dropconnect":
      for (let i = 0; i < r; i++) c[i * r + i] = variance;
      break;
    case "dropblock": {
      const k = mask.blockSize;
      for (let i = 0; i < r; i++) for (let j = 0; j < r; j++) if (Math.floor(i / k) === Math.floor(j / k)) c[i * r + j] = variance;
      break;
    }
    case "contiguous-dropblock": {
      const k = mask.blockSize;
      // Circulant: the union size depends only on the circular offset.
      const byOffset = new Float64Array(r);
      for (let offset = 0; offset < r; offset++) {
        const covered = new Uint8Array(r);
        for (let s = 0; s < k; s++) {
          covered[(r - s) % r] = 1; // W_0
          covered[(offset - s + r) % r] = 1; // W_offset
        }
        let union = 0;
        for (const x of covered) union += x;
        // wasm libm: the same bits on every host (V8's arm64 Math.pow is 1 ulp off on some inputs).
        byOffset[offset] = pow(theta, union / k) - theta * theta;
      }
      for (let i = 0; i < r; i++) for (let j = 0; j < r; j++) c[i * r + j] = byOffset[(j - i + r) % r]!;
      break;
    }
    case "custom": {
      const { patterns, probabilities } = mask;
      mean.fill(0);
      const second = new Float64Array(r * r);
      patterns.forEach((z, j) => {
        const p = probabilities[j]!;
        for (let i = 0; i < r; i++) {
          if (z[i] === 0) continue;
          mean[i]! += p;
          for (let l = 0; l < r; l++) if (z[l] === 1) second[i * r + l]! += p;
        }
      });
      for (let i = 0; i < r; i++) for (let l = 0; l < r; l++) c[i * r + l] = second[i * r + l]! - mean[i]! * mean[l]!;
      break;
    }
    default: {
      const never: never = mask;
      throw new UsageError(`family: unknown mask family ${JSON.stringify(never)}`);
    }
  }
  return { mean, covariance };
}
