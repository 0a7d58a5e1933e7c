/**
 * A pool of worker threads that hash files (md5 / sha256 / git-sha1) off the main thread.
 * The transfer engine opens one session per file and feeds it byte ranges as they land on disk;
 * `verify` uses `hashFile`. The pool belongs to one operation: create it, use it, `close()` it.
 */
import { Worker } from "node:worker_threads";
import { availableParallelism } from "node:os";
import { InterruptedError, LlamagateError } from "../core/errors.js";
import { workerModuleUrl } from "../core/worker-module-url.js";
import type { HashWorkerIn, HashWorkerOut } from "./hash-worker.js";

/** Every message to a hashing worker is one of its typed requests. */
const send = (w: Worker, m: HashWorkerIn) => w.postMessage(m);
import type { HashAlgorithm, HashResult } from "./hash-types.js";
import { workerExecArgv } from "../core/worker-exec-argv.js";

/** One file being hashed in order, range after range. */
export interface HashSession {
  /** Bytes [0, upTo) taken by the worker: hashed, or read into its md5 lanes (hashed by the digest at the latest). */
  readonly hashedUpTo: number;
  /** Bytes [0, fedUpTo) handed to the worker so far. */
  readonly fedUpTo: number;
  /** Hash bytes [start, end) of `path` (read back from the file); ranges must follow each other without gaps. */
  feed(path: string, start: number, end: number): void;
  /**
   * Hash `buffers`, the file's bytes from `start` on (start must be fedUpTo), as they were received: no read back.
   * Only sessions that hash in the calling thread have it (hashHere); the buffers are read during the call only.
   */
  feedBytes?(start: number, buffers: readonly Buffer[]): void;
  /** Resolves once the worker is at most `maxLagBytes` behind what was fed. */
  waitLag(maxLagBytes: number): Promise<void>;
  /** Final digests (lower-case hex); ends the session. */
  digest(): Promise<HashResult>;
  /** Abandon the session (errors, restarts). */
  drop(): void;
}

export interface HashPool {
  /** Start hashing a file. `gitSize` (the file's full size) is required for "git-sha1". */
  session(params: { algorithms: readonly HashAlgorithm[]; gitSize?: number }): HashSession;
  /** Hash a whole file (size read by the caller or by stat). Abort stops it within one 64 MiB slice. */
  hashFile(params: {
    path: string;
    size: number;
    algorithms: readonly HashAlgorithm[];
    signal?: AbortSignal;
  }): Promise<HashResult>;
  /** Stop the workers. */
  close(): Promise<void>;
}

const HASH_SLICE = 64 << 20;
const FIRST_SLICE = 4 << 20;

interface Waiter {
  upTo: number;
  resolve: () => void;
  reject: (e: unknown) => void;
}

interface SessionState {
  hashedUpTo: number;
  waiters: Waiter[];
  digest?: { resolve: (h: HashResult) => void; reject: (e: unknown) => void };
  error?: unknown;
}

