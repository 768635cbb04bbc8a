// Where the tfjs wasm binary comes from: a Lambda bundle directory holding only the SIMD
// .wasm (DROPSWEEP_TFJS_WASM_DIR), and a clear error for a directory without it.
import { copyFileSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { tf, tfjsWasmDirectory, useBackend } from "../../shared/deep/backend.js";

const bundle = mkdtempSync(join(tmpdir(), "dropsweep-tfjs-"));
afterAll(() => rmSync(bundle, { recursive: true, force: true }));

describe("tfjs wasm backend location", () => {
  it("names the directory when the binary is missing", async () => {
    await expect(useBackend({ wasmDirectory: join(bundle, "missing") })).rejects.toThrow(
      /tfjs-backend-wasm-simd.wasm not found in .*missing/,
    );
  });

  it("loads from DROPSWEEP_TFJS_WASM_DIR holding only the SIMD binary", async () => {
    copyFileSync(join(tfjsWasmDirectory(), "tfjs-backend-wasm-simd.wasm"), join(bundle, "tfjs-backend-wasm-simd.wasm"));
    const before = process.env.DROPSWEEP_TFJS_WASM_DIR;
    process.env.DROPSWEEP_TFJS_WASM_DIR = bundle;
    try {
      expect(tfjsWasmDirectory()).toBe(bundle);
      await useBackend();
      expect(tf.getBackend()).toBe("wasm");
      const product = tf.matMul(
        tf.tensor2d([
          [1, 2],
          [3, 4],
        ]),
        tf.tensor2d([[5], [6]]),
      );
      expect(Array.from(product.dataSync())).toEqual([17, 39]);
      // The binary is read once per process: another directory is refused, not ignored.
      await expect(useBackend({ wasmDirectory: tfjsWasmDirectory(undefined) + "-other" })).rejects.toThrow(/already loaded from/);
    } finally {
      if (before === undefined) delete process.env.DROPSWEEP_TFJS_WASM_DIR;
      else process.env.DROPSWEEP_TFJS_WASM_DIR = before;
    }
  });
});
