import type { FileHandle } from "node:fs/promises";
import type { Dispatcher } from "undici";
import type { RateLimiter } from "./create-rate-limiter.js";
import { LlamagateError } from "../core/errors.js";
import { filesystemErrorFrom } from "../core/fs/filesystem-error-from.js";
import { writeAllAt } from "../core/fs/write-all-at.js";
import { discardBody } from "../core/http/discard-body.js";
import { parseRetryAfter } from "../core/http/parse-retry-after.js";
import { sendRequest, type HttpResponse } from "../core/http/send-request.js";
import {
  FileTooLargeError,
  HtmlInsteadOfFileError,
  HttpStatusError,
  RangeRefusedError,
  SizeMismatchError,
  TransferNetworkError,
} from "./errors.js";
import { looksLikeHtml } from "./looks-like-html.js";
import { networkError } from "./network-error.js";
import { parseContentRange } from "./parse-content-range.js";
import { pumpBody } from "./pump-body.js";
import { pumpRawBody } from "./pump-raw-body.js";
import { readBodySnippet } from "./read-body-snippet.js";
import type { HttpErrorInfo, TransferFile } from "./types.js";

/** Coalesce network chunks into writes of about this size. */
const WRITE_BATCH = 1 << 20;
/** Thrown from the chunk handler when the range's end moved below the bytes arriving (see liveEnd). */
const CUT = Symbol("range cut");

export interface FetchRangeParams {
  file: TransferFile;
  /** Open read/write handle of the partial file; bytes are written at their file offsets. */
  fh: FileHandle;
  /** Path of the partial file (error messages). */
  partialPath: string;
  /** How a batch is written at its offset (transferParts: one file's connections take turns). @default writeAllAt */
  write?: (buffers: Buffer[], position: number) => Promise<number>;
  /**
   * The range's end as it is now (absolute, exclusive): an idle connection may take over the tail of this range
   * while it is in flight (the end shrinks); the transfer then stops at the new end and resolves normally.
   */
  liveEnd?: () => number;
  /** First byte to fetch. */
  from: number;
  /** One past the last byte to fetch; undefined = to the end of the file (a single stream). */
  end?: number;
  dispatcher: Dispatcher;
  /** The run's bandwidth cap (--limit-rate), shared by every connection; the stall watchdog pauses while it holds. */
  rateLimiter?: RateLimiter;
  /** No byte for this long (response headers included) aborts the try as stalled. */
  stallTimeoutMs: number;
  /**
   * A range at least this long is read straight from a connection of its own (sendRequest's rawBody) when the
   * dispatcher allows it. @default Infinity (never)
   */
  rawBodyMinBytes?: number;
  /** Treat a body that starts like an HTML page (at offset 0) as an error. */
  detectHtml: boolean;
  classifyHttpError?: (info: HttpErrorInfo) => LlamagateError | undefined;
  /**
   * The server answered a range request with the whole file (200): called before anything is written,
   * the caller throws its earlier bytes away and the body is written from offset 0. Without it, that
   * answer is a RangeRefusedError("ignored").
   */
  onWholeFile?: () => Promise<void>;
  /** The response was accepted: `total` is the file size the server announced (else expectedSize). */
  onOpen?: (total: number | undefined) => void;
  /**
   * Bytes [pos - n, pos) are on disk; `buffers` are those bytes as received (valid during the call only: hash them
   * now or never). A returned promise holds the body until it settles (e.g. a hashing worker catching up); the stall
   * watchdog is paused meanwhile.
   */
  onWritten: (pos: number, n: number, buffers: readonly Buffer[]) => Promise<void> | void;
  signal: AbortSignal;
}

/**
 * The transfer primitive: one try at fetching the bytes [from, end) of a file into its partial file.
 * open (one request helper) -> status / Content-Range checks -> HTML detection -> stall watchdog ->
 * pump (flowing body, ~1 MiB batched writes) -> flush. Used for a single stream (one range to the end)
 * and for every piece of a multi-connection transfer. Bytes that arrived before a network failure are
 * kept (written and reported); errors: HttpStatusError / the source's own (classifyHttpError),
 * RangeRefusedError, SizeMismatchError (real sizes), HtmlInsteadOfFileError, TransferNetworkError.
 * Resolves with the end position and the total the server announced.
 */
