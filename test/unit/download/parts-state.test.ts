import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { contiguousPrefix, partsStatePath, readPartsState } from "../../../src/download/parts-state.js";

let dir: string;
beforeEach(async () => (dir = await mkdtemp(join(tmpdir(), "llamagate-parts-state-"))));
afterEach(() => rm(dir, { recursive: true, force: true }));

describe("parts state", () => {
  it("contiguous prefix: complete parts in order, then the first incomplete one's bytes", () => {
    const parts = (d: number[]) => ({
      version: 1 as const,
      total: 300,
      parts: [0, 1, 2].map((i) => ({ start: i * 100, end: i * 100 + 100, done: d[i]! })),
    });
    expect(contiguousPrefix(parts([100, 100, 100]))).toBe(300);
    expect(contiguousPrefix(parts([100, 40, 100]))).toBe(140);
    expect(contiguousPrefix(parts([0, 100, 100]))).toBe(0);
    expect(contiguousPrefix(parts([60, 0, 0]))).toBe(60);
  });

  it("rejects states that do not tile the file or claim too much", async () => {
    const dest = join(dir, "f.bin");
    const write = (s: unknown) => writeFile(partsStatePath(dest), JSON.stringify(s));
    await write({
      version: 1,
      total: 200,
      parts: [
        { start: 0, end: 100, done: 10 },
        { start: 100, end: 200, done: 0 },
      ],
    });
    expect(await readPartsState(dest, 200)).toBeDefined();
    expect(await readPartsState(dest, 201)).toBeUndefined();
    await write({
      version: 1,
      total: 200,
      parts: [
        { start: 0, end: 100, done: 10 },
        { start: 120, end: 200, done: 0 },
      ],
    });
    expect(await readPartsState(dest)).toBeUndefined();
    await write({
      version: 1,
      total: 200,
      parts: [
        { start: 0, end: 100, done: 101 },
        { start: 100, end: 200, done: 0 },
      ],
    });
    expect(await readPartsState(dest)).toBeUndefined();
    await writeFile(partsStatePath(dest), "{not json");
    expect(await readPartsState(dest)).toBeUndefined();
  });
});
