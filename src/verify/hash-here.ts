import { createHash, type Hash } from "node:crypto";
import { open } from "node:fs/promises";
import { LlamagateError } from "../core/errors.js";
import type { HashSession } from "./hash-pool.js";
import type { HashAlgorithm, HashResult } from "./hash-types.js";

const READ_BUFFER = 1 << 20;

/**
 * A hash session in the calling thread: bytes handed over as received (`feedBytes`) are hashed at once, with no
 * copy, no read back and no message to another thread; ranges of the file (`feed`, e.g. an earlier partial) are
 * read back asynchronously, in order, before any later bytes. The cheapest in CPU per byte; it takes its hashing
 * time from the thread that receives.
 */
export function hashHere(params: {
  /** Algorithms to compute. */
  algorithms: readonly HashAlgorithm[];
  /** The file's full size; required for "git-sha1". */
  gitSize?: number;
}): HashSession {
  if (params.algorithms.includes("git-sha1") && params.gitSize === undefined) {
    throw new LlamagateError("HASH_GIT_SIZE", "internal", "git-sha1 needs the file size before hashing starts.");
  }
  const hashers: [HashAlgorithm, Hash][] = [...new Set(params.algorithms)].map((a) => [
    a,
    a === "git-sha1" ? createHash("sha1").update(`blob ${params.gitSize}\0`) : createHash(a),
  ]);
  let hashed = 0;
  let fed = 0;
  let ended = false;
  let error: unknown;
  let lastPath: string | undefined;
  // Reads of earlier ranges run one after another; bytes fed meanwhile are read back after them.
  let reading: Promise<void> | undefined;
  let readBuf: Buffer | undefined;
  const update = (b: Uint8Array) => {
    for (const [, h] of hashers) h.update(b);
  };
  const readRange = async (path: string, start: number, end: number) => {
    if (error !== undefined || ended) return;
    readBuf ??= Buffer.allocUnsafe(READ_BUFFER);
    let fh: Awaited<ReturnType<typeof open>> | undefined;
    try {
      fh = await open(path, "r");
      for (let pos = start; pos < end;) {
        const { bytesRead } = await fh.read(readBuf, 0, Math.min(readBuf.length, end - pos), pos);
        if (bytesRead === 0)
          throw new LlamagateError("FILE_CHANGED", "integrity", "A file became shorter while it was being hashed.", {
            hint: "Make sure no other program writes to the download folder, then run again.",
          });
        update(readBuf.subarray(0, bytesRead));
        pos += bytesRead;
        hashed = pos;
      }
    } catch (e) {
      error ??=
        e instanceof LlamagateError
          ? e
          : new LlamagateError("HASH_READ", "integrity", "Could not read a file for hashing.", {
              hint: "Check that the file exists and is readable.",
              cause: e,
            });
    } finally {
      await fh?.close().catch(() => {});
    }
  };
  const enqueue = (path: string, start: number, end: number) => {
    const run = (reading ?? Promise.resolve()).then(() => readRange(path, start, end));
    reading = run;
    void run.then(() => {
      if (reading === run) reading = undefined;
    });
  };
  const gap = (start: number) =>
    new LlamagateError("HASH_FEED_GAP", "internal", `Hash feed out of order (at ${fed}, got ${start}).`);
  return {
    get hashedUpTo() {
      return hashed;
    },
    get fedUpTo() {
      return fed;
    },
    feed(path, start, end) {
      if (ended || end <= start) return;
      if (start !== fed) throw gap(start);
      fed = end;
      lastPath = path;
      enqueue(path, start, end);
    },
    feedBytes(start, buffers) {
      if (ended) return;
      if (start !== fed) throw gap(start);
      let n = 0;
      for (const b of buffers) n += b.length;
      if (n === 0) return;
      fed = start + n;
      if (reading && lastPath !== undefined) {
        enqueue(lastPath, start, fed); // the bytes are on disk: read them back after the earlier ranges
        return;
      }
      if (error !== undefined) return;
      for (const b of buffers) update(b);
      hashed = fed;
    },
    async waitLag(maxLagBytes) {
      while (reading && fed - hashed > maxLagBytes) await reading;
      if (error !== undefined) throw error;
    },
    async digest(): Promise<HashResult> {
      while (reading) await reading;
      ended = true;
      if (error !== undefined) throw error;
      return Object.fromEntries(hashers.map(([a, h]) => [a, h.digest("hex")]));
    },
    drop() {
      ended = true;
    },
  };
}
