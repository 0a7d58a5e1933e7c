import { InterruptedError } from "../core/errors.js";
import { filesystemErrorFrom } from "../core/fs/filesystem-error-from.js";
import { serialWriter } from "../core/fs/serial-writer.js";
import { withRetry } from "../core/retry.js";
import type { HashSession } from "../verify/hash-pool.js";
import { classifyTransferError } from "./classify-transfer-error.js";
import { RangeRefusedError } from "./errors.js";
import { fetchRange } from "./fetch-range.js";
import {
  contiguousPrefix,
  readPartsState,
  removePartsState,
  writePartsState,
  type PartState,
  type PartsState,
} from "./parts-state.js";
import type { TailHelpers } from "./create-tail-helpers.js";
import { transferStream, type StreamTransferParams, type StreamTransferResult } from "./transfer-stream.js";

const STATE_EVERY_MS = 1000;
/** A hashing worker is handed the growing prefix every this many bytes (one message each). */
const HASH_FEED = 4 << 20;
/** ...and may trail the bytes on disk by at most this much (as for a single stream). */
const MAX_HASH_LAG = 64 << 20;
/** Pieces are between these sizes (smaller only when the caller's partMinBytes is smaller). */
const PIECE_MIN = 4 << 20;
const PIECE_MAX = 32 << 20;
/**
 * The end of a transfer: a connection with no piece left takes over the second half of the in-flight piece with
 * the most bytes left, when both halves are at least this big (so the bytes a connection holds before writing,
 * about 1 MiB, never cross the split).
 */
const STEAL_MIN = 2 << 20;
const STEAL_ALIGN = 64 << 10;
/** About this many pieces per connection, so the last ones in flight (hashed after the last byte) are few. */
const PIECES_PER_CONNECTION = 8;

/**
 * Size of the pieces a file of `bytes` is cut into for `connections` connections: about
 * PIECES_PER_CONNECTION per connection, between 4 and 32 MiB (lower bound capped by `partMinBytes`).
 */
export function pieceSize(bytes: number, connections: number, partMinBytes: number): number {
  const want = Math.ceil(bytes / (connections * PIECES_PER_CONNECTION));
  return Math.max(1, Math.min(PIECE_MAX, Math.max(Math.min(PIECE_MIN, partMinBytes), want)));
}

/**
 * Fetch one large file (size known) over several connections. The file is cut into pieces in file
 * order (a few MiB to tens of MiB); each of the `parts` connections takes the next piece when it is done
 * with one (as aria2c does), fetching it with the one range primitive (fetchRange) and the one retry
 * loop. So the contiguous prefix grows during the transfer and the hashing worker follows it: bytes
 * are hashed while they arrive, and only the last few pieces are hashed after the last byte.
 * Resume state per piece lives in `<dest>.llamagate-parts.json` (older states with a few big parts
 * resume as they are). At the end of the transfer a connection with nothing left to take splits the in-flight
 * piece with the most bytes left and fetches its second half (the slow connection stops at the split), so one
 * slow connection cannot hold the end. A server that ignores Range makes it fall back to a single stream
 * from byte 0.
 */
