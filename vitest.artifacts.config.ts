// The artifact suite (`npm run test:artifacts`): what `cdk synth` ships, run as Lambda would run
// it (test/artifacts/). Slow (minutes), so apart from `npm test`; .ci/run runs both.
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/artifacts/**/*.test.ts"],
    globalSetup: ["test/artifacts/globalSetup.ts"],
    // Each file uses both cores (bundle containers, emulators): one file at a time.
    fileParallelism: false,
    testTimeout: 1_200_000,
    hookTimeout: 1_200_000,
    pool: "forks",
  },
});
