import { tmpdir } from "node:os";
import { join } from "node:path";
import { configDefaults, defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    exclude: [...configDefaults.exclude],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Integration tests spawn the built CLI and local servers; 2 cores here, keep it modest.
    maxWorkers: 2,
    // Library calls default to the CLI's folders (the audit log, the GGUF cache): never the user's own in tests.
    env: { LLAMAGATE_DATA_DIR: join(tmpdir(), `llamagate-vitest-${process.pid}`) },
  },
});
