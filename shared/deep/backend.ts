// The tfjs backend of the deep-network experiment (THEORY.md "Deep networks, dropout on the
// last layer"). tfjs-core runs on tfjs-backend-wasm, single-threaded and SIMD: XNNPACK's
// microkernels are then one fixed sequence of wasm instructions, so a run is bit-identical on
// every host (a threaded build would split reductions by thread count). The .wasm files come
// from node_modules by default, or from a Lambda bundle directory (DROPSWEEP_TFJS_WASM_DIR).
// tfjs-backend-cpu is a devDependency, loaded only when asked for (tests compare the two).
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import * as tf from "@tensorflow/tfjs-core";
import { setWasmPaths } from "@tensorflow/tfjs-backend-wasm";

export type DeepBackend = "wasm" | "cpu";

export interface BackendOptions {
  /** @default "wasm" */
  backend?: DeepBackend;
  /**
   * Directory holding tfjs-backend-wasm's .wasm files. Default: DROPSWEEP_TFJS_WASM_DIR, else
   * the package's own dist/ in node_modules.
   */
  wasmDirectory?: string;
}

const simdFile = "tfjs-backend-wasm-simd.wasm";
// setWasmPaths wants an entry for each binary, though only simdFile is read here.
const wasmFiles = ["tfjs-backend-wasm.wasm", simdFile, "tfjs-backend-wasm-threaded-simd.wasm"];

/** Where the tfjs .wasm files are read from (option, then env, then node_modules). */
export function tfjsWasmDirectory(explicit?: string): string {
  if (explicit) return explicit;
  if (process.env.DROPSWEEP_TFJS_WASM_DIR) return process.env.DROPSWEEP_TFJS_WASM_DIR;
  const require = createRequire(import.meta.url);
  return join(dirname(require.resolve("@tensorflow/tfjs-backend-wasm/package.json")), "dist");
}

let wasmDirectoryInUse: string | undefined;

/**
 * Make `backend` the active tfjs backend (idempotent). The wasm backend reads its binary once
 * per process: asking for a different directory afterwards is an error, not a silent no-op.
 */
export async function useBackend(options: BackendOptions = {}): Promise<DeepBackend> {
  const backend = options.backend ?? "wasm";
  if (backend === "wasm") {
    const directory = tfjsWasmDirectory(options.wasmDirectory);
    if (wasmDirectoryInUse === undefined) {
      // Only the single-threaded SIMD binary is ever loaded (a bundle may ship just that one).
      if (!existsSync(join(directory, simdFile)))
        throw new Error(`tfjs wasm backend: ${simdFile} not found in ${directory} (set DROPSWEEP_TFJS_WASM_DIR or wasmDirectory)`);
      // A map, not a prefix: the prefix form is joined without a separator.
      setWasmPaths(Object.fromEntries(wasmFiles.map((f) => [f, join(directory, f)])));
      // Single-threaded (Lambda, worker threads) and deterministic; see the module comment.
      tf.env().set("WASM_HAS_MULTITHREAD_SUPPORT", false);
      wasmDirectoryInUse = directory;
    } else if (wasmDirectoryInUse !== directory) {
      throw new Error(`tfjs wasm backend already loaded from ${wasmDirectoryInUse}; cannot switch to ${directory}`);
    }
    if (!(await tf.env().getAsync("WASM_HAS_SIMD_SUPPORT")))
      throw new Error("the deep-network experiment needs WebAssembly SIMD (Node >= 16.4)");
  } else {
    // Registers the "cpu" backend; a devDependency, absent from Lambda bundles.
    await import("@tensorflow/tfjs-backend-cpu");
  }
  if (tf.getBackend() !== backend) {
    const ok = await tf.setBackend(backend);
    if (!ok) throw new Error(`tfjs backend "${backend}" failed to initialise (wasm files from ${wasmDirectoryInUse ?? "n/a"})`);
  }
  await tf.ready();
  tf.enableProdMode();
  return backend;
}

export { tf };
