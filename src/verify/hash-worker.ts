/**
 * The hashing worker thread (started by hash-pool.ts from the compiled dist/verify/hash-worker.js). It reads byte
 * ranges of files itself (from the page cache right after they were written), so no file data crosses threads and
 * md5/sha256 run on other cores than the network code.
 *
 * md5 of several files at once (a Meta release's shards arriving together) goes through the multi-buffer kernel
 * (create-md5-lanes.ts): ranges are read straight into the kernel's memory, and the lanes are hashed four per SIMD
 * pass once every lane has bytes staged, or sooner when one lane's backlog grows (PRESSURE) or its digest is asked.
 * A stream alone, a resumed file's first long range, or a fifth stream use OpenSSL, as every other algorithm does.
 *
 * Messages in:  {t:"init", id, algorithms, gitSize?} | {t:"feed", id, path, start, end} |
 *               {t:"digest", id} | {t:"drop", id} | {t:"need", id, upTo} (someone waits for bytes [0, upTo))
 * Messages out: {t:"fed", id, upTo} | {t:"digest", id, hashes} | {t:"error", id, code, message}
 */
import { createHash, type Hash } from "node:crypto";
import { closeSync, openSync, readSync } from "node:fs";
import { parentPort } from "node:worker_threads";
import { createMd5Lanes, type Md5Lane, type Md5Lanes } from "./create-md5-lanes.js";
import type { HashAlgorithm } from "./hash-types.js";

export type HashWorkerIn =
  | { t: "init"; id: number; algorithms: readonly HashAlgorithm[]; gitSize?: number }
  | { t: "feed"; id: number; path: string; start: number; end: number }
  | { t: "digest"; id: number }
  | { t: "drop"; id: number }
  | { t: "need"; id: number; upTo: number };

export type HashWorkerOut =
  | { t: "fed"; id: number; upTo: number }
  | { t: "digest"; id: number; hashes: Partial<Record<HashAlgorithm, string>> }
  | { t: "error"; id: number; code?: string; message: string };

/** A lane's backlog (queued + staged) past which it is hashed without waiting for the other lanes. */
const PRESSURE = 16 << 20;
/** md5 streams in this worker from which a new one takes a lane (with fewer, a pass does not pay). */
const LANES_FROM = 3;

interface Range {
  path: string;
  start: number;
  end: number;
}

interface Session {
  id: number;
  /** OpenSSL hashers (md5 among them unless it is on a lane). */
  hashers: Partial<Record<HashAlgorithm, Hash>>;
  /** md5 on a lane of the multi-buffer kernel. */
  lane: Md5Lane | undefined;
  /** md5 asked for, and not yet placed on a lane or OpenSSL (decided at its first byte). */
  md5Pending: boolean;
  fd: number | undefined;
  path: string | undefined;
  /** Bytes read so far (hashed, or staged on the lane). */
  pos: number;
  /** Ranges fed and not read yet (lane sessions and undecided ones). */
  queue: Range[];
  digestAsked: boolean;
  /** A caller waits until bytes [0, needUpTo) are hashed: its lane does not wait for the others. */
  needUpTo: number;
  reported: number;
  failed: boolean;
}

const sessions = new Map<number, Session>();
const buf = Buffer.allocUnsafe(1 << 20);
const port = parentPort;
const post = (m: HashWorkerOut) => port?.postMessage(m);
let lanes: Md5Lanes | undefined | null = null; // null: not made yet
let pumpScheduled = false;

function closeQuietly(fd: number | undefined): void {
  if (fd === undefined) return;
  try {
    closeSync(fd);
  } catch {
    // already closed or gone: nothing to release
  }
}

function fail(s: Session, e: unknown): void {
  s.failed = true;
  s.lane?.release();
  s.lane = undefined;
  s.queue = [];
  closeQuietly(s.fd);
  s.fd = undefined;
  const err = e as NodeJS.ErrnoException;
  post({ t: "error", id: s.id, code: err?.code, message: String(err?.message ?? e) });
}

function fdFor(s: Session, path: string): number {
  if (s.path !== path) {
    closeQuietly(s.fd);
    s.fd = openSync(path, "r");
    s.path = path;
  }
  return s.fd!;
}

/** Read up to `into.length` bytes of `path` at `pos`; a file shorter than its range fails the session. */
function readAt(s: Session, path: string, into: Uint8Array, n: number, pos: number): number {
  const got = readSync(fdFor(s, path), into, 0, n, pos);
  if (got === 0) throw Object.assign(new Error("file is shorter than expected while hashing"), { code: "ESHORT" });
  return got;
}

/** Hash a range with OpenSSL (sessions without a lane), in 1 MiB reads. */
function hashRange(s: Session, r: Range): void {
  for (let pos = r.start; pos < r.end;) {
    const n = readAt(s, r.path, buf, Math.min(buf.length, r.end - pos), pos);
    const chunk = buf.subarray(0, n);
    for (const h of Object.values(s.hashers)) h.update(chunk);
    pos += n;
  }
  s.pos = r.end;
}

const queued = (s: Session) => s.queue.reduce((n, r) => n + r.end - r.start, 0);

