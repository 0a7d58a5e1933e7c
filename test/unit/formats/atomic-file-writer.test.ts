import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openAtomicFileWriter } from "../../../src/formats/io/atomic-file-writer.js";

let tmp: string;
beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), "lg-afw-"));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

describe("openAtomicFileWriter", () => {
  it("keeps bytes in call order with writes in flight together and background flushes after every write", async () => {
    const path = join(tmp, "out.bin");
    const w = await openAtomicFileWriter({ path, flushEvery: 1 });
    const chunks = Array.from({ length: 20 }, (_, k) => new Uint8Array(1000 + k).fill(k));
    await Promise.all(chunks.map((c) => w.write(c)));
    expect(w.position).toBe(chunks.reduce((n, c) => n + c.length, 0));
    expect(await readdir(tmp)).not.toContain("out.bin"); // nothing under the final name yet
    await w.commit();
    expect(Buffer.compare(await readFile(path), Buffer.concat(chunks))).toBe(0);
    expect((await readdir(tmp)).filter((n) => n.endsWith(".tmp"))).toEqual([]);
  });

  it("abort during a background flush removes the temporary file", async () => {
    const w = await openAtomicFileWriter({ path: join(tmp, "gone.bin"), flushEvery: 1 });
    await w.write(new Uint8Array(4096).fill(1)); // starts a flush
    await w.abort();
    expect((await readdir(tmp)).filter((n) => n.includes("gone.bin"))).toEqual([]);
  });
});
