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

  it("md5 of several files at once (the multi-buffer lanes): fed in uneven ranges, waited on, resumed, cut short", async () => {
    // One worker, six md5 streams: four take lanes, the others OpenSSL; one has sha256 beside md5, one starts with a
    // long range (a resumed partial), one is empty, one file is shorter than fed. Ranges interleave like the engine's.
    const sizes = [(9 << 20) + 5, 3 << 20, (6 << 20) + 63, 700_001, 0, 40 << 20];
    const data = sizes.map((n) => randomBytes(n));
    const paths = data.map((_, i) => join(dir, `lane${i}.bin`));
    await Promise.all(data.map((d, i) => writeFile(paths[i]!, d)));
    const short = join(dir, "short.bin");
    await writeFile(short, randomBytes(1000));
    const md5 = (b: Buffer) => createHash("md5").update(b).digest("hex");
    const pool = createHashPool({ size: 1 });
    try {
      // The short file's session comes first, so it takes a lane: its failure must not stop the other lanes.
      const cut = pool.session({ algorithms: ["md5"] });
      const sessions = data.map((_, i) => pool.session({ algorithms: i === 1 ? ["md5", "sha256"] : ["md5"] }));
      sessions[5]!.feed(paths[5]!, 0, 30 << 20); // resumed: most of the file at once
      cut.feed(short, 0, 5000);
      const at = data.map((_, i) => (i === 5 ? 30 << 20 : 0));
      for (let step = 1; at.some((a, i) => a < data[i]!.length); step++) {
        for (const [i, d] of data.entries()) {
          const end = Math.min(d.length, at[i]! + ((step * 7919 * (i + 3)) % (2 << 20)) + 1);
          if (end > at[i]!) sessions[i]!.feed(paths[i]!, at[i]!, end);
          at[i] = end;
        }
        // The engine waits while a stream's hash trails by too much; here even for none: no lane waits forever.
        if (step % 4 === 0) await sessions[step % 4]!.waitLag(0);
      }
      const got = await Promise.all(sessions.map((s) => s.digest()));
      expect(got.map((h) => h.md5)).toEqual(data.map(md5));
      expect(got[1]!.sha256).toBe(createHash("sha256").update(data[1]!).digest("hex"));
      await expect(cut.digest()).rejects.toMatchObject({ code: "FILE_CHANGED" });
      // The lanes are free again: four more streams hash correctly.
      const again = data.slice(0, 4).map(() => pool.session({ algorithms: ["md5"] }));
      again.forEach((s, i) => s.feed(paths[i]!, 0, data[i]!.length));
      expect((await Promise.all(again.map((s) => s.digest()))).map((h) => h.md5)).toEqual(data.slice(0, 4).map(md5));
    } finally {
      await pool.close();
    }
  });

  it("hashFile of several files at once (as verify does) matches node:crypto, first slices on md5 lanes", async () => {
    const data = [(4 << 20) + 3, 70 << 20, 1, 0, 9_999_999].map((n) => randomBytes(n));
    const paths = data.map((_, i) => join(dir, `verify${i}.bin`));
    await Promise.all(data.map((d, i) => writeFile(paths[i]!, d)));
    const pool = createHashPool({ size: 1 });
    try {
      const got = await Promise.all(
        paths.map((p, i) => pool.hashFile({ path: p, size: data[i]!.length, algorithms: ["md5"] })),
      );
      expect(got.map((h) => h.md5)).toEqual(data.map((d) => createHash("md5").update(d).digest("hex")));
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
