import { tmpdir } from "node:os";
import { join } from "node:path";
import { configDefaults, defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    exclude: [...configDefaults.exclude],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Integration tests spawn the built CLI and local servers; 2 cores here, keep it modest. Forks (the default
    // pool) and threads cost the same here (scripts/bench-tests.mjs; docs/performance.md).
    maxWorkers: 2,
    // Library calls default to the CLI's folders (the audit log, the GGUF cache): never the user's own in tests.
    env: { LLAMAGATE_DATA_DIR: join(tmpdir(), `llamagate-vitest-${process.pid}`) },
    projects: [
      // Unit tests share a worker's module graph (no re-import per file: about a third less CPU here). The code has
      // no module-level state and a unit test restores what it changes (process.env), so the order does not
      // matter, nor does the order of a file's tests (each sets up its own state): `npx vitest run --project unit
      // --sequence.shuffle.files --sequence.shuffle.tests --sequence.seed=N` checks that.
      { extends: true, test: { name: "unit", include: ["test/unit/**/*.test.ts"], isolate: false } },
      // Integration tests keep a fresh module graph per file (servers, signal handlers, the in-process CLI).
      { extends: true, test: { name: "integration", include: ["test/integration/**/*.test.ts"] } },
    ],
  },
});
