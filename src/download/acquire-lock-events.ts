import { acquireDirLock, type DirLock } from "../core/fs/acquire-dir-lock.js";
import { EventQueue } from "../core/event-queue.js";
import type { DownloadEvent } from "./types.js";

/**
 * Take a folder's lock like acquireDirLock, waiting up to `waitMs` for another live run, and yield a
 * `lock-wait` event when the wait starts and about every 10 s while it lasts (so a CLI can say why
 * nothing happens). Returns the held lock. If the consumer stops early, a lock obtained later is released.
 */
export async function* acquireLockEvents(params: {
  /** Folder to lock (must exist). */
  dir: string;
  /** Longest wait for a live holder, in ms. */
  waitMs: number;
  /** Stops the wait (InterruptedError). */
  signal?: AbortSignal;
}): AsyncGenerator<DownloadEvent, DirLock> {
  const queue = new EventQueue<DownloadEvent>();
  let outcome: { lock: DirLock } | { error: unknown } | undefined;
  const pending = acquireDirLock({
    dir: params.dir,
    waitMs: params.waitMs,
    signal: params.signal,
    onWait: (i) => queue.push({ type: "lock-wait", ...i }),
  });
  pending.then(
    (lock) => {
      outcome = { lock };
      queue.wake();
    },
    (error: unknown) => {
      outcome = { error };
      queue.wake();
    },
  );
  let handedOver = false;
  try {
    for (;;) {
      for (const e of queue.drain()) yield e;
      if (outcome) {
        if ("error" in outcome) throw outcome.error;
        handedOver = true;
        return outcome.lock;
      }
      await queue.wait();
    }
  } finally {
    if (!handedOver)
      pending.then(
        (l) => l.release(),
        () => {},
      );
  }
}
