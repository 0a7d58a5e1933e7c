import type { FileHandle } from "node:fs/promises";
import type { Dispatcher } from "undici";
import { InterruptedError, LlamagateError } from "../core/errors.js";
import { filesystemErrorFrom } from "../core/fs/filesystem-error-from.js";
import { writeAllAt } from "../core/fs/write-all-at.js";
import { backoffDelay, sleep, type RetryPolicy } from "../core/retry.js";
import { parseRetryAfter } from "../core/retry-after.js";
import type { HashSession } from "../verify/hash-pool.js";
import { HtmlInsteadOfFileError, HttpStatusError, SizeMismatchError, TransferNetworkError } from "./errors.js";
import { classifyTransferError } from "./classify-transfer-error.js";
import { looksLikeHtml } from "./looks-like-html.js";
import { parseContentRange } from "./parse-content-range.js";
import { readBodySnippet } from "./read-body-snippet.js";
import { discardBody, networkError, openResponse, type OpenResponse } from "./open-response.js";
import { pumpBody } from "./pump-body.js";
import type { FileWriteback } from "../core/fs/background-writeback.js";
import type { HttpErrorInfo, TransferFile } from "./types.js";

const WRITE_BATCH = 1 << 20; // coalesce network chunks into ~1 MiB writes
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
  policy: RetryPolicy;
  stallTimeoutMs: number;
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
 * Fetch one file into its partial file as a single stream: a ranged continuation from `startOffset`
 * when there are bytes already, restarts from 0 when the server ignores Range (200) or the partial is
 * longer than the file (416), retries with backoff (Retry-After honoured), aborts a stall and resumes.
 * Bytes are hashed in order by a worker while they arrive (existing partial bytes first).
 */
