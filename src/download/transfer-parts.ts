import { InterruptedError, LlamagateError } from "../core/errors.js";
import { filesystemErrorFrom } from "../core/fs/filesystem-error-from.js";
import { writeAllAt } from "../core/fs/write-all-at.js";
import { backoffDelay, sleep } from "../core/retry.js";
import { parseRetryAfter } from "../core/retry-after.js";
import type { HashSession } from "../verify/hash-pool.js";
import { classifyTransferError } from "./classify-transfer-error.js";
import { HtmlInsteadOfFileError, HttpStatusError, SizeMismatchError, TransferNetworkError } from "./errors.js";
import { looksLikeHtml } from "./looks-like-html.js";
import { discardBody, networkError, openResponse, type OpenResponse } from "./open-response.js";
import { parseContentRange } from "./parse-content-range.js";
import { contiguousPrefix, readPartsState, removePartsState, writePartsState, type PartState, type PartsState } from "./parts-state.js";
import { readBodySnippet } from "./read-body-snippet.js";
import { transferStream, type StreamTransferParams, type StreamTransferResult } from "./transfer-stream.js";

const WRITE_BATCH = 1 << 20;
const STATE_EVERY_MS = 1000;

/** The server answered a Range request with the whole file: parts are impossible, use one stream. */
class RangeIgnored extends Error {}

/**
 * Fetch one large file (size known) as several parallel HTTP Range parts written at their offsets in
 * the partial file. Resume state per part lives in `<dest>.llamagate-parts.json`. Hashing still runs in
 * byte order: the hashing worker follows the contiguous prefix (part 0, then part 1 once part 0 is
 * complete, ...) reading the bytes back from the page cache, so no extra pass is needed at the end
 * unless later parts finish long before earlier ones. A server that ignores Range makes it fall back
 * to a single stream from byte 0.
 */
