// The one owner of WebAssembly memory. Kernels in wasm/ take pointers and sizes; this module
// instantiates the module once per thread, hands out regions with a stack (mark/release)
// arena above the kernels' static data, and grows memory when needed. Nothing else may
// allocate in or keep views of wasm memory: `memory.grow` detaches every typed-array view,
// so views are created fresh after allocation (see `Workspace.f64View`).
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { instantiate } from "../../wasm/build/dropsweep.js";

/**
 * The kernel exports, typed by the bindings asc generates from wasm/assembly/index.ts
 * (wasm/build/dropsweep.d.ts, `npm run build:wasm`). Pointers are byte offsets. Every export
 * takes and returns plain numbers, so the generated `instantiate` hands back the instance's
 * exports unchanged (test/numerics/bindings.test.ts checks it), and the synchronous
 * instantiation below gives exactly the object those types describe.
 */
export type KernelExports = Awaited<ReturnType<typeof instantiate>>;

export type Build = "release" | "relaxed";

const buildFiles: Record<Build, string> = {
  release: "dropsweep.wasm",
  relaxed: "dropsweep-relaxed.wasm",
};

/** Where the .wasm files are: DROPSWEEP_WASM_DIR (Lambda bundles), else wasm/build. */
export function wasmDirectory(): string {
  if (process.env.DROPSWEEP_WASM_DIR) return process.env.DROPSWEEP_WASM_DIR;
  return join(dirname(fileURLToPath(import.meta.url)), "..", "..", "wasm", "build");
}

function loadWasmBytes(build: Build = "release"): Uint8Array<ArrayBuffer> {
  const path = join(wasmDirectory(), buildFiles[build]);
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch {
    throw new Error(`dropsweep: WebAssembly kernels not found at ${path}; run \`npm run build:wasm\``);
  }
  // A Buffer may be a slice of a shared pool: copy exactly its bytes.
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength).slice();
}

const ALIGN = 16; // v128 loads are fastest on 16-byte boundaries

export class Workspace {
  private top: number;
  private readonly base: number;
  constructor(readonly kernels: KernelExports) {
    this.base = align(kernels.heapBase());
    this.top = this.base;
  }

  get memory(): WebAssembly.Memory {
    return this.kernels.memory;
  }

  /** Current top of the arena; pass to `release` to free everything allocated after it. */
  mark(): number {
    return this.top;
  }

  release(mark: number): void {
    if (mark < this.base || mark > this.top) throw new Error(`Workspace.release: bad mark ${mark}`);
    this.top = mark;
  }

  /** Reserve `bytes` (16-byte aligned, uninitialised) and return the pointer. */
  alloc(bytes: number): number {
    const ptr = this.top;
    const end = align(ptr + bytes);
    const have = this.memory.buffer.byteLength;
    if (end > have) this.memory.grow(Math.ceil((end - have) / 65536));
    this.top = end;
    return ptr;
  }

  allocF64(count: number): number {
    return this.alloc(count * 8);
  }

  allocF32(count: number): number {
    return this.alloc(count * 4);
  }

  /** A view valid until the next allocation (growth detaches it). */
  f64View(ptr: number, count: number): Float64Array {
    return new Float64Array(this.memory.buffer, ptr, count);
  }

  f32View(ptr: number, count: number): Float32Array {
    return new Float32Array(this.memory.buffer, ptr, count);
  }

  u32View(ptr: number, count: number): Uint32Array {
    return new Uint32Array(this.memory.buffer, ptr, count);
  }

  /** Allocate and copy `values` in; returns the pointer. */
  putF64(values: ArrayLike<number>): number {
    const ptr = this.allocF64(values.length);
    this.f64View(ptr, values.length).set(values);
    return ptr;
  }

  putF32(values: ArrayLike<number>): number {
    const ptr = this.allocF32(values.length);
    this.f32View(ptr, values.length).set(values);
    return ptr;
  }

  /** Copy out of wasm memory (the copy survives growth and release). */
  takeF64(ptr: number, count: number): Float64Array {
    return this.f64View(ptr, count).slice();
  }

  takeF32(ptr: number, count: number): Float32Array {
    return this.f32View(ptr, count).slice();
  }

  /** Run `body` with scratch space that is released afterwards, even on throw. */
  scoped<T>(body: (ws: Workspace) => T): T {
    const mark = this.mark();
    try {
      return body(this);
    } finally {
      this.release(mark);
    }
  }
}

function align(n: number): number {
  return (n + ALIGN - 1) & ~(ALIGN - 1);
}

const instances = new Map<Build, Workspace>();

/** The per-thread engine (instantiated synchronously on first use). */
export function engine(build: Build = "release"): Workspace {
  let ws = instances.get(build);
  if (!ws) {
    const module = new WebAssembly.Module(loadWasmBytes(build));
    // What the generated `instantiate` does, synchronously (the engine is used from sync code).
    const instance = new WebAssembly.Instance(module, {});
    (instance.exports._initialize as () => void)();
    ws = new Workspace(instance.exports as unknown as KernelExports);
    instances.set(build, ws);
  }
  return ws;
}

export function kernelVersion(): number {
  return engine().kernels.KERNEL_VERSION.value;
}