/** At a session's first byte: md5 on a lane when enough md5 streams share this worker and it starts small. */
function placeMd5(s: Session): void {
  s.md5Pending = false;
  let streams = 0;
  for (const o of sessions.values()) if (!o.failed && (o.lane || o.md5Pending || o === s)) streams++;
  if (lanes === null) lanes = createMd5Lanes();
  // A long first range is a resumed file's partial: hashed alone, it would go through the slower scalar kernel.
  const first = s.queue[0];
  const long = first !== undefined && first.end - first.start >= PRESSURE;
  const lane = streams >= LANES_FROM && !long ? lanes?.open() : undefined;
  if (lane) s.lane = lane;
  else s.hashers.md5 = createHash("md5");
}

/** Read queued ranges into the lane's stage (and through the OpenSSL hashers beside it) while there is room. */
function stage(s: Session, lane: Md5Lane): void {
  while (s.queue.length > 0) {
    const r = s.queue[0]!;
    const room = lane.room();
    if (room.length < 64 << 10 && room.length < r.end - s.pos) return;
    const n = readAt(s, r.path, room, Math.min(room.length, r.end - s.pos), s.pos);
    for (const h of Object.values(s.hashers)) h.update(room.subarray(0, n));
    lane.commit(n);
    s.pos += n;
    if (s.pos === r.end) s.queue.shift();
  }
}

function finishDigest(s: Session): void {
  const hashes: Partial<Record<HashAlgorithm, string>> = {};
  for (const [a, h] of Object.entries(s.hashers) as [HashAlgorithm, Hash][]) hashes[a] = h.digest("hex");
  if (s.lane) hashes.md5 = s.lane.digest();
  closeQuietly(s.fd);
  sessions.delete(s.id);
  post({ t: "digest", id: s.id, hashes });
}

/** Run every session's queue as far as the lanes allow; post progress; answer digests that are due. */
function pump(): void {
  pumpScheduled = false;
  for (const s of sessions.values()) {
    if (s.failed || s.lane || s.queue.length === 0) continue;
    try {
      if (s.md5Pending) placeMd5(s);
      if (!s.lane) while (s.queue.length > 0) hashRange(s, s.queue.shift()!);
    } catch (e) {
      fail(s, e);
    }
  }
  const onLanes = () => [...sessions.values()].filter((s) => s.lane && !s.failed);
  for (;;) {
    for (const s of onLanes()) {
      try {
        stage(s, s.lane!);
      } catch (e) {
        fail(s, e);
      }
    }
    const active = onLanes();
    const ready = active.filter((s) => s.lane!.staged >= 64);
    if (ready.length === 0) break;
    const waitingFor = active.some((s) => s.lane!.staged < 64 && !s.digestAsked);
    const urgent = ready.some((s) => s.digestAsked || s.needUpTo > s.pos || queued(s) + s.lane!.staged >= PRESSURE);
    if (waitingFor && !urgent) break; // the next feed of the idle lane lets all four go in one pass
    lanes!.pass(ready.map((s) => s.lane!));
  }
  for (const s of [...sessions.values()]) {
    if (s.failed) continue;
    // Bytes staged on a lane count as taken: they are out of the file (what a wait on the lag is about) and a
    // lane keeps a partial block until the digest.
    const upTo = s.pos;
    if (upTo > s.reported) {
      s.reported = upTo;
      post({ t: "fed", id: s.id, upTo });
    }
    if (s.digestAsked && s.queue.length === 0) finishDigest(s);
  }
}

function schedulePump(): void {
  if (pumpScheduled) return;
  pumpScheduled = true;
  setImmediate(pump); // messages that arrived together are staged together
}

port?.on("message", (m: HashWorkerIn) => {
  if (m.t === "init") {
    const hashers: Session["hashers"] = {};
    for (const a of m.algorithms) {
      if (a === "git-sha1") {
        // git's blob id: sha1 over "blob <size>\0" and the content.
        hashers[a] = createHash("sha1").update(`blob ${m.gitSize}\0`);
      } else if (a !== "md5") hashers[a] = createHash(a);
    }
    sessions.set(m.id, {
      id: m.id,
      hashers,
      lane: undefined,
      md5Pending: m.algorithms.includes("md5"),
      fd: undefined,
      path: undefined,
      pos: 0,
      queue: [],
      digestAsked: false,
      needUpTo: 0,
      reported: 0,
      failed: false,
    });
    return;
  }
  const s = sessions.get(m.id);
  if (!s) return;
  if (m.t === "drop") {
    s.lane?.release();
    closeQuietly(s.fd);
    sessions.delete(m.id);
    return;
  }
  if (s.failed) return;
  if (m.t === "feed") {
    const last = s.queue.at(-1);
    const at = last ? last.end : s.pos;
    if (m.start !== at) return fail(s, new Error(`hash feed out of order: at ${at}, got ${m.start}`));
    s.queue.push({ path: m.path, start: m.start, end: m.end });
  } else if (m.t === "need") {
    s.needUpTo = Math.max(s.needUpTo, m.upTo);
  } else if (m.t === "digest") {
    if (s.md5Pending) placeMd5(s); // an empty file: nothing was fed
    s.digestAsked = true;
  }
  schedulePump();
});
