import type { FileHandle } from "node:fs/promises";

/**
 * The most bytes one write call is given. On this project's VMs (memory handed back to the host: free page
 * reporting) 1 MiB writes made the engine 1.5× slower than 128 KiB ones in an A/B/A series once freed memory had
 * settled (docs/performance.md, "Write size"). Why is not settled: a later `dd` series found the cost of first writes
 * into page-cache pages in no order by block size (docs/performance.md, md5 lanes section). Elsewhere the extra
 * calls cost about 8,000 system calls per GiB.
 */
export const MAX_WRITE_CALL = 128 << 10;

/**
 * Write all of `buffers` at `position`, at most MAX_WRITE_CALL bytes per call, continuing after short writes (a
 * nearly full disk accepts part of a writev; the next call then fails with the real error, e.g. ENOSPC). Returns
 * the bytes written.
 */
export async function writeAllAt(fh: FileHandle, buffers: readonly Uint8Array[], position: number): Promise<number> {
  const end = position + buffers.reduce((s, b) => s + b.length, 0);
  let pos = position;
  let i = 0; // the buffer the next call starts in
  let off = 0; // and where in it
  while (pos < end) {
    const call: Uint8Array[] = [];
    let want = 0;
    for (let j = i, o = off; j < buffers.length && want < MAX_WRITE_CALL; j++, o = 0) {
      const b = buffers[j]!;
      const take = Math.min(b.length - o, MAX_WRITE_CALL - want);
      if (take <= 0) continue;
      call.push(o === 0 && take === b.length ? b : b.subarray(o, o + take));
      want += take;
    }
    const { bytesWritten } = await fh.writev(call, pos);
    if (bytesWritten === 0) throw Object.assign(new Error("write made no progress"), { code: "EIO" });
    pos += bytesWritten;
    for (let skip = bytesWritten; skip > 0;) {
      const left = buffers[i]!.length - off;
      if (skip < left) {
        off += skip;
        skip = 0;
      } else {
        skip -= left;
        i++;
        off = 0;
      }
    }
  }
  return pos - position;
}
