import { InterruptedError } from "../../../core/errors.js";
import { forEachConcurrent } from "../../../core/for-each-concurrent.js";
import { filesystemErrorFrom } from "../../../core/fs/filesystem-error-from.js";
import { sleep, withRetry } from "../../../core/retry.js";
import { classifyTransferError } from "../../../download/classify-transfer-error.js";
import {
  contiguousPrefix,
  readPartsState,
  removePartsState,
  writePartsState,
  type PartState,
  type PartsState,
} from "../../../download/parts-state.js";
import type { StreamTransferParams, StreamTransferResult } from "../../../download/transfer-stream.js";
import type { ByteBudget } from "./create-byte-budget.js";
import type { XetTokenSource } from "./create-xet-token-source.js";
import { XetBadResponseError, XetCorruptChunkError, XetUrlRefusedError, XorbUrlRefused } from "./errors.js";
import { fetchReconstruction, type XetReconstruction, type XorbRange } from "./fetch-reconstruction.js";
import { fetchXorb } from "./fetch-xorb.js";

const STATE_EVERY_MS = 1000;
/** Decoded bytes of one term gathered before one write (fewer syscalls; bounded per connection). */
const WRITE_BATCH = 1 << 20;

/** What a Xet transfer needs beyond the engine's transfer parameters. */
export interface XetTransferParams {
  /** The file's Xet hash (X-Xet-Hash). */
  fileHash: string;
  tokens: XetTokenSource;
  /** The run's shared cap on bytes requested and not yet written. */
  budget: ByteBudget;
  /** Parallel xorb requests for this file. */
  connections: number;
}

/** One term's share of the file: its decoded bytes start at `fileStart`; it fills `part` (clipped to the file). */
interface TermWork {
  term: XetReconstruction["terms"][number];
  fileStart: number;
  part: PartState;
  /** The range (of its job) that holds its chunks. */
  range: XorbRange;
  cursor: number;
  decoded: number;
  batch: Buffer[];
  batchStart: number;
  batchLen: number;
}

/** One HTTP request: some ranges of one signed URL, for the terms that still need them. */
interface Job {
  hash: string;
  url: string;
  ranges: XorbRange[];
  terms: TermWork[];
  refreshes: number;
  /** The failure the retry loop is about to wait after. */
  lastError?: unknown;
}

/**
 * Fill the partial file from Xet storage (hub-docs docs/xet/download-protocol.md): fetch the reconstruction for the
 * bytes still missing (`Range: bytes=N-` from the first hole, so a resumed file asks only for what it lacks, down to
 * the chunk), place its terms at their file offsets (`offset_into_first_range` skipped, everything past the file's
 * size dropped), then fetch each signed URL's ranges in one request on `connections` connections, decode while
 * streaming and write each term at its offset. Chunks shared by several terms are fetched once. Resume state is the
 * engine's parts state (`<dest>.llamagate-parts.json`, one part per term, its `done` saved at most a second after
 * each write and at once when the term is complete), so a kill -9 costs at most a second's worth of one term's bytes
 * per connection, and a later `--no-xet` run resumes from the same file.
 * Bytes are hashed in file order as the contiguous prefix grows. Expired signed URLs (403) get a fresh
 * reconstruction (one for the whole file, which hands every unfinished request its new URL); every term's decoded
 * length must equal its `unpacked_length`.
 */
