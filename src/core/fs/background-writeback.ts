import type { FileHandle } from "node:fs/promises";

/** Shared by every file of one download: how many background fdatasync calls may run at once. */
export interface WritebackGate {
  /** Calls in flight now. */
  inFlight: number;
  /** Most calls in flight at once (each holds one libuv thread-pool thread while the disk works). */
  max: number;
}

/** Per-file writeback state; create one per open partial file. */
export interface FileWriteback {
  /** Note `bytes` more written; starts an fdatasync in the background every `everyBytes` when the gate allows. */
  wrote(bytes: number): void;
  /** Wait for the background call in flight (if any); throws the first error one of them hit. */
  settle(): Promise<void>;
}

/**
 * Start the kernel's writeback of a file while it is still being written: the dirty pages go to disk
 * during the transfer instead of all at once in the fsync before the rename (on a machine with lots of
 * RAM, background writeback would otherwise not start before gigabytes are dirty). The calls run in
 * the background (never awaited by the writer); their errors are kept and reported by `settle()`,
 * because a failed fdatasync consumes the error that the final fsync would otherwise report.
 */
export function fileWriteback(params: {
  /** The open file. */
  fh: FileHandle;
  /** Shared limit for the whole download. */
  gate: WritebackGate;
  /** Bytes written between two background calls. */
  everyBytes: number;
}): FileWriteback {
  const { fh, gate, everyBytes } = params;
  let pending = 0;
  let running: Promise<void> | undefined;
  let error: unknown;
  return {
    wrote(bytes) {
      pending += bytes;
      if (pending < everyBytes || running || gate.inFlight >= gate.max || error !== undefined) return;
      pending = 0;
      gate.inFlight++;
      running = fh.datasync().then(
        () => {
          gate.inFlight--;
          running = undefined;
        },
        (e: unknown) => {
          gate.inFlight--;
          running = undefined;
          error ??= e;
        },
      );
    },
    async settle() {
      await running;
      if (error !== undefined) throw error;
    },
  };
}
