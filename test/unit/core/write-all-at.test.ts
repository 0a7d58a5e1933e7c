import { randomBytes } from "node:crypto";
import { mkdtemp, open, readFile, rm, type FileHandle } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { MAX_WRITE_CALL, writeAllAt } from "../../../src/core/fs/write-all-at.js";

describe("writeAllAt", () => {
  let dir: string;
  let fh: FileHandle;
  let calls: number[];
  /** Record each writev's size; `short` makes the first call write only this many bytes (a nearly full disk). */
  const watch = (short?: number) => {
    const writev = fh.writev.bind(fh);
    let first = true;
    fh.writev = (async (buffers: NodeJS.ArrayBufferView[], position?: number) => {
      const size = buffers.reduce((s, b) => s + b.byteLength, 0);
      calls.push(size);
      if (first && short !== undefined) {
        first = false;
        const b = buffers[0] as Uint8Array;
        return writev([b.subarray(0, Math.min(short, b.length))], position);
      }
      return writev(buffers, position);
    }) as FileHandle["writev"];
  };
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "lg-write-all-at-"));
    fh = await open(join(dir, "f"), "w+");
    calls = [];
  });
  afterEach(async () => {
    await fh.close().catch(() => {});
    await rm(dir, { recursive: true, force: true });
  });

  it("writes every byte at its offset, at most MAX_WRITE_CALL per call", async () => {
    watch();
    const buffers = [300_000, 0, 7, 131_072, 65_536, 1, 500_000, 12_345].map((n) => randomBytes(n));
    const total = buffers.reduce((s, b) => s + b.length, 0);
    expect(await writeAllAt(fh, buffers, 1000)).toBe(total);
    expect(Math.max(...calls)).toBeLessThanOrEqual(MAX_WRITE_CALL);
    expect(calls.reduce((s, n) => s + n, 0)).toBe(total);
    expect(calls.length).toBe(Math.ceil(total / MAX_WRITE_CALL));
    expect((await readFile(join(dir, "f"))).subarray(1000).equals(Buffer.concat(buffers))).toBe(true);
  });

  it("goes on after a short write from where it stopped", async () => {
    watch(1234);
    const buffers = [randomBytes(200_000), randomBytes(90_000)];
    expect(await writeAllAt(fh, buffers, 0)).toBe(290_000);
    expect(calls[0]).toBe(MAX_WRITE_CALL);
    expect((await readFile(join(dir, "f"))).equals(Buffer.concat(buffers))).toBe(true);
  });
});