export async function transferParts(p: StreamTransferParams & { parts: number; partMinBytes: number }): Promise<StreamTransferResult> {
  const total = p.file.expectedSize!;
  const dest = p.file.destPath;
  let state = await readPartsState(dest, total);
  // The state must describe this partial file: every byte it claims must be inside the file.
  if (state && Math.max(...state.parts.map((x) => (x.done > 0 ? x.start + x.done : 0))) > p.startOffset) state = undefined;
  if (!state) {
    // No multi-part state: the partial, if any, is a contiguous prefix from a single-stream run.
    const prefix = Math.min(p.startOffset, total);
    const rest = total - prefix;
    const k = Math.max(1, Math.min(p.parts, Math.floor(rest / p.partMinBytes)));
    const parts: PartState[] = prefix > 0 ? [{ start: 0, end: prefix, done: prefix }] : [];
    for (let i = 0; i < k; i++) {
      const start = prefix + Math.floor((rest * i) / k);
      const end = prefix + Math.floor((rest * (i + 1)) / k);
      if (end > start) parts.push({ start, end, done: 0 });
    }
    state = { version: 1, total, parts };
  }
  const st: PartsState = state;
  const reused = st.parts.reduce((s, x) => s + x.done, 0);
  let transferred = 0;
  let retries = 0;
  const hasher: HashSession | undefined = p.newHasher(total);
  const controller = new AbortController();
  const signal = AbortSignal.any([p.signal, controller.signal]);
  let lastSave = 0;
  const doneBytes = () => st.parts.reduce((s, x) => s + x.done, 0);
  const advanceHash = () => {
    if (!hasher) return;
    const frontier = contiguousPrefix(st);
    if (frontier > hasher.fedUpTo) hasher.feed(p.partialPath, hasher.fedUpTo, frontier);
  };
  let saving: Promise<void> = Promise.resolve();
  const save = (force = false): Promise<void> => {
    const now = performance.now();
    if (!force && now - lastSave < STATE_EVERY_MS) return saving;
    lastSave = now;
    // Saves run one after another so an older snapshot never lands after a newer one.
    saving = saving.then(() => writePartsState(dest, { ...st, parts: st.parts.map((x) => ({ ...x })) }).catch(() => {}));
    return saving;
  };
  advanceHash();

  const runPart = async (part: PartState) => {
    let failures = 0;
    while (part.done < part.end - part.start) {
      const before = part.done;
      try {
        await partAttempt(part);
      } catch (e) {
        if (signal.aborted || e instanceof RangeIgnored) throw e;
        const d = classifyTransferError(e);
        if (part.done > before) failures = 0;
        failures++;
        if (!d.retry || failures > p.policy.attempts) throw e;
        const waitMs = backoffDelay({ attempt: failures, policy: p.policy, retryAfterMs: d.retryAfterMs });
        retries++;
        p.onRetry({ attempt: retries, reason: d.reason, waitMs, bytesDone: doneBytes() });
        await sleep(waitMs, signal);
      }
    }
  };

  const partAttempt = async (part: PartState) => {
    const watchdog = new AbortController();
    let stalled = false;
    let timer: NodeJS.Timeout | undefined;
    const arm = () => {
      clearTimeout(timer);
      timer = setTimeout(() => ((stalled = true), watchdog.abort()), p.stallTimeoutMs);
    };
    const disarm = () => clearTimeout(timer);
    const sig = AbortSignal.any([signal, watchdog.signal]);
    let res: OpenResponse | undefined;
    let batch: Buffer[] = [];
    let batchBytes = 0;
    const flush = async () => {
      if (batchBytes === 0) return;
      disarm();
      const out = batch;
      const n = batchBytes;
      batch = [];
      batchBytes = 0;
      try {
        await writeAllAt(p.fh, out, part.start + part.done);
      } catch (e) {
        throw filesystemErrorFrom(e, p.partialPath);
      }
      part.done += n;
      advanceHash();
      p.onProgress(doneBytes(), total);
      await save();
      arm();
    };
    arm();
    try {
      const from = part.start + part.done;
      res = await openResponse({
        url: p.file.url,
        displayName: p.file.displayName,
        headers: p.file.headers,
        range: { start: from, end: part.end - 1 },
        dispatcher: p.dispatcher,
        signal: sig,
        headersTimeoutMs: p.stallTimeoutMs,
      });
      if (res.status === 200) throw new RangeIgnored();
      if (res.status !== 206) {
        const bodySnippet = await readBodySnippet(res);
        const hooked = p.classifyHttpError?.({ status: res.status, headers: res.headers, bodySnippet, file: p.file, html: looksLikeHtml(Buffer.from(bodySnippet), "") });
        throw hooked ?? new HttpStatusError(p.file.displayName, res.status, { retryAfterMs: parseRetryAfter(res.headers["retry-after"]) });
      }
      const cr = parseContentRange(res.headers["content-range"]);
      if (cr?.total !== undefined && cr.total !== total) throw new SizeMismatchError(p.file.displayName, total, cr.total);
      if (!cr || cr.start !== from || cr.end !== part.end - 1) throw new RangeIgnored();
      let first = from === 0;
      const limit = part.end - part.start;
      for await (const chunk of res.body as AsyncIterable<Buffer>) {
        arm();
        if (first) {
          first = false;
          if (p.detectHtml && looksLikeHtml(chunk, p.file.displayName)) {
            const hooked = p.classifyHttpError?.({ status: res.status, headers: res.headers, bodySnippet: chunk.subarray(0, 4096).toString("utf8"), file: p.file, html: true });
            throw hooked ?? new HtmlInsteadOfFileError(p.file.displayName);
          }
        }
        if (part.done + batchBytes + chunk.length > limit) throw new SizeMismatchError(p.file.displayName, total, total + 1, { hint: "The server sent more bytes than the range asked for; run again without --parts." });
        batch.push(chunk);
        batchBytes += chunk.length;
        transferred += chunk.length;
        if (batchBytes >= WRITE_BATCH) await flush();
      }
      await flush();
      if (part.done < limit) throw new TransferNetworkError(p.file.displayName, "the transfer ended early");
    } catch (e) {
      if (res) discardBody(res.body);
      if (!(e instanceof LlamagateError) || e instanceof TransferNetworkError) await flush().catch(() => {});
      if (stalled && !p.signal.aborted) throw new TransferNetworkError(p.file.displayName, `no data for ${Math.round(p.stallTimeoutMs / 1000)} s (stalled)`);
      throw e instanceof RangeIgnored ? e : networkError(e, p.file.displayName, signal);
    } finally {
      disarm();
    }
  };

  let root: unknown;
  let failed = false;
  await Promise.allSettled(
    st.parts.map((part) =>
      runPart(part).catch((e) => {
        if (!failed) root = e; // the first failure is the cause; the others are its abort
        failed = true;
        controller.abort(); // one part failed for good: stop the others, keep their bytes
      }),
    ),
  );
  if (!failed) {
    await removePartsState(dest);
    advanceHash();
    return { size: total, bytesTransferred: transferred, bytesReused: reused, retries, hasher };
  }
  hasher?.drop();
  if (p.signal.aborted) {
    await save(true);
    throw new InterruptedError();
  }
  if (root instanceof RangeIgnored) {
    // Parts are impossible with this server: start over as one stream.
    await removePartsState(dest);
    await p.fh.truncate(0).catch((e) => {
      throw filesystemErrorFrom(e, p.partialPath);
    });
    const r = await transferStream({ ...p, startOffset: 0 });
    return { ...r, bytesTransferred: r.bytesTransferred + transferred, retries: r.retries + retries, bytesReused: 0 };
  }
  await save(true);
  throw root;
}
