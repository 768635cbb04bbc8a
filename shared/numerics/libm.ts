// Transcendental functions for anything a result depends on, from the WebAssembly libm
// (wasm/assembly/libm.ts): the same bits on x86-64 and arm64. JavaScript's Math.pow/exp/log/...
// and `**` are not (V8's arm64 build is 1 ulp off on some inputs), so result-producing code
// calls these instead; + - * / and Math.sqrt are exact everywhere and need no wrapper.
import { engine } from "./engine.js";

type Unary = (x: number) => number;
type Binary = (x: number, y: number) => number;

/** x^y; pow(x, 2) is exactly x * x. */
export function pow(x: number, y: number): number {
  return (engine().kernels.mathPow as Binary)(x, y);
}

export function exp(x: number): number {
  return (engine().kernels.mathExp as Unary)(x);
}

export function log(x: number): number {
  return (engine().kernels.mathLog as Unary)(x);
}

export function log2(x: number): number {
  return (engine().kernels.mathLog2 as Unary)(x);
}

export function cos(x: number): number {
  return (engine().kernels.mathCos as Unary)(x);
}
