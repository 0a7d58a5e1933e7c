/**
 * Source of the hashing worker thread. It is evaluated as a string (`new Worker(src, {eval: true})`)
 * so the same code runs from dist/ and under vitest (which cannot start a .ts worker file).
 * The worker reads byte ranges of files itself (from the page cache right after they were written),
 * so no file data crosses threads and md5/sha256 run on other cores than the network code.
 *
 * Messages in:  {t:"init", id, algorithms, gitSize?} | {t:"feed", id, path, start, end} |
 *               {t:"digest", id} | {t:"drop", id}
 * Messages out: {t:"fed", id, upTo} | {t:"digest", id, hashes} | {t:"error", id, code, message}
 */
export const HASH_WORKER_SOURCE = String.raw`
const { parentPort } = require("node:worker_threads");
const crypto = require("node:crypto");
const fs = require("node:fs");
const sessions = new Map();
const buf = Buffer.allocUnsafe(1 << 20);
function fail(id, e) {
  parentPort.postMessage({ t: "error", id, code: e && e.code, message: String(e && e.message || e) });
}
parentPort.on("message", (m) => {
  if (m.t === "init") {
    const hashers = {};
    for (const a of m.algorithms) {
      if (a === "git-sha1") {
        const h = crypto.createHash("sha1");
        h.update("blob " + m.gitSize + "\0");
        hashers[a] = h;
      } else hashers[a] = crypto.createHash(a);
    }
    sessions.set(m.id, { hashers, fd: undefined, path: undefined, pos: 0, failed: false });
    return;
  }
  const s = sessions.get(m.id);
  if (!s) return;
  if (m.t === "drop") {
    if (s.fd !== undefined) try { fs.closeSync(s.fd); } catch {}
    sessions.delete(m.id);
    return;
  }
  if (s.failed) return;
  try {
    if (m.t === "feed") {
      if (m.start !== s.pos) throw new Error("hash feed out of order: at " + s.pos + ", got " + m.start);
      if (s.path !== m.path) {
        if (s.fd !== undefined) fs.closeSync(s.fd);
        s.fd = fs.openSync(m.path, "r");
        s.path = m.path;
      }
      let pos = m.start;
      while (pos < m.end) {
        const n = fs.readSync(s.fd, buf, 0, Math.min(buf.length, m.end - pos), pos);
        if (n === 0) throw Object.assign(new Error("file is shorter than expected while hashing"), { code: "ESHORT" });
        const chunk = buf.subarray(0, n);
        for (const h of Object.values(s.hashers)) h.update(chunk);
        pos += n;
      }
      s.pos = pos;
      parentPort.postMessage({ t: "fed", id: m.id, upTo: pos });
    } else if (m.t === "digest") {
      const hashes = {};
      for (const [a, h] of Object.entries(s.hashers)) hashes[a] = h.digest("hex");
      if (s.fd !== undefined) fs.closeSync(s.fd);
      sessions.delete(m.id);
      parentPort.postMessage({ t: "digest", id: m.id, hashes });
    }
  } catch (e) {
    s.failed = true;
    if (s.fd !== undefined) try { fs.closeSync(s.fd); } catch {}
    s.fd = undefined;
    fail(m.id, e);
  }
});
`;
