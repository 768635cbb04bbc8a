// Mask families of THEORY.md ("Mask families"): the one description of a mask that the spec
// schema, the wasm samplers (shared/numerics) and the theory (shared/theory) all share.
// Every family scales kept units by 1/keepProbability (theta).

export type MaskFamily =
  /** z_i ~ Bernoulli(theta) iid over the r hidden units. */
  | { family: "dropout"; keepProbability: number }
  /** Partitioned DropBlock: b = r / k contiguous blocks of blockSize k, one Bernoulli(theta) each. */
  | { family: "dropblock"; keepProbability: number; blockSize: number }
  /** Bernoulli(theta) on every weight of one layer: "first" is V (input -> hidden), "last" is U. */
  | { family: "dropconnect"; keepProbability: number; layer: "first" | "last" }
  /**
   * The original DropBlock (Ghiasi et al. 2018) in 1-D: seeds at rate gamma, each drops a window
   * of blockSize consecutive units. Windows wrap around circularly, so every unit is covered by
   * exactly k windows and the keep rate is theta everywhere: gamma = 1 - theta^(1/k), mean theta*1.
   */
  | { family: "contiguous-dropblock"; keepProbability: number; blockSize: number }
  /**
   * Any finite distribution over 0/1 mask vectors of length r: pattern j with probability p_j.
   * Its mean and covariance are known exactly; the mean need not be theta*1.
   */
  | { family: "custom"; keepProbability: number; patterns: number[][]; probabilities: number[] };

/** lambda = (1 - theta) / theta (THEORY.md "Setting"). */
export function dropoutLambda(keepProbability: number): number {
  return (1 - keepProbability) / keepProbability;
}

/** Block size of a family in the sense of the k-support norm (1 for dropout and dropconnect). */
export function blockSizeOf(mask: MaskFamily): number {
  return mask.family === "dropblock" || mask.family === "contiguous-dropblock" ? mask.blockSize : 1;
}
