import { unlink } from "node:fs/promises";
import { readRegularFile } from "../core/fs/read-regular-file.js";
import { writeFileAtomic } from "../core/fs/write-file-atomic.js";

/** One byte range of a multi-part download: [start, end), `done` bytes written from `start`. */
export interface PartState {
  start: number;
  end: number;
  done: number;
}

/**
 * Resume state of a multi-part download, `<dest>.llamagate-parts.json`. Saved only after the bytes it
 * claims were written, so after a crash it never claims more than the partial file holds.
 */
export interface PartsState {
  version: 1;
  total: number;
  parts: PartState[];
}

/** A state file is a few KiB at most; anything bigger is not ours. */
const MAX_STATE_BYTES = 1 << 20;

export function partsStatePath(dest: string): string {
  return `${dest}.llamagate-parts.json`;
}

/**
 * The saved state if it is well-formed and describes a file of `total` bytes (when given). Read without
 * following a link, only from a regular file of the current user.
 */
export async function readPartsState(dest: string, total?: number): Promise<PartsState | undefined> {
  try {
    const text = await readRegularFile({
      path: partsStatePath(dest),
      maxBytes: MAX_STATE_BYTES,
      tooLarge: () => new Error("too large"),
    });
    const j = JSON.parse(text.toString("utf8")) as PartsState;
    if (j.version !== 1 || !Array.isArray(j.parts) || typeof j.total !== "number") return undefined;
    if (total !== undefined && j.total !== total) return undefined;
    let at = 0;
    for (const p of j.parts) {
      if (p.start !== at || !(p.end > p.start) || !(p.done >= 0 && p.done <= p.end - p.start)) return undefined;
      at = p.end;
    }
    return at === j.total ? j : undefined;
  } catch {
    return undefined;
  }
}

/** Save the state (unpredictable temp name, O_EXCL | O_NOFOLLOW, rename; no fsync: it is rewritten every second). */
export async function writePartsState(dest: string, state: PartsState): Promise<void> {
  await writeFileAtomic({ path: partsStatePath(dest), data: JSON.stringify(state), sync: false });
}

export async function removePartsState(dest: string): Promise<void> {
  await unlink(partsStatePath(dest)).catch(() => {});
}

/** Bytes from offset 0 that are certainly on disk (parts complete in order, then the first one's done). */
export function contiguousPrefix(state: PartsState): number {
  let n = 0;
  for (const p of state.parts) {
    n = p.start + p.done;
    if (p.done < p.end - p.start) break;
  }
  return n;
}
