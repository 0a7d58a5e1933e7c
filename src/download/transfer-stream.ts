import type { FileHandle } from "node:fs/promises";
import type { Dispatcher } from "undici";
import type { RateLimiter } from "./create-rate-limiter.js";
import type { LlamagateError } from "../core/errors.js";
import { filesystemErrorFrom } from "../core/fs/filesystem-error-from.js";
import type { FileWriteback } from "../core/fs/background-writeback.js";
import { withRetry, type RetryPolicy } from "../core/retry.js";
import type { HashSession } from "../verify/hash-pool.js";
import { classifyTransferError } from "./classify-transfer-error.js";
import { RangeRefusedError } from "./errors.js";
import { fetchRange } from "./fetch-range.js";
import type { HttpErrorInfo, TransferFile } from "./types.js";

const HASH_FEED = 4 << 20; // feed the hashing worker every ~4 MiB written
const MAX_HASH_LAG = 64 << 20; // let the hashing worker trail by at most this much (stays in page cache)

/** What a transfer needs from the file-level code. */
export interface StreamTransferParams {
  file: TransferFile;
  /** Open read/write handle of the partial file. */
  fh: FileHandle;
  /** Path of the partial file (the hashing worker reads it). */
  partialPath: string;
  /** Bytes already in the partial file. */
  startOffset: number;
  dispatcher: Dispatcher;
  /** The run's bandwidth cap, shared by every connection. */
  rateLimiter?: RateLimiter;
  policy: RetryPolicy;
  stallTimeoutMs: number;
  /** Ranges this long or longer are read without undici (fetchRange). */
  rawBodyMinBytes?: number;
  detectHtml: boolean;
  classifyHttpError?: (info: HttpErrorInfo) => LlamagateError | undefined;
  /** Makes a hash session once the full size is known (undefined = nothing to hash). */
  newHasher: (total: number | undefined) => HashSession | undefined;
  onProgress: (bytesDone: number, total: number | undefined) => void;
  /** Background writeback of the partial file while it is written (optional). */
  writeback?: FileWriteback;
  onRetry: (info: { attempt: number; reason: string; waitMs: number; bytesDone: number }) => void;
  signal: AbortSignal;
}

export interface StreamTransferResult {
  size: number;
  bytesTransferred: number;
  /** Bytes of the earlier partial that were kept (0 if the server forced a restart). */
  bytesReused: number;
  retries: number;
  hasher: HashSession | undefined;
}

/**
 * Fetch one file into its partial file as a single stream: one range (fetchRange) from `startOffset`
 * to the end, retried by the one retry loop (attempts reset after progress, Retry-After honoured, a
 * stall aborted and resumed). Restarts from 0 when the server ignores Range (200), answers another
 * range, or says the partial is longer than the file (416). Bytes are hashed in order by a worker
 * while they arrive (existing partial bytes first).
 */
export async function transferStream(p: StreamTransferParams): Promise<StreamTransferResult> {
  let pos = p.startOffset;
  let reused = p.startOffset;
  let transferred = 0;
  let retries = 0;
  let total: number | undefined;
  let hasher: HashSession | undefined;

  const restartFromZero = async () => {
    hasher?.drop();
    hasher = undefined;
    await p.fh.truncate(0).catch((e) => {
      throw filesystemErrorFrom(e, p.partialPath);
    });
    pos = 0;
    reused = 0;
  };
  const ensureHasher = () => {
    if (hasher) return;
    hasher = p.newHasher(total);
    hasher?.feed(p.partialPath, 0, pos);
  };
  /** Feed the hashing worker every byte written so far (the next try continues after them). */
  const feedRest = () => {
    if (hasher && hasher.fedUpTo < pos) hasher.feed(p.partialPath, hasher.fedUpTo, pos);
  };
  const once = async () => {
    try {
      await fetchRange({
        file: p.file,
        fh: p.fh,
        partialPath: p.partialPath,
        from: pos,
        dispatcher: p.dispatcher,
        rateLimiter: p.rateLimiter,
        stallTimeoutMs: p.stallTimeoutMs,
        rawBodyMinBytes: p.rawBodyMinBytes,
        detectHtml: p.detectHtml,
        classifyHttpError: p.classifyHttpError,
        onWholeFile: restartFromZero,
        onOpen: (t) => {
          total = t;
          ensureHasher();
        },
        onWritten: async (at, n, buffers) => {
          pos = at;
          transferred += n;
          p.writeback?.wrote(n);
          if (hasher) {
            // A hasher in this thread takes the bytes as received (no read back); a hashing worker reads the file's
            // range back, handed over every few MiB (fewer messages between threads).
            if (hasher.feedBytes && hasher.fedUpTo === at - n) hasher.feedBytes(at - n, buffers);
            else if (pos - hasher.fedUpTo >= HASH_FEED) {
              hasher.feed(p.partialPath, hasher.fedUpTo, pos);
              await hasher.waitLag(MAX_HASH_LAG);
            }
          }
          p.onProgress(pos, total);
        },
        signal: p.signal,
      });
    } catch (e) {
      feedRest();
      if (e instanceof RangeRefusedError) {
        if (e.kind === "unsatisfiable" && e.serverTotal !== undefined && e.serverTotal === pos) {
          total = pos; // the partial already holds the whole file
          ensureHasher();
          return;
        }
        await restartFromZero(); // do not guess: start over with a plain GET (retried)
      }
      throw e;
    }
    feedRest();
  };

  try {
    await withRetry({
      fn: once,
      classify: classifyTransferError,
      policy: p.policy,
      progress: () => transferred,
      signal: p.signal,
      onRetry: (i) => {
        retries++;
        p.onRetry({ attempt: retries, reason: i.reason, waitMs: i.waitMs, bytesDone: pos });
      },
    });
  } catch (e) {
    hasher?.drop();
    throw e;
  }
  return { size: pos, bytesTransferred: transferred, bytesReused: reused, retries, hasher };
}
