import { configDefaults, defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    exclude: [...configDefaults.exclude],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Integration tests spawn the built CLI and local servers; 2 cores here, keep it modest.
    maxWorkers: 2,
  },
});
