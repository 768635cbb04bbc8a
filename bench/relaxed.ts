// The opt-in relaxed-SIMD kernel build (fused multiply-add; last bits host-dependent, so used
// by benchmarks only). Node 20 ships relaxed SIMD behind a V8 flag, which can still be turned
// on at run time before the module is compiled; Node >= 22 has it on by default.
import { setFlagsFromString } from "node:v8";
import { engine } from "../shared/numerics/engine.js";

let available: boolean | undefined;

export function relaxedAvailable(log: (line: string) => void): boolean {
  if (available === undefined) {
    try {
      setFlagsFromString("--experimental-wasm-relaxed-simd");
      engine("relaxed");
      available = true;
    } catch (error) {
      log(`bench: relaxed-SIMD build unavailable (${(error as Error).message}); its rows are left out`);
      available = false;
    }
  }
  return available;
}