export async function transferXet(p: StreamTransferParams & XetTransferParams): Promise<StreamTransferResult> {
  const total = p.file.expectedSize!;
  const dest = p.file.destPath;
  const name = p.file.displayName;

  // What an earlier run left: its parts state (only claims inside the partial file), else a contiguous prefix.
  // A state that claims bytes past the partial's end does not describe it: nothing of that partial is trusted.
  const old = await readPartsState(dest, total);
  const stale = old && Math.max(0, ...old.parts.map((x) => (x.done > 0 ? x.start + x.done : 0))) > p.startOffset;
  const have: [number, number][] = old
    ? stale
      ? []
      : old.parts.filter((x) => x.done > 0).map((x) => [x.start, x.start + x.done])
    : p.startOffset > 0
      ? [[0, Math.min(p.startOffset, total)]]
      : [];
  const merged = mergeIntervals(have);
  const rangeStart = merged[0]?.[0] === 0 ? merged[0][1] : 0;

  const hasher = p.newHasher(total);
  let retries = 0;
  let transferred = 0;
  const parts: PartState[] = rangeStart > 0 ? [{ start: 0, end: rangeStart, done: rangeStart }] : [];
  const st: PartsState = { version: 1, total, parts };
  const advanceHash = () => {
    if (!hasher) return;
    const frontier = contiguousPrefix(st);
    if (frontier > hasher.fedUpTo) hasher.feed(p.partialPath, hasher.fedUpTo, frontier);
  };

  if (rangeStart >= total) {
    advanceHash();
    return { size: total, bytesTransferred: 0, bytesReused: total, retries: 0, hasher };
  }

  let recon: XetReconstruction;
  const reconstruct = () =>
    fetchReconstruction({
      fileHash: p.fileHash,
      rangeStart,
      tokens: p.tokens,
      dispatcher: p.dispatcher,
      policy: p.policy,
      displayName: name,
      onRetry: (i) => {
        retries++;
        p.onRetry({ ...i, attempt: retries, bytesDone: rangeStart });
      },
      signal: p.signal,
    });
  try {
    recon = await reconstruct();
  } catch (e) {
    hasher?.drop();
    throw e;
  }

  // Place the terms: the first starts offset_into_first_range bytes before rangeStart.
  const works: TermWork[] = [];
  let pos = rangeStart - recon.offsetIntoFirstRange;
  for (const term of recon.terms) {
    const fileStart = pos;
    pos += term.unpackedLength;
    const start = Math.max(fileStart, rangeStart);
    const end = Math.min(pos, total);
    if (end <= start) continue;
    const part: PartState = { start, end, done: 0 };
    // A term (or its first bytes) already written by an earlier run is kept.
    const covering = merged.find(([a, b]) => a <= start && b > start);
    if (covering) part.done = Math.min(end, covering[1]) - start;
    parts.push(part);
    const fetch = recon.fetches.find(
      (f) =>
        f.hash === term.hash && f.ranges.some((r) => r.chunkStart <= term.chunkStart && r.chunkEnd >= term.chunkEnd),
    )!;
    const range = fetch.ranges.find((r) => r.chunkStart <= term.chunkStart && r.chunkEnd >= term.chunkEnd)!;
    works.push({ term, fileStart, part, range, cursor: 0, decoded: 0, batch: [], batchStart: 0, batchLen: 0 });
  }
  if (pos < total || parts.length === 0 || parts[parts.length - 1]!.end !== total) {
    hasher?.drop();
    throw new XetBadResponseError(name, `a reconstruction of ${Math.max(0, pos)} bytes for a file of ${total}`);
  }
  const reused = parts.reduce((s, x) => s + x.done, 0);
  let doneBytes = reused;

  // Jobs: one per signed URL, with only the ranges the unfinished terms need.
  const jobs: Job[] = [];
  for (const w of works) {
    if (w.part.done >= w.part.end - w.part.start) continue;
    const fetch = recon.fetches.find((f) => f.hash === w.term.hash && f.ranges.includes(w.range))!;
    let job = jobs.find((j) => j.url === fetch.url);
    if (!job) jobs.push((job = { hash: fetch.hash, url: fetch.url, ranges: [], terms: [], refreshes: 0 }));
    if (!job.ranges.includes(w.range)) job.ranges.push(w.range);
    job.terms.push(w);
  }
  for (const j of jobs) j.ranges.sort((a, b) => a.byteStart - b.byteStart);

  let lastSave = 0;
  let saving: Promise<void> = Promise.resolve();
  const save = (force = false): Promise<void> | undefined => {
    const now = performance.now();
    if (!force && now - lastSave < STATE_EVERY_MS) return undefined;
    lastSave = now;
    const snapshot: PartsState = { ...st, parts: st.parts.map((x) => ({ ...x })) };
    saving = saving.then(() => writePartsState(dest, snapshot).catch(() => {}));
    return saving;
  };
  advanceHash();
  await save(true);

  const flush = async (w: TermWork) => {
    if (!w.batchLen) return;
    const at = w.batchStart;
    const batch = w.batch;
    w.batch = [];
    const n = w.batchLen;
    w.batchLen = 0;
    // One gathered write of the decoded chunks (no copy into one buffer); a short write finishes with plain writes.
    const fail = (e: unknown) => {
      throw filesystemErrorFrom(e, p.partialPath);
    };
    const wrote = (await p.fh.writev(batch, at).catch(fail)).bytesWritten;
    if (wrote < n) {
      const rest = Buffer.concat(batch, n).subarray(wrote);
      for (let k = 0; k < rest.length;)
        k += (await p.fh.write(rest, k, rest.length - k, at + wrote + k).catch(fail)).bytesWritten;
    }
    p.writeback?.wrote(n);
    w.part.done = at + n - w.part.start;
    doneBytes += n;
    advanceHash();
    p.onProgress(doneBytes, total);
    await save();
  };

  const onChunk = async (job: Job, rangeIndex: number, chunk: number, data: Buffer) => {
    const range = job.ranges[rangeIndex]!;
    for (const w of job.terms) {
      if (w.range !== range || chunk < w.term.chunkStart || chunk >= w.term.chunkEnd) continue;
      const a = w.fileStart + w.cursor;
      w.cursor += data.length;
      w.decoded += data.length;
      if (w.decoded > w.term.unpackedLength)
        throw new XetCorruptChunkError(name, `a term longer than its unpacked_length ${w.term.unpackedLength}`);
      const lo = Math.max(a, w.part.start + w.part.done);
      const hi = Math.min(a + data.length, w.part.end);
      if (hi > lo) {
        if (w.batchLen && w.batchStart + w.batchLen !== lo) await flush(w);
        if (!w.batchLen) w.batchStart = lo;
        w.batch.push(data.subarray(lo - a, hi - a));
        w.batchLen += hi - lo;
        if (w.batchLen >= WRITE_BATCH) await flush(w);
      }
      if (chunk === w.term.chunkEnd - 1) {
        if (w.decoded !== w.term.unpackedLength)
          throw new XetCorruptChunkError(
            name,
            `a term of ${w.decoded} bytes where the reconstruction says ${w.term.unpackedLength}`,
          );
        await flush(w);
        await save(true); // a finished term is on record at once: a kill -9 never fetches it again
      }
    }
  };

  const controller = new AbortController();
  const signal = AbortSignal.any([p.signal, controller.signal]);
  let refreshing: Promise<XetReconstruction> | undefined;
  const runJob = async (job: Job) => {
    const bytes = job.ranges.reduce((s, r) => s + r.byteEnd - r.byteStart + 1, 0);
    await p.budget.acquire(bytes, signal);
    let jobBytes = 0;
    try {
      await withRetry({
        fn: async () => {
          for (const w of job.terms) {
            w.cursor = 0;
            w.decoded = 0;
            w.batch = [];
            w.batchLen = 0;
          }
          await fetchXorb({
            url: job.url,
            ranges: job.ranges,
            displayName: name,
            dispatcher: p.dispatcher,
            rateLimiter: p.rateLimiter,
            stallTimeoutMs: p.stallTimeoutMs,
            onBytes: (n) => {
              transferred += n;
              jobBytes += n;
            },
            onChunk: (i, c, d) => onChunk(job, i, c, d),
            signal,
          });
          for (const w of job.terms) await flush(w);
        },
        classify: (e) => {
          job.lastError = e;
          return e instanceof XorbUrlRefused ? { retry: true, reason: e.message } : classifyTransferError(e);
        },
        policy: p.policy,
        progress: () => jobBytes,
        signal,
        onRetry: (i) => {
          retries++;
          p.onRetry({ attempt: retries, reason: `Xet storage: ${i.reason}`, waitMs: i.waitMs, bytesDone: doneBytes });
        },
        sleep: async (ms, s) => {
          const e = job.lastError;
          if (e instanceof XorbUrlRefused) {
            // Signed URLs expire (a long download): fetch the reconstruction again, once for all jobs, and give
            // every job not finished yet its fresh URL, so the others do not each run into a 403 of their own.
            if (job.refreshes++ >= 1) throw new XetUrlRefusedError(name, e.status);
            const stale = job.url;
            refreshing ??= reconstruct()
              .then((fresh) => {
                for (const j of jobs) {
                  const url = freshUrl(fresh, j);
                  if (url) j.url = url;
                }
                return fresh;
              })
              .finally(() => (refreshing = undefined));
            await refreshing;
            if (job.url === stale) throw new XetUrlRefusedError(name, e.status); // no fresh URL for its ranges
            return;
          }
          await sleep(ms, s);
        },
      });
    } finally {
      p.budget.release(bytes);
    }
  };

  let root: unknown;
  let failed = false;
  try {
    await forEachConcurrent(
      jobs,
      p.connections,
      async (job) => {
        try {
          await runJob(job);
        } catch (e) {
          controller.abort(); // one job failed for good: the other connections stop now, keeping their bytes
          throw e;
        }
      },
      { stopWhen: () => signal.aborted },
    );
  } catch (e) {
    root = e;
    failed = true;
  }
  if (!failed && !p.signal.aborted) {
    await saving;
    await removePartsState(dest);
    advanceHash();
    return { size: total, bytesTransferred: transferred, bytesReused: reused, retries, hasher };
  }
  hasher?.drop();
  await save(true);
  await saving;
  if (p.signal.aborted) throw new InterruptedError();
  throw root;
}

/** The URL of a fresh reconstruction that authorises all of `job`'s ranges, if any. */
function freshUrl(fresh: XetReconstruction, job: Job): string | undefined {
  return fresh.fetches.find(
    (f) =>
      f.hash === job.hash &&
      job.ranges.every((r) =>
        f.ranges.some(
          (x) =>
            x.chunkStart === r.chunkStart &&
            x.chunkEnd === r.chunkEnd &&
            x.byteStart === r.byteStart &&
            x.byteEnd === r.byteEnd,
        ),
      ),
  )?.url;
}

/** Sorted, overlapping or touching intervals joined. */
function mergeIntervals(list: [number, number][]): [number, number][] {
  const out: [number, number][] = [];
  for (const [a, b] of [...list].sort((x, y) => x[0] - y[0])) {
    const last = out[out.length - 1];
    if (last && a <= last[1]) last[1] = Math.max(last[1], b);
    else out.push([a, b]);
  }
  return out;
}
