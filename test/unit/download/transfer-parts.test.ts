import { randomBytes } from "node:crypto";
import { mkdtemp, open, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Agent } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { transferParts } from "../../../src/download/transfer-parts.js";
import type { HashSession } from "../../../src/verify/hash-pool.js";
import { startRangeServer, type RangeServer } from "../../helpers/range-server.js";

const A = randomBytes(16 << 20);
let server: RangeServer;
let dir: string;
beforeAll(async () => {
  // 16 MB/s per connection: the 16 MiB file takes ~0.5 s over 2 connections.
  server = await startRangeServer({ files: { "/f.bin": A }, chunkSize: 64 << 10, bytesPerSecond: 16_000_000 });
  dir = await mkdtemp(join(tmpdir(), "llamagate-pieces-"));
});
afterAll(async () => {
  await server.close();
  await rm(dir, { recursive: true, force: true });
});

describe("transferParts: pieces in file order, hashed while they arrive", () => {
  it("feeds the hashing worker the growing contiguous prefix long before the last byte", async () => {
    const feeds: { to: number; doneThen: number }[] = [];
    let done = 0;
    let fedUpTo = 0;
    const hasher: HashSession = {
      hashedUpTo: 0,
      get fedUpTo() {
        return fedUpTo;
      },
      feed: (_path, start, end) => {
        expect(start).toBe(fedUpTo); // in order, no gaps
        fedUpTo = end;
        feeds.push({ to: end, doneThen: done });
      },
      feedBytes: (start, buffers) => {
        expect(start).toBe(fedUpTo);
        fedUpTo += buffers.reduce((n, b) => n + b.length, 0);
        feeds.push({ to: fedUpTo, doneThen: done });
      },
      waitLag: async () => {},
      digest: async () => ({}),
      drop: () => {},
    };
    const path = join(dir, "f.bin.part");
    const fh = await open(path, "w+");
    const dispatcher = new Agent();
    try {
      const r = await transferParts({
        file: {
          url: `${server.origin}/f.bin`,
          destPath: join(dir, "f.bin"),
          displayName: "f.bin",
          expectedSize: A.length,
        },
        fh,
        partialPath: path,
        startOffset: 0,
        dispatcher,
        policy: { attempts: 2, baseMs: 5, maxMs: 10 },
        stallTimeoutMs: 10_000,
        detectHtml: true,
        newHasher: () => hasher,
        onProgress: (bytes) => (done = bytes),
        onRetry: () => {},
        signal: new AbortController().signal,
        parts: 2,
        partMinBytes: 1 << 20,
      });
      expect(r.size).toBe(A.length);
    } finally {
      await fh.close();
      await dispatcher.close();
    }
    expect(fedUpTo).toBe(A.length);
    // 16 pieces of 1 MiB over 2 connections: the hash follows the bytes on disk at most a few pieces
    // behind (with two halves it would trail by half of everything that arrived).
    const lag = Math.max(...feeds.map((f) => f.doneThen - f.to));
    expect(lag).toBeLessThan(A.length / 4);
    expect(feeds.filter((f) => f.doneThen < A.length).length).toBeGreaterThanOrEqual(8);
  });
});

describe("transferParts: a hashing worker that falls behind holds the transfer", () => {
  it("waits for the hasher once it trails by more than 64 MiB (one piece, as a single stream that accepts help)", async () => {
    const big = Buffer.alloc(80 << 20, 7);
    const local = await startRangeServer({ files: { "/big.bin": big } });
    let fedUpTo = 0;
    const waits: number[] = [];
    const hasher: HashSession = {
      hashedUpTo: 0, // never catches up on its own
      get fedUpTo() {
        return fedUpTo;
      },
      feed: (_path, start, end) => {
        expect(start).toBe(fedUpTo);
        fedUpTo = end;
      },
      waitLag: async (max) => {
        waits.push(fedUpTo - max);
      },
      digest: async () => ({}),
      drop: () => {},
    };
    const path = join(dir, "big.bin.part");
    const fh = await open(path, "w+");
    const dispatcher = new Agent();
    try {
      await transferParts({
        file: {
          url: `${local.origin}/big.bin`,
          destPath: join(dir, "big.bin"),
          displayName: "big.bin",
          expectedSize: big.length,
        },
        fh,
        partialPath: path,
        startOffset: 0,
        dispatcher,
        policy: { attempts: 2, baseMs: 5, maxMs: 10 },
        stallTimeoutMs: 10_000,
        detectHtml: true,
        newHasher: () => hasher,
        onProgress: () => {},
        onRetry: () => {},
        signal: new AbortController().signal,
        parts: 1,
        partMinBytes: 1 << 20,
        onePiece: true,
      });
    } finally {
      await fh.close();
      await dispatcher.close();
      await local.close();
    }
    expect(fedUpTo).toBe(big.length);
    expect(waits.length).toBeGreaterThan(0);
  });
});
