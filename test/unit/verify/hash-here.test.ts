import { createHash, randomBytes } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hashHere } from "../../../src/verify/hash-here.js";

const md5 = (...b: Buffer[]) => {
  const h = createHash("md5");
  for (const x of b) h.update(x);
  return h.digest("hex");
};
const sha256 = (...b: Buffer[]) => {
  const h = createHash("sha256");
  for (const x of b) h.update(x);
  return h.digest("hex");
};

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "lg-hash-here-"));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe("hashHere: hashing in the receiving thread", () => {
  it("hashes received bytes as they are, without reading the file back", async () => {
    const s = hashHere({ algorithms: ["md5", "sha256"] });
    const a = randomBytes(3000);
    const b = randomBytes(5000);
    s.feedBytes!(0, [a]);
    s.feedBytes!(3000, [b, a]);
    expect(s.hashedUpTo).toBe(11000);
    // No file exists at all: the digests can only come from the buffers.
    expect(await s.digest()).toEqual({ md5: md5(a, b, a), sha256: sha256(a, b, a) });
  });

  it("reads an earlier range back first, then the received bytes in order; git-sha1 gets its header", async () => {
    const head = randomBytes(3 << 20); // more than one read buffer
    const tail = randomBytes(1000);
    const path = join(dir, "partial");
    await writeFile(path, Buffer.concat([head, tail]));
    const s = hashHere({ algorithms: ["md5", "git-sha1"], gitSize: head.length + tail.length });
    s.feed(path, 0, head.length);
    s.feedBytes!(head.length, [tail]); // arrives while the read back is still running: read after it
    await s.waitLag(0);
    const git = createHash("sha1")
      .update(`blob ${head.length + tail.length}\0`)
      .update(head)
      .update(tail);
    expect(await s.digest()).toEqual({ md5: md5(head, tail), "git-sha1": git.digest("hex") });
  });

  it("refuses bytes out of order and reports a file that became shorter", async () => {
    const s = hashHere({ algorithms: ["md5"] });
    expect(() => s.feedBytes!(5, [Buffer.from("x")])).toThrow(expect.objectContaining({ code: "HASH_FEED_GAP" }));
    const path = join(dir, "short");
    await writeFile(path, randomBytes(100));
    s.feed(path, 0, 200);
    await expect(s.digest()).rejects.toMatchObject({ code: "FILE_CHANGED", category: "integrity" });
  });
});