export async function transferParts(
  p: StreamTransferParams & {
    parts: number;
    partMinBytes: number;
    /** The rest of the file is one piece (one request) until a helper splits it (a single stream that accepts help). */
    onePiece?: boolean;
    /** The run's end-of-transfer helpers: idle connections of the run may join this transfer. */
    tail?: TailHelpers;
  },
): Promise<StreamTransferResult> {
  const total = p.file.expectedSize!;
  const dest = p.file.destPath;
  let state = await readPartsState(dest, total);
  // The state must describe this partial file: every byte it claims must be inside the file.
  if (state && Math.max(...state.parts.map((x) => (x.done > 0 ? x.start + x.done : 0))) > p.startOffset)
    state = undefined;
  if (!state) {
    // No multi-part state: the partial, if any, is a contiguous prefix from a single-stream run.
    const prefix = Math.min(p.startOffset, total);
    const piece = p.onePiece ? Math.max(1, total - prefix) : pieceSize(total - prefix, p.parts, p.partMinBytes);
    const parts: PartState[] = prefix > 0 ? [{ start: 0, end: prefix, done: prefix }] : [];
    for (let start = prefix; start < total; start += piece)
      parts.push({ start, end: Math.min(total, start + piece), done: 0 });
    state = { version: 1, total, parts };
  }
  const st: PartsState = state;
  const reused = st.parts.reduce((s, x) => s + x.done, 0);
  let done = reused;
  let transferred = 0;
  let retries = 0;
  const hasher: HashSession | undefined = p.newHasher(total);
  const controller = new AbortController();
  const signal = AbortSignal.any([p.signal, controller.signal]);
  /** Hand the hasher the contiguous prefix (a worker: every few MiB, fewer messages; `all`: whatever is new). */
  const advanceHash = (all = false) => {
    if (!hasher) return;
    const frontier = contiguousPrefix(st);
    const min = all || hasher.feedBytes ? 1 : HASH_FEED;
    if (frontier - hasher.fedUpTo >= min) hasher.feed(p.partialPath, hasher.fedUpTo, frontier);
  };
  let lastSave = 0;
  let saving: Promise<void> = Promise.resolve();
  const save = (force = false): Promise<void> | undefined => {
    const now = performance.now();
    if (!force && now - lastSave < STATE_EVERY_MS) return undefined;
    lastSave = now;
    // Saves run one after another so an older snapshot never lands after a newer one.
    const snapshot: PartsState = { ...st, parts: st.parts.map((x) => ({ ...x })) };
    saving = saving.then(() => writePartsState(dest, snapshot).catch(() => {}));
    return saving;
  };
  advanceHash(true);

  // The connections write one file: they take turns (the kernel would serialise them on the file's lock anyway).
  const write = serialWriter(p.fh);
  const fetchPiece = (piece: PartState) =>
    withRetry({
      fn: () =>
        fetchRange({
          file: p.file,
          fh: p.fh,
          partialPath: p.partialPath,
          write,
          from: piece.start + piece.done,
          end: piece.end,
          liveEnd: () => piece.end,
          // The whole rest of a fresh file as one piece: a server that ignores Range (200) sends just that.
          ...(p.onePiece && piece.start === 0 && piece.end === total ? { onWholeFile: async () => {} } : {}),
          dispatcher: p.dispatcher,
          rateLimiter: p.rateLimiter,
          stallTimeoutMs: p.stallTimeoutMs,
          rawBodyMinBytes: p.rawBodyMinBytes,
          detectHtml: p.detectHtml,
          classifyHttpError: p.classifyHttpError,
          onWritten: (at, n, buffers) => {
            piece.done = at - piece.start;
            done += n;
            transferred += n;
            p.writeback?.wrote(n);
            // Bytes that extend the hashed prefix are hashed as received by a hasher in this thread; the others are
            // read back once the prefix reaches them.
            if (hasher?.feedBytes && hasher.fedUpTo === at - n) hasher.feedBytes(at - n, buffers);
            advanceHash();
            p.onProgress(done, total);
            // A hashing worker that trails too far holds the transfer (the bytes it reads back stay in page cache).
            if (hasher && hasher.fedUpTo - hasher.hashedUpTo > MAX_HASH_LAG)
              return Promise.all([save(), hasher.waitLag(MAX_HASH_LAG / 2)]).then(() => {});
            return save();
          },
          signal,
        }),
      // A server that does not honour ranges will not start to: fall back to one stream at once.
      classify: (e) => (e instanceof RangeRefusedError ? { retry: false } : classifyTransferError(e)),
      policy: p.policy,
      progress: () => piece.done,
      signal,
      onRetry: (i) => {
        retries++;
        p.onRetry({ attempt: retries, reason: i.reason, waitMs: i.waitMs, bytesDone: done });
      },
    });

  // Pieces are handed out in file order: each connection takes the next one when it is free; once none is
  // left, it takes over the second half of the in-flight piece with the most bytes left.
  const pending = st.parts.filter((x) => x.done < x.end - x.start);
  const active = new Set<PartState>();
  let next = 0;
  let root: unknown;
  let failed = false;
  /** The in-flight piece with the most bytes left, and how many. */
  const slowest = (): [PartState | undefined, number] => {
    let slow: PartState | undefined;
    let left = 0;
    for (const x of active) {
      const l = x.end - x.start - x.done;
      if (l > left) [slow, left] = [x, l];
    }
    return [slow, left];
  };
  const split = (): PartState | undefined => {
    const [slow, left] = slowest();
    if (!slow || left < 2 * STEAL_MIN) return undefined;
    const at = slow.start + slow.done + Math.floor(left / 2 / STEAL_ALIGN) * STEAL_ALIGN;
    const tail: PartState = { start: at, end: slow.end, done: 0 };
    slow.end = at; // its transfer stops here (liveEnd)
    st.parts.splice(st.parts.indexOf(slow) + 1, 0, tail);
    return tail;
  };
  const connection = async () => {
    while (!signal.aborted) {
      const piece = next < pending.length ? pending[next++]! : split();
      if (!piece) return;
      active.add(piece);
      try {
        await fetchPiece(piece);
      } catch (e) {
        if (!failed) root = e; // the first failure is the cause; the others are its abort
        failed = true;
        controller.abort(); // one piece failed for good: stop the others, keep their bytes
        return;
      } finally {
        active.delete(piece);
      }
    }
  };
  // Connections of this transfer, its own and those of the run's idle connections that joined at the end.
  const running = new Set<Promise<void>>();
  const start = () => {
    const c = connection();
    running.add(c);
    void c.finally(() => running.delete(c));
    return c;
  };
  const takeable = () => {
    if (failed || signal.aborted) return 0;
    let queued = 0;
    for (let i = next; i < pending.length; i++) queued += pending[i]!.end - pending[i]!.start - pending[i]!.done;
    if (queued > 0) return queued;
    const left = slowest()[1];
    return left >= 2 * STEAL_MIN ? Math.floor(left / 2) : 0;
  };
  const unregister = p.tail?.add({ takeable, help: () => (takeable() > 0 ? start() : undefined) });
  try {
    for (let i = 0; i < Math.max(1, p.parts); i++) start();
    while (running.size) await Promise.all([...running]);
  } finally {
    unregister?.();
  }
  if (!failed && !p.signal.aborted) {
    await saving;
    await removePartsState(dest);
    advanceHash(true);
    return { size: total, bytesTransferred: transferred, bytesReused: reused, retries, hasher };
  }
  hasher?.drop();
  if (p.signal.aborted) {
    await save(true);
    throw new InterruptedError();
  }
  if (root instanceof RangeRefusedError) {
    // Parts are impossible with this server: start over as one stream.
    await saving;
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
