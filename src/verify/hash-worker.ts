/**
 * The hashing worker thread (started by hash-pool.ts from the compiled dist/verify/hash-worker.js). It reads byte
 * ranges of files itself (from the page cache right after they were written), so no file data crosses threads and
 * md5/sha256 run on other cores than the network code.
 *
 * Messages in:  {t:"init", id, algorithms, gitSize?} | {t:"feed", id, path, start, end} |
 *               {t:"digest", id} | {t:"drop", id}
 * Messages out: {t:"fed", id, upTo} | {t:"digest", id, hashes} | {t:"error", id, code, message}
 */
import { createHash, type Hash } from "node:crypto";
import { closeSync, openSync, readSync } from "node:fs";
import { parentPort } from "node:worker_threads";
import type { HashAlgorithm } from "./hash-types.js";

export type HashWorkerIn =
  | { t: "init"; id: number; algorithms: readonly HashAlgorithm[]; gitSize?: number }
  | { t: "feed"; id: number; path: string; start: number; end: number }
  | { t: "digest"; id: number }
  | { t: "drop"; id: number };

export type HashWorkerOut =
  | { t: "fed"; id: number; upTo: number }
  | { t: "digest"; id: number; hashes: Partial<Record<HashAlgorithm, string>> }
  | { t: "error"; id: number; code?: string; message: string };

interface Session {
  hashers: Partial<Record<HashAlgorithm, Hash>>;
  fd: number | undefined;
  path: string | undefined;
  pos: number;
  failed: boolean;
}

const sessions = new Map<number, Session>();
const buf = Buffer.allocUnsafe(1 << 20);
const port = parentPort;
const post = (m: HashWorkerOut) => port?.postMessage(m);

function closeQuietly(fd: number | undefined): void {
  if (fd === undefined) return;
  try {
    closeSync(fd);
  } catch {
    // already closed or gone: nothing to release
  }
}

port?.on("message", (m: HashWorkerIn) => {
  if (m.t === "init") {
    const hashers: Session["hashers"] = {};
    for (const a of m.algorithms) {
      if (a === "git-sha1") {
        // git's blob id: sha1 over "blob <size>\0" and the content.
        hashers[a] = createHash("sha1").update(`blob ${m.gitSize}\0`);
      } else hashers[a] = createHash(a);
    }
    sessions.set(m.id, { hashers, fd: undefined, path: undefined, pos: 0, failed: false });
    return;
  }
  const s = sessions.get(m.id);
  if (!s) return;
  if (m.t === "drop") {
    closeQuietly(s.fd);
    sessions.delete(m.id);
    return;
  }
  if (s.failed) return;
  try {
    if (m.t === "feed") {
      if (m.start !== s.pos) throw new Error(`hash feed out of order: at ${s.pos}, got ${m.start}`);
      if (s.path !== m.path) {
        closeQuietly(s.fd);
        s.fd = openSync(m.path, "r");
        s.path = m.path;
      }
      let pos = m.start;
      while (pos < m.end) {
        const n = readSync(s.fd!, buf, 0, Math.min(buf.length, m.end - pos), pos);
        if (n === 0) throw Object.assign(new Error("file is shorter than expected while hashing"), { code: "ESHORT" });
        const chunk = buf.subarray(0, n);
        for (const h of Object.values(s.hashers)) h.update(chunk);
        pos += n;
      }
      s.pos = pos;
      post({ t: "fed", id: m.id, upTo: pos });
    } else if (m.t === "digest") {
      const hashes: Partial<Record<HashAlgorithm, string>> = {};
      for (const [a, h] of Object.entries(s.hashers) as [HashAlgorithm, Hash][]) hashes[a] = h.digest("hex");
      closeQuietly(s.fd);
      sessions.delete(m.id);
      post({ t: "digest", id: m.id, hashes });
    }
  } catch (e) {
    s.failed = true;
    closeQuietly(s.fd);
    s.fd = undefined;
    const err = e as NodeJS.ErrnoException;
    post({ t: "error", id: m.id, code: err?.code, message: String(err?.message ?? e) });
  }
});