export async function fetchRange(p: FetchRangeParams): Promise<{ pos: number; total: number | undefined }> {
  const name = p.file.displayName;
  let pos = p.from;
  const asked = p.from > 0 || p.end !== undefined;
  // Stall watchdog without a timer operation per chunk: chunks only record the time; the timer re-arms
  // itself until nothing arrived for stallTimeoutMs. Paused while a batch is written (slow disks and
  // a lagging hashing worker are not network stalls).
  const watchdog = new AbortController();
  let stalled = false;
  let lastData = performance.now();
  let writing = false;
  let throttled = false;
  let timer: NodeJS.Timeout | undefined;
  const check = () => {
    const idle = performance.now() - lastData;
    if (writing || throttled || idle < p.stallTimeoutMs) {
      timer = setTimeout(check, writing || throttled ? p.stallTimeoutMs : p.stallTimeoutMs - idle);
      return;
    }
    stalled = true;
    watchdog.abort();
  };
  timer = setTimeout(check, p.stallTimeoutMs);
  const signal = AbortSignal.any([p.signal, watchdog.signal]);

  let res: HttpResponse | undefined;
  let opened: number | undefined;
  let batch: Buffer[] = [];
  let fill = 0;
  const flush = async () => {
    const n = fill;
    if (n === 0) return;
    writing = true;
    try {
      await (p.write ? p.write(batch, pos) : writeAllAt(p.fh, batch, pos));
    } catch (e) {
      throw filesystemErrorFrom(e, p.partialPath);
    }
    const written = batch;
    batch = [];
    fill = 0;
    pos += n;
    await p.onWritten(pos, n, written);
    writing = false;
    lastData = performance.now();
  };
  try {
    res = await sendRequest({
      url: p.file.url,
      displayName: name,
      headers: p.file.headers,
      // alwaysRange: whole files are asked for as `bytes=0-` too (the Hub's LFS bridge answers 400 to an unranged
      // GET of a large Xet file), except a file known to be empty (any range of it is unsatisfiable).
      range:
        asked || (p.file.alwaysRange && p.file.expectedSize !== 0)
          ? { start: p.from, end: p.end === undefined ? undefined : p.end - 1 }
          : undefined,
      dispatcher: p.dispatcher,
      signal,
      headersTimeoutMs: p.stallTimeoutMs,
      bodyTimeoutMs: 0, // the watchdog above covers the body (and pauses for slow disks)
      // Bulk bytes skip undici's per-chunk work; small files keep its pooled keep-alive connections.
      rawBody: (p.end ?? p.file.expectedSize ?? 0) - p.from >= (p.rawBodyMinBytes ?? Infinity),
    });
    const total = await checkResponse(res);
    opened = total;
    const max = p.file.maxBytes;
    if (max !== undefined && total !== undefined && total > max) throw tooLarge(total);
    const open = res;
    const limit = p.end ?? total;
    const first = { pending: pos === 0 };
    const onChunk = (chunk: Buffer) => {
      lastData = performance.now();
      if (first.pending) {
        first.pending = false;
        if (p.detectHtml && looksLikeHtml(chunk, name)) return htmlError(open, chunk);
      }
      // Another connection took over the rest of this range: keep the bytes up to the new end, then stop.
      const cutAt = p.liveEnd?.();
      if (cutAt !== undefined && p.end !== undefined && cutAt < p.end && pos + fill + chunk.length >= cutAt) {
        keepBelow(cutAt, chunk);
        throw CUT;
      }
      // Stop reading at the cap: never more than maxBytes of a capped file is taken in.
      if (max !== undefined && pos + fill + chunk.length > max) throw tooLarge(pos + fill + chunk.length);
      if (limit !== undefined && pos + fill + chunk.length > limit) {
        const start = p.end === undefined ? 0 : p.from;
        throw new SizeMismatchError(name, limit - start, pos + fill + chunk.length - start, {
          sentAtLeast: true,
          ...(p.end === undefined ? {} : { range: { start, end: limit } }),
          hint: "The server sent more bytes than it announced; run again, and report the server if it repeats.",
        });
      }
      batch.push(chunk);
      fill += chunk.length;
      const written = fill >= WRITE_BATCH ? flush() : undefined;
      return p.rateLimiter ? throttle(p.rateLimiter, chunk.length, written) : written;
    };
    await (open.raw ? pumpRawBody(open.raw, onChunk, () => fill === 0) : pumpBody(open.body, onChunk));
    await flush();
    if (limit !== undefined && pos < limit) throw new TransferNetworkError(name, "the transfer ended early");
    return { pos, total };
  } catch (e) {
    if (e === CUT && res) {
      discardBody(res.body);
      await flush();
      return { pos, total: opened };
    }
    if (res) discardBody(res.body);
    // Keep the bytes that did arrive (network failure or abort): the next try resumes after them.
    if (!(e instanceof LlamagateError) || e instanceof TransferNetworkError) await flush().catch(() => {});
    if (stalled && !p.signal.aborted) {
      throw new TransferNetworkError(name, `no data for ${Math.round(p.stallTimeoutMs / 1000)} s (stalled)`);
    }
    throw networkError(e, name, p.signal);
  } finally {
    clearTimeout(timer);
  }

  /** Keep only the bytes below `end` of the batch and `chunk` (the rest belongs to another connection's range). */
  function keepBelow(end: number, chunk: Buffer): void {
    let room = end - pos;
    const kept: Buffer[] = [];
    for (const b of [...batch, chunk]) {
      if (room <= 0) break;
      const part = b.length <= room ? b : b.subarray(0, room);
      kept.push(part);
      room -= part.length;
    }
    batch = kept;
    fill = kept.reduce((s, b) => s + b.length, 0);
  }

  /** Hold the body until the run's cap lets `n` more bytes through (after the batch being written, if any). */
  async function throttle(limiter: RateLimiter, n: number, written: Promise<void> | undefined): Promise<void> {
    await written;
    throttled = true;
    try {
      await limiter.take(n, signal);
    } finally {
      throttled = false;
      lastData = performance.now();
    }
  }

  function tooLarge(atLeast: number): FileTooLargeError {
    return (
      p.file.tooLarge?.(atLeast) ??
      new FileTooLargeError(
        "DOWNLOAD_TOO_LARGE",
        `${name} is at least ${atLeast} bytes; at most ${p.file.maxBytes} are accepted.`,
        {
          details: { file: name, atLeast, maxBytes: p.file.maxBytes },
        },
      )
    );
  }

  /** Status and Content-Range checks; returns the file's total size when known. */
  async function checkResponse(r: HttpResponse): Promise<number | undefined> {
    let total: number | undefined;
    if (r.status === 206) {
      const cr = parseContentRange(r.headers["content-range"]);
      // A range we did not ask for (or cannot place): never write it anywhere.
      if (!cr || cr.start !== p.from || (p.end !== undefined && cr.end !== p.end - 1)) {
        discardBody(r.body);
        throw new RangeRefusedError(name, "mismatch");
      }
      total = cr.total;
    } else if (r.status === 200) {
      if (asked) {
        if (!p.onWholeFile) {
          discardBody(r.body);
          throw new RangeRefusedError(name, "ignored");
        }
        await p.onWholeFile(); // the body is the whole file
        pos = 0;
      }
      const len = r.headers["content-length"];
      total = typeof len === "string" && /^\d+$/.test(len) ? Number(len) : undefined;
    } else if (r.status === 416) {
      discardBody(r.body);
      const m = /^bytes \*\/(\d+)$/.exec(String(r.headers["content-range"] ?? ""));
      throw new RangeRefusedError(name, "unsatisfiable", m ? Number(m[1]) : undefined);
    } else {
      const bodySnippet = await readBodySnippet(r);
      const html = looksLikeHtml(Buffer.from(bodySnippet), "");
      const hooked = p.classifyHttpError?.({ status: r.status, headers: r.headers, bodySnippet, file: p.file, html });
      if (hooked) throw hooked;
      throw new HttpStatusError(name, r.status, { retryAfterMs: parseRetryAfter(r.headers) });
    }
    if (p.file.expectedSize !== undefined && total !== undefined && total !== p.file.expectedSize) {
      discardBody(r.body);
      throw new SizeMismatchError(name, p.file.expectedSize, total);
    }
    total ??= p.file.expectedSize;
    p.onOpen?.(total);
    return total;
  }

  // Synchronous on purpose: it must throw before the destroyed body reports a premature close.
  function htmlError(r: HttpResponse, firstChunk: Buffer): never {
    const bodySnippet = firstChunk.subarray(0, 4096).toString("utf8");
    discardBody(r.body);
    const hooked = p.classifyHttpError?.({
      status: r.status,
      headers: r.headers,
      bodySnippet,
      file: p.file,
      html: true,
    });
    throw hooked ?? new HtmlInsteadOfFileError(name);
  }
}
