import type { FileHandle } from "node:fs/promises";
import { InterruptedError } from "../../core/errors.js";
import { CorruptFileError } from "../errors.js";

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
  if (signal?.aborted) throw new InterruptedError();
  const out = new Uint8Array(length);
  let done = 0;
  while (done < length) {
    const { bytesRead } = await handle.read(out, done, Math.min(length - done, 1 << 30), position + done);
    if (bytesRead === 0) {
      throw new CorruptFileError(`${what} ends early: wanted ${length} bytes at offset ${position}, got ${done}.`, {
        code: "TRUNCATED_FILE",
      });
    }
    done += bytesRead;
    if (signal?.aborted) throw new InterruptedError();
  }
  return out;
}
