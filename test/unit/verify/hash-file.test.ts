import { createHash, randomBytes } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createHashPool } from "../../../src/verify/hash-pool.js";
import { hashFile } from "../../../src/verify/hash-file.js";

let dir: string;
beforeAll(async () => (dir = await mkdtemp(join(tmpdir(), "llamagate-hash-"))));
afterAll(() => rm(dir, { recursive: true, force: true }));

describe("hashFile / hash pool", () => {
  it("computes md5, sha256 and git-sha1 in a worker (git-sha1 = git hash-object)", async () => {
    const data = randomBytes(5 * 1024 * 1024 + 3);
    const p = join(dir, "f.bin");
    await writeFile(p, data);
    const h = await hashFile({ path: p, algorithms: ["md5", "sha256", "git-sha1"] });
    expect(h.md5).toBe(createHash("md5").update(data).digest("hex"));
    expect(h.sha256).toBe(createHash("sha256").update(data).digest("hex"));
    expect(h["git-sha1"]).toBe(createHash("sha1").update(`blob ${data.length}\0`).update(data).digest("hex"));
  });

  it("matches a known git blob id", async () => {
    // `printf 'hello\n' | git hash-object --stdin`
    const p = join(dir, "hello.txt");
    await writeFile(p, "hello\n");
    expect((await hashFile({ path: p, algorithms: ["git-sha1"] }))["git-sha1"]).toBe(
      "ce013625030ba8dba906f756967f9e9ca394464a",
    );
  });

  it("hashes range after range in order in a session, and rejects a short file", async () => {
    const data = randomBytes(300_000);
    const p = join(dir, "g.bin");
    await writeFile(p, data);
    const pool = createHashPool({ size: 2 });
    try {
      const s = pool.session({ algorithms: ["md5"] });
      s.feed(p, 0, 100_000);
      s.feed(p, 100_000, 300_000);
      await s.waitLag(0);
      expect(s.hashedUpTo).toBe(300_000);
      expect((await s.digest()).md5).toBe(createHash("md5").update(data).digest("hex"));
      await expect(pool.hashFile({ path: p, size: 400_000, algorithms: ["md5"] })).rejects.toMatchObject({
        code: "FILE_CHANGED",
      });
      await expect(pool.hashFile({ path: join(dir, "nope"), size: 1, algorithms: ["md5"] })).rejects.toMatchObject({
        code: "READ_ENOENT",
      });
    } finally {
      await pool.close();
    }
  });

  it("stops with InterruptedError when its signal is aborted", async () => {
    const p = join(dir, "h.bin");
    await writeFile(p, randomBytes(1000));
    const ac = new AbortController();
    ac.abort();
    await expect(hashFile({ path: p, signal: ac.signal })).rejects.toMatchObject({ category: "interrupted" });
  });
});