export async function transferStream(p: StreamTransferParams): Promise<StreamTransferResult> {
  let pos = p.startOffset;
  let reused = p.startOffset;
  let transferred = 0;
  let retries = 0;
  let failures = 0;
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

  for (;;) {
    const before = pos;
    try {
      await attempt();
      if (total !== undefined && pos !== total) throw new TransferNetworkError(p.file.displayName, "the transfer ended early");
      return { size: pos, bytesTransferred: transferred, bytesReused: reused, retries, hasher };
    } catch (e) {
      if (p.signal.aborted) {
        hasher?.drop();
        throw e instanceof InterruptedError ? e : new InterruptedError(undefined, { cause: e });
      }
      const d = classifyTransferError(e);
      if (pos > before) failures = 0;
      failures++;
      if (!d.retry || failures > p.policy.attempts) {
        hasher?.drop();
        throw e;
      }
      const waitMs = backoffDelay({ attempt: failures, policy: p.policy, retryAfterMs: d.retryAfterMs });
      retries++;
      p.onRetry({ attempt: retries, reason: d.reason, waitMs, bytesDone: pos });
      await sleep(waitMs, p.signal).catch((err) => {
        hasher?.drop();
        throw err;
      });
    }
  }

  async function attempt(): Promise<void> {
    const watchdog = new AbortController();
    let stalled = false;
    // Stall watchdog without a timer operation per chunk: chunks only record the time; the timer
    // re-arms itself until nothing arrived for stallTimeoutMs. Paused while a batch is written
    // (slow disks are not network stalls).
    let lastData = performance.now();
    let writing = false;
    let timer: NodeJS.Timeout | undefined;
    const check = () => {
      const idle = performance.now() - lastData;
      if (writing || idle < p.stallTimeoutMs) {
        timer = setTimeout(check, writing ? p.stallTimeoutMs : p.stallTimeoutMs - idle);
        return;
      }
      stalled = true;
      watchdog.abort();
    };
    timer = setTimeout(check, p.stallTimeoutMs);
    const signal = AbortSignal.any([p.signal, watchdog.signal]);
    let res: OpenResponse | undefined;
    // Chunks are collected and written with one writev per ~1 MiB batch. No chunk arrives while a
    // batch is written (pumpBody pauses the body meanwhile).
    let batch: Buffer[] = [];
    let fill = 0;
    const flush = async () => {
      const n = fill;
      if (n === 0) return;
      writing = true;
      const at = pos;
      try {
        await writeAllAt(p.fh, batch, at);
      } catch (e) {
        throw filesystemErrorFrom(e, p.partialPath);
      }
      batch = [];
      fill = 0;
      pos += n;
      p.writeback?.wrote(n);
      // Hand the hashing worker several batches at once (fewer messages between threads).
      if (hasher && pos - hasher.fedUpTo >= HASH_FEED) {
        hasher.feed(p.partialPath, hasher.fedUpTo, pos);
        await hasher.waitLag(MAX_HASH_LAG);
      }
      p.onProgress(pos, total);
      writing = false;
      lastData = performance.now();
    };
    try {
      res = await openResponse({
        url: p.file.url,
        displayName: p.file.displayName,
        headers: p.file.headers,
        range: pos > 0 ? { start: pos } : undefined,
        dispatcher: p.dispatcher,
        signal,
        headersTimeoutMs: p.stallTimeoutMs,
      });
      await handleStatus(res);
      if (res.status === 416) return;
      const open = res;
      let first = pos === 0;
      await pumpBody(open.body, (chunk: Buffer) => {
        lastData = performance.now();
        if (first) {
          first = false;
          if (p.detectHtml && looksLikeHtml(chunk, p.file.displayName)) return htmlError(open, chunk);
        }
        if (total !== undefined && pos + fill + chunk.length > total) {
          throw new SizeMismatchError(p.file.displayName, total, pos + fill + chunk.length, {
            hint: "The server sent more bytes than it announced; run again, and report the server if it repeats.",
          });
        }
        transferred += chunk.length;
        batch.push(chunk);
        fill += chunk.length;
        if (fill >= WRITE_BATCH) return flush();
      });
      await flush();
      feedRest();
    } catch (e) {
      if (res) discardBody(res.body);
      // Keep the bytes that did arrive (network failure or abort): the next try resumes after them.
      if (!(e instanceof LlamagateError) || e instanceof TransferNetworkError) await flush().catch(() => {});
      feedRest();
      if (stalled && !p.signal.aborted) {
        throw new TransferNetworkError(p.file.displayName, `no data for ${Math.round(p.stallTimeoutMs / 1000)} s (stalled)`);
      }
      throw networkError(e, p.file.displayName, p.signal);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Feed the hashing worker every byte written so far (the next attempt continues after them). */
  function feedRest(): void {
    if (hasher && hasher.fedUpTo < pos) hasher.feed(p.partialPath, hasher.fedUpTo, pos);
  }

  async function handleStatus(res: OpenResponse): Promise<void> {
    const name = p.file.displayName;
    if (res.status === 206 && pos > 0) {
      const cr = parseContentRange(res.headers["content-range"]);
      if (!cr || cr.start !== pos) {
        // A range we did not ask for: do not guess, start over with a plain GET.
        discardBody(res.body);
        await restartFromZero();
        throw new TransferNetworkError(name, "the server answered a different byte range than requested");
      }
      total = cr.total;
    } else if (res.status === 200 || res.status === 206) {
      if (pos > 0) await restartFromZero(); // server ignored Range: the body is the whole file
      const cr = res.status === 206 ? parseContentRange(res.headers["content-range"]) : undefined;
      if (res.status === 206 && cr?.start !== 0) {
        // A partial answer we did not ask for (or cannot place): never write it at offset 0.
        throw new TransferNetworkError(name, "the server sent a byte range that was not asked for");
      }
      const len = res.headers["content-length"];
      total = cr?.total ?? (typeof len === "string" && /^\d+$/.test(len) ? Number(len) : undefined);
    } else if (res.status === 416) {
      discardBody(res.body);
      const m = /^bytes \*\/(\d+)$/.exec(String(res.headers["content-range"] ?? ""));
      const serverTotal = m ? Number(m[1]) : undefined;
      if (serverTotal !== undefined && serverTotal === pos) {
        total = pos; // the partial already holds the whole file
      } else {
        await restartFromZero();
        throw new TransferNetworkError(name, "the partial file does not fit the file on the server; starting over");
      }
    } else {
      const bodySnippet = await readBodySnippet(res);
      const hooked = p.classifyHttpError?.({ status: res.status, headers: res.headers, bodySnippet, file: p.file, html: looksLikeHtml(Buffer.from(bodySnippet), "") });
      if (hooked) throw hooked;
      throw new HttpStatusError(name, res.status, { retryAfterMs: parseRetryAfter(res.headers["retry-after"]) });
    }
    if (p.file.expectedSize !== undefined && total !== undefined && total !== p.file.expectedSize) {
      discardBody(res.body);
      throw new SizeMismatchError(name, p.file.expectedSize, total);
    }
    if (total === undefined) total = p.file.expectedSize;
    ensureHasher();
  }

  // Synchronous on purpose: it must throw before the destroyed body reports a premature close.
  function htmlError(res: OpenResponse, firstChunk: Buffer): never {
    const bodySnippet = firstChunk.subarray(0, 4096).toString("utf8");
    discardBody(res.body);
    const hooked = p.classifyHttpError?.({ status: res.status, headers: res.headers, bodySnippet, file: p.file, html: true });
    throw hooked ?? new HtmlInsteadOfFileError(p.file.displayName);
  }
}
