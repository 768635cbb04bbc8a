import { configDefaults, defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // The artifact suite has its own config and command (vitest.artifacts.config.ts).
    exclude: [...configDefaults.exclude, "test/artifacts/**"],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: "forks",
  },
});
