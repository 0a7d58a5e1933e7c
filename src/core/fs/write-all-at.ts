import type { FileHandle } from "node:fs/promises";

/**
 * Write all of `buffers` at `position`, continuing after short writes (a nearly full disk accepts part
 * of a writev; the next call then fails with the real error, e.g. ENOSPC). Returns the bytes written.
 */
export async function writeAllAt(fh: FileHandle, buffers: Buffer[], position: number): Promise<number> {
  let pending = buffers;
  let pos = position;
  let total = 0;
  while (pending.length) {
    const want = pending.reduce((s, b) => s + b.length, 0);
    const { bytesWritten } = await fh.writev(pending, pos);
    total += bytesWritten;
    pos += bytesWritten;
    if (bytesWritten >= want) break;
    if (bytesWritten === 0) throw Object.assign(new Error("write made no progress"), { code: "EIO" });
    let skip = bytesWritten;
    const rest: Buffer[] = [];
    for (const b of pending) {
      if (skip >= b.length) {
        skip -= b.length;
        continue;
      }
      rest.push(skip > 0 ? b.subarray(skip) : b);
      skip = 0;
    }
    pending = rest;
  }
  return total;
}
