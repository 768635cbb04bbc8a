// tfjs-backend-wasm as a benchmark peer: XNNPACK SIMD kernels, forced single-threaded so it
// runs under the same conditions as our kernels.
import { createRequire } from "node:module";
import { dirname } from "node:path";

type Tf = typeof import("@tensorflow/tfjs-core");
let ready: Promise<Tf | null> | undefined;

/** tfjs-core on the wasm backend, or null (with the reason logged) when it cannot start. */
export function tfjsWasm(log: (line: string) => void): Promise<Tf | null> {
  ready ??= (async () => {
    try {
      const tf = await import("@tensorflow/tfjs-core");
      const wasm = await import("@tensorflow/tfjs-backend-wasm");
      const require = createRequire(import.meta.url);
      const dir = dirname(require.resolve("@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm"));
      wasm.setWasmPaths(`${dir}/`);
      tf.env().set("WASM_HAS_MULTITHREAD_SUPPORT", false);
      if (!(await tf.setBackend("wasm"))) throw new Error("setBackend('wasm') returned false");
      return tf;
    } catch (error) {
      log(`bench: tfjs-backend-wasm unavailable (${(error as Error).message}); its column is empty`);
      return null;
    }
  })();
  return ready;
}
