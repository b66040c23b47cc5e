import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    projects: [
      { test: { name: "unit", include: ["test/unit/**/*.test.ts"] } },
      // Every infra file synthesizes the same app: sharing one module graph imports aws-cdk-lib, and synthesizes the default stack, once per worker.
      { test: { name: "infra", include: ["test/infra/**/*.test.ts"], isolate: false, testTimeout: 120_000, hookTimeout: 180_000 } },
      {
        test: {
          name: "integration",
          include: ["test/integration/**/*.test.ts"],
          globalSetup: ["test/integration/local-cloud.setup.ts"],
          // One local cloud and one clock for the run: files take turns so moving the clock is safe.
          fileParallelism: false,
          testTimeout: 60_000,
          hookTimeout: 180_000,
        },
      },
      {
        test: {
          name: "chaos",
          include: ["test/chaos/**/*.test.ts"],
          testTimeout: 900_000,
          hookTimeout: 180_000,
          // Its own local cloud, after the integration run: two clouds at once starve two cores.
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
