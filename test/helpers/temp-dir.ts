import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach } from "vitest";

/**
 * A fresh temporary folder for each test, removed after it: `const tmp = useTempDir("name");` at the top of a
 * describe (or file), then `tmp()` inside a test. The one temp-folder fixture of the tests.
 */
export function useTempDir(prefix: string): () => string {
  let dir: string | undefined;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), `llamagate-${prefix}-`));
  });
  afterEach(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
    dir = undefined;
  });
  return () => {
    if (!dir) throw new Error("useTempDir: the folder exists only inside a test");
    return dir;
  };
}
