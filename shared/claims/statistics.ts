// The distributions claim 1 tests with (and claim 2 reports with): the standard normal and
// chi-square, from @stdlib (Giles' erfinv for the normal quantile, erfc for its tail, the
// regularised incomplete gamma function for the chi-square tail and its inverse for the
// quantile), all in double precision: nothing here is approximated beyond rounding.
import chiSquareQuantileOf from "@stdlib/stats-base-dists-chisquare-quantile";
import gammainc from "@stdlib/math-base-special-gammainc";
import normalCdf from "@stdlib/stats-base-dists-normal-cdf";
import normalQuantile from "@stdlib/stats-base-dists-normal-quantile";

/** P(|N(0,1)| > z), without cancellation in the tail. */
export function twoSidedNormalTail(z: number): number {
  return 2 * normalCdf(-Math.abs(z), 0, 1);
}

/** The |z| that n independent standard normals all stay below with probability >= 1 - alpha (Bonferroni). */
export function bonferroniThreshold(n: number, alpha: number): number {
  return normalQuantile(1 - alpha / (2 * Math.max(1, n)), 0, 1);
}

/** The x with P(chi-square(dof) > x) = upperTail. */
export function chiSquareQuantile(dof: number, upperTail: number): number {
  return chiSquareQuantileOf(1 - upperTail, dof);
}

/** P(chi-square(dof) > x): the upper regularised incomplete gamma Q(dof / 2, x / 2), exact in the far tail. */
export function chiSquareTail(dof: number, x: number): number {
  return gammainc(x / 2, dof / 2, true, true);
}

/**
 * P(n independent standard normals all lie within ±z) = (1 − P(|Z| > z))ⁿ, by repeated squaring
 * with plain multiplication: the same bits on every machine (Math.pow is not; this text goes
 * into summary.json).
 */
export function allWithin(z: number, n: number): number {
  let base = 1 - twoSidedNormalTail(z);
  let result = 1;
  for (let k = Math.max(0, Math.floor(n)); k > 0; k = Math.floor(k / 2)) {
    if (k % 2 === 1) result *= base;
    base *= base;
  }
  return result;
}
