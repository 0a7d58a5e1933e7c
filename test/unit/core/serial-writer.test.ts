import { mkdtemp, open, readFile, rm } from "node:fs/promises";
import type { FileHandle } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { serialWriter } from "../../../src/core/fs/serial-writer.js";

describe("serialWriter", () => {
  let dir: string;
  let fh: FileHandle;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "lg-serial-"));
    fh = await open(join(dir, "f"), "w+");
  });
  afterEach(async () => {
    await fh.close().catch(() => {});
    await rm(dir, { recursive: true, force: true });
  });

  it("writes every batch at its offset, one write call at a time, in the order asked", async () => {
    const write = serialWriter(fh);
    // Count the calls in flight on the handle itself: never more than one.
    let inFlight = 0;
    let most = 0;
    const writev = fh.writev.bind(fh);
    fh.writev = (async (...args: Parameters<FileHandle["writev"]>) => {
      inFlight++;
      most = Math.max(most, inFlight);
      try {
        return await writev(...args);
      } finally {
        inFlight--;
      }
    }) as FileHandle["writev"];
    const pieces = Array.from({ length: 16 }, (_, i) => Buffer.alloc(100_000, i + 1));
    // Issued together, out of file order, as 8 connections would.
    const order = [5, 0, 9, 3, 15, 1, 12, 7, 2, 14, 4, 11, 6, 13, 8, 10];
    const wrote = await Promise.all(order.map((i) => write([pieces[i]!], i * 100_000)));
    expect(wrote).toEqual(order.map(() => 100_000));
    expect(most).toBe(1);
    expect((await readFile(join(dir, "f"))).equals(Buffer.concat(pieces))).toBe(true);
  });

  it("a failed write rejects its own caller; the writes after it still run", async () => {
    const write = serialWriter(fh);
    const good = Buffer.from("after");
    const first = write([Buffer.from("before")], 0);
    // Far past the largest file the filesystem allows: the kernel refuses it (EFBIG / EINVAL).
    const failed = write([Buffer.from("x")], Number.MAX_SAFE_INTEGER - 10);
    const later = write([good], 6);
    await expect(failed).rejects.toMatchObject({ code: expect.stringMatching(/^E/) });
    expect(await first).toBe(6);
    expect(await later).toBe(5);
    expect((await readFile(join(dir, "f"), "utf8")).slice(0, 11)).toBe("beforeafter");
  });
});