/** Create a pool of `size` hashing workers (default: available cores, at most 8). */
export function createHashPool(
  params: {
    /** Number of worker threads. @default min(8, availableParallelism()) */
    size?: number;
  } = {},
): HashPool {
  const size = Math.max(1, params.size ?? Math.min(8, availableParallelism()));
  const workers: { worker: Worker; sessions: Map<number, SessionState> }[] = [];
  let nextId = 1;
  let closed = false;

  const failAll = (sessions: Map<number, SessionState>, e: unknown) => {
    for (const s of sessions.values()) failSession(s, e);
    sessions.clear();
  };

  // Workers start when a session needs one (a run that hashes nothing here starts none).
  const spawn = () => {
    // Small heaps: a hashing worker holds hash states, one 1 MiB read buffer and the md5 kernel (its memory lies
    // outside the heap: 16 MiB reserved, ~4 MiB touched) (keeps peak RSS low).
    const worker = new Worker(workerModuleUrl("verify/hash-worker.js"), {
      execArgv: workerExecArgv(),
      resourceLimits: { maxYoungGenerationSizeMb: 2, maxOldGenerationSizeMb: 16 },
    });
    const entry = { worker, sessions: new Map<number, SessionState>() };
    worker.on("message", (m: HashWorkerOut) => {
      const s = entry.sessions.get(m.id);
      if (!s) return;
      if (m.t === "fed") {
        s.hashedUpTo = m.upTo;
        s.waiters = s.waiters.filter((w) => (w.upTo <= s.hashedUpTo ? (w.resolve(), false) : true));
      } else if (m.t === "digest") {
        entry.sessions.delete(m.id);
        s.digest?.resolve(m.hashes);
      } else if (m.t === "error") {
        entry.sessions.delete(m.id);
        failSession(s, hashReadError(m.code, m.message));
      }
    });
    worker.on("error", (e) => failAll(entry.sessions, e));
    worker.on("exit", () =>
      failAll(
        entry.sessions,
        new LlamagateError("HASH_WORKER_EXIT", "internal", "A hashing worker stopped unexpectedly."),
      ),
    );
    workers.push(entry);
    return entry;
  };

  const pick = () => {
    const least = workers.length ? workers.reduce((a, b) => (b.sessions.size < a.sessions.size ? b : a)) : undefined;
    return least && (least.sessions.size === 0 || workers.length >= size) ? least : spawn();
  };

  const session: HashPool["session"] = ({ algorithms, gitSize }) => {
    if (closed) throw new LlamagateError("HASH_POOL_CLOSED", "internal", "The hashing pool is closed.");
    if (algorithms.includes("git-sha1") && gitSize === undefined) {
      throw new LlamagateError("HASH_GIT_SIZE", "internal", "git-sha1 needs the file size before hashing starts.");
    }
    const id = nextId++;
    const entry = pick();
    const state: SessionState = { hashedUpTo: 0, waiters: [] };
    entry.sessions.set(id, state);
    send(entry.worker, { t: "init", id, algorithms: [...new Set(algorithms)], gitSize });
    let fedUpTo = 0;
    let ended = false;
    return {
      get hashedUpTo() {
        return state.hashedUpTo;
      },
      get fedUpTo() {
        return fedUpTo;
      },
      feed(path, start, end) {
        if (ended || end <= start) return;
        if (start !== fedUpTo)
          throw new LlamagateError(
            "HASH_FEED_GAP",
            "internal",
            `Hash feed out of order (at ${fedUpTo}, got ${start}).`,
          );
        fedUpTo = end;
        send(entry.worker, { t: "feed", id, path, start, end });
      },
      waitLag(maxLagBytes) {
        if (state.error !== undefined) return Promise.reject(state.error);
        const upTo = fedUpTo - maxLagBytes;
        if (state.hashedUpTo >= upTo) return Promise.resolve();
        send(entry.worker, { t: "need", id, upTo }); // a stream on a lane does not wait for the others then
        return new Promise((resolve, reject) => state.waiters.push({ upTo, resolve, reject }));
      },
      digest() {
        ended = true;
        if (state.error !== undefined) return Promise.reject(state.error);
        return new Promise((resolve, reject) => {
          state.digest = { resolve, reject };
          send(entry.worker, { t: "digest", id });
        });
      },
      drop() {
        if (ended) return;
        ended = true;
        entry.sessions.delete(id);
        send(entry.worker, { t: "drop", id });
      },
    };
  };

  return {
    session,
    async hashFile({ path, size: fileSize, algorithms, signal }) {
      const s = session({ algorithms, gitSize: fileSize });
      // Feed in slices so an abort (or drop) takes effect between two of them, not after 100 GB. The first is small:
      // a worker puts a stream on an md5 lane only when it starts small (several files verified at once).
      for (let at = 0; at < fileSize;) {
        if (signal?.aborted) {
          s.drop();
          throw new InterruptedError();
        }
        const end = Math.min(fileSize, at + (at === 0 ? FIRST_SLICE : HASH_SLICE));
        s.feed(path, at, end);
        at = end;
        await s.waitLag(HASH_SLICE);
      }
      return s.digest();
    },
    async close() {
      closed = true;
      await Promise.all(workers.map((w) => w.worker.terminate()));
    },
  };
}

function failSession(s: SessionState, e: unknown): void {
  s.error = e;
  for (const w of s.waiters) w.reject(e);
  s.waiters = [];
  s.digest?.reject(e);
}

function hashReadError(code: string | undefined, message: string | undefined): LlamagateError {
  if (code === "ESHORT")
    return new LlamagateError("FILE_CHANGED", "integrity", "A file became shorter while it was being hashed.", {
      hint: "Make sure no other program writes to the download folder, then run again.",
    });
  return new LlamagateError(
    code === "ENOENT" ? "READ_ENOENT" : code === "EACCES" ? "READ_EACCES" : "HASH_READ",
    code === "EACCES" ? "filesystem" : "integrity",
    `Could not read a file for hashing (${code ?? message}).`,
    {
      hint: "Check that the file exists and is readable.",
    },
  );
}
