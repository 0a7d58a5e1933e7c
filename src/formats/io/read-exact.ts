import type { FileHandle } from "node:fs/promises";
import { readExactInto } from "./read-exact-into.js";

/**
 * Read exactly `length` bytes at `position` with positioned reads (short reads are retried), so a
 * reader never loads more of a multi-GiB file than the slice it asked for.
 */
export async function readExact(
  handle: FileHandle,
  position: number,
  length: number,
  what: string,
  signal?: AbortSignal,
): Promise<Uint8Array> {
  const out = new Uint8Array(length);
  await readExactInto(handle, position, out, what, signal);
  return out;
}
