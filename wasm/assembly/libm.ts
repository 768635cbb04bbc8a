// The transcendental functions results may depend on, from AssemblyScript's libm (a port of
// musl's): WebAssembly's f64 arithmetic is IEEE-exact with no fused multiply-add, so these give
// the same bits on every host. V8's own Math.pow/exp/log/... do not: its arm64 build contracts
// them with fused multiply-adds and is 1 ulp off on some inputs. TypeScript reaches these through
// shared/numerics/libm.ts. (mathCos, used by the learning-rate schedule, sits in train.ts.)

/** x^y (musl's pow; y == 2 is exactly x * x). */
export function mathPow(x: f64, y: f64): f64 {
  return Math.pow(x, y);
}

/** e^x. */
export function mathExp(x: f64): f64 {
  return Math.exp(x);
}

/** Natural logarithm. */
export function mathLog(x: f64): f64 {
  return Math.log(x);
}

/** Base-2 logarithm. */
export function mathLog2(x: f64): f64 {
  return Math.log2(x);
}
