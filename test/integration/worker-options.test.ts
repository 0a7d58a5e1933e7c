import { execFile } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";

// A library caller's own Node options must not stop the worker threads (hashing, the reference, the tokenizer
// writer): Node refuses V8 and process-wide options in a worker's option list, and `--input-type` in an inherited one.
describe("worker threads under the caller's Node options", () => {
  const dir = mkdtempSync(join(tmpdir(), "lg-worker-opts-"));
  const file = join(dir, "data.bin");
  const bytes = randomBytes(3 << 20);
  writeFileSync(file, bytes);
  const md5 = createHash("md5").update(bytes).digest("hex");
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const pool = JSON.stringify(new URL("../../dist/verify/hash-pool.js", import.meta.url).href);
  const script = `import(${pool}).then(async ({ createHashPool }) => {
      const p = createHashPool({ size: 1 });
      const h = await p.hashFile({ path: ${JSON.stringify(file)}, size: ${bytes.length}, algorithms: ["md5"] });
      await p.close();
      console.log(h.md5);
    });`;

  it.each([
    [["--max-old-space-size=256", "--expose-gc", "--stack-size=900"]],
    [["--input-type=module", "--max-old-space-size=256", "--expose-gc", "--no-warnings"]],
    [["--input-type", "commonjs", "--zero-fill-buffers"]],
  ])("hashes in a worker when Node runs with %j", async (options) => {
    const { stdout } = await promisify(execFile)(process.execPath, [...options, "-e", script]);
    expect(stdout.trim()).toBe(md5);
  });
});
