import type { FileHandle } from "node:fs/promises";
import { InterruptedError } from "../../core/errors.js";
import { CorruptFileError } from "../errors.js";

/**
 * readExact() into a caller's buffer, so hot loops can reuse one buffer
 * (`dest.byteLength` bytes at `position`; short reads are retried, a short file is CORRUPT).
 */
export async function readExactInto(
  handle: FileHandle,
  position: number,
  dest: Uint8Array,
  what: string,
  signal?: AbortSignal,
): Promise<void> {
  if (signal?.aborted) throw new InterruptedError();
  const length = dest.byteLength;
  let done = 0;
  while (done < length) {
    const { bytesRead } = await handle.read(dest, done, Math.min(length - done, 1 << 30), position + done);
    if (bytesRead === 0) {
      throw new CorruptFileError(`${what} ends early: wanted ${length} bytes at offset ${position}, got ${done}.`, {
        code: "TRUNCATED_FILE",
      });
    }
    done += bytesRead;
    if (signal?.aborted) throw new InterruptedError();
  }
}
