import { describe, expect, it } from "vitest";
import { run } from "../../cli/commands/bench.js";
import { UsageError } from "../../shared/errors.js";

describe("dropsweep bench flags", () => {
  it("refuses an unknown flag with a usage error naming it", async () => {
    await expect(run(["--fast"])).rejects.toThrow(UsageError);
    await expect(run(["--fast"])).rejects.toThrow(/--fast/);
  });
  it("refuses an unknown suite and lists the known ones", async () => {
    const error = await run(["--only", "gemm,fft"]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UsageError);
    expect((error as Error).message).toMatch(/fft/);
    expect((error as Error).message).toMatch(/gemm/);
  });
  it("refuses positional arguments", async () => {
    await expect(run(["256"])).rejects.toThrow(UsageError);
  });
});
