// The determinism rule of eslint.config.js (docs/ARCHITECTURE.md "Determinism"): JavaScript's
// transcendental functions and `**` are refused where results are computed, and only there.
import { ESLint } from "eslint";
import { describe, expect, it } from "vitest";
import { projectRoot } from "../hardening/helpers.js";

const eslint = new ESLint({ cwd: projectRoot });

/**
 * What ESLint reports for `code` as if it were the file at `path` (an existing file of the project,
 * so type-aware rules find it in tsconfig; its text is replaced, nothing is written).
 */
async function rulesFired(code: string, path: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: `${projectRoot}/${path}`, warnIgnored: true });
  return (result?.messages ?? []).map((m) => `${m.ruleId}: ${m.message}`);
}

describe("the determinism lint rule", () => {
  const offenders = [
    "export const a = (x: number) => Math.pow(x, 1.5);",
    "export const a = (x: number) => Math.exp(x);",
    "export const a = (x: number) => Math.log2(x);",
    "export const a = (x: number) => Math.sin(x);",
    "export const a = (x: number) => x ** 3;",
    "export function a(x: number) {\n  let y = x;\n  y **= 2;\n  return y;\n}",
    "export const a = () => Math.random();",
  ];

  for (const path of ["shared/theory/kSupportNorm.ts", "shared/claims/balance.ts", "shared/pipeline/worker.ts"])
    it(`refuses each offender in ${path}, naming the wasm libm`, async () => {
      for (const code of offenders) {
        const fired = await rulesFired(`${code}\n`, path);
        expect(
          fired.filter((f) => /WebAssembly libm|one seeded RNG|no-restricted/.test(f)),
          code,
        ).toHaveLength(1);
      }
    });

  it("accepts + - * / and Math.sqrt there, and the same offenders where nothing reaches a result", async () => {
    expect(await rulesFired("export const a = (x: number) => Math.sqrt(x * x + 1) / 2 - x;\n", "shared/theory/kSupportNorm.ts")).toEqual(
      [],
    );
    expect(await rulesFired("export const a = (x: number) => Math.pow(x, 1.5);\n", "shared/report/format.ts")).toEqual([]);
  });
});
