// The wasm-to-TypeScript contract: engine.ts types the instance's exports with the bindings asc
// generates (wasm/build/dropsweep.d.ts) and instantiates synchronously. That is sound only while
// the generated `instantiate` hands back the raw exports unchanged (asc adapts unsigned and
// 64-bit returns, strings and arrays; no export may use them), and while the declared exports
// are exactly the instance's. Constants both sides read come from one file,
// wasm/assembly/layout.ts, which both compilers read.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { engine, wasmDirectory } from "../../shared/numerics/engine.js";

const build = wasmDirectory();

describe("generated bindings", () => {
  it("pass the instance's exports through unchanged (so synchronous instantiation matches them)", () => {
    const js = readFileSync(join(build, "dropsweep.js"), "utf8");
    const body = js.slice(js.indexOf("export async function instantiate"));
    // asc wraps adapted exports in an object whose prototype is the raw exports.
    expect(body).not.toMatch(/setPrototypeOf|__lift|__lower|>>> 0|BigInt/);
    expect(body).toMatch(/exports\._initialize\(\);\s*return exports;/);
  });

  it("declare exactly the exports the instance has", () => {
    const dts = readFileSync(join(build, "dropsweep.d.ts"), "utf8");
    const declared = [...dts.matchAll(/^\s*export (?:function|const) (\w+)/gm)].map((m) => m[1]!).sort();
    const actual = Object.keys(engine().kernels)
      .filter((name) => name !== "_initialize")
      .sort();
    expect(declared).toEqual(actual);
    expect(declared).toContain("trainEpochsF64");
  });
});

describe("the shared constants file", () => {
  it("holds only plain enums (valid AssemblyScript and TypeScript alike)", () => {
    const source = readFileSync(new URL("../../wasm/assembly/layout.ts", import.meta.url), "utf8");
    const code = source.replace(/\/\*[\s\S]*?\*\//g, "").replace(/\/\/.*$/gm, "");
    const statements = [...code.matchAll(/^export (\w+)/gm)].map((m) => m[1]);
    expect(statements.length).toBeGreaterThan(3);
    expect(new Set(statements)).toEqual(new Set(["enum"]));
    expect(code).not.toMatch(/^import/m);
  });
});
