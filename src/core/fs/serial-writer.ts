import type { FileHandle } from "node:fs/promises";
import { writeAllAt } from "./write-all-at.js";

/**
 * writeAllAt for several writers of one file, one write at a time, in the order they ask. A buffered write takes
 * the file's inode lock for itself (ext4, xfs), so writes to one file from several connections never run in
 * parallel anyway; issued together, the kernel's threads spin on that lock instead (`rwsem_spin_on_owner`).
 * Measured on one 1 GiB file over 8 connections at 64 MB/s each: 1.6–2.2 s of system time instead of 2.0–3.7 s
 * (docs/performance.md). A failed write rejects its own caller only; the next one still runs.
 */
export function serialWriter(fh: FileHandle): (buffers: Buffer[], position: number) => Promise<number> {
  let last: Promise<unknown> = Promise.resolve();
  return (buffers, position) => {
    const mine = last.then(() => writeAllAt(fh, buffers, position));
    last = mine.catch(() => {});
    return mine;
  };
}
