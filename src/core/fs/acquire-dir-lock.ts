import { open, readFile, rename, unlink } from "node:fs/promises";
import { hostname } from "node:os";
import { join } from "node:path";
import { FilesystemError, InterruptedError } from "../errors.js";
import { sleep } from "../retry.js";
import { filesystemErrorFrom } from "./filesystem-error-from.js";
import { pidAlive } from "../pid-alive.js";

/** Name of the lock file llamagate keeps in a destination folder while it writes there. */
const LOCK_FILE_NAME = ".llamagate.lock";

/** A held lock; call release() when done (idempotent). */
export interface DirLock {
  path: string;
  release(): Promise<void>;
}

interface LockBody {
  pid: number;
  host: string;
  startedAt: string;
}

/** What a caller hears while it waits for another run's lock. */
export interface LockWaitInfo {
  /** The folder being waited for. */
  dir: string;
  /** Process holding the lock. */
  pid: number;
  /** Host name written by that process. */
  host: string;
  /** Time waited so far, in ms. */
  waitedMs: number;
  /** Time it will wait in all, in ms. */
  timeoutMs: number;
}

/**
 * Take the folder's lock file (`<dir>/.llamagate.lock`, created with O_EXCL). A lock left by a
 * process that no longer runs on this host is taken over at once. A live one is waited for, up to
 * `waitMs` (polling; `onWait` is called when the wait starts and about every `noticeEveryMs`), then
 * FilesystemError LOCK_HELD is thrown. The lock only prevents two runs from fighting: the engine's
 * correctness never depends on it (temp names are process-unique and every file is renamed into place
 * only after verification).
 */
export async function acquireDirLock(params: {
  /** Existing folder to lock. */
  dir: string;
  /**
   * Lock file name, for a lock on one output inside a shared folder (convert: `.<output>.llamagate.lock`).
   * @default ".llamagate.lock" (the whole folder)
   */
  name?: string;
  /** Injectable liveness check (tests). @default process.kill(pid, 0) */
  isAlive?: (pid: number) => boolean;
  /** How long to wait for a live holder to let go, in ms (0 = fail at once). @default 0 */
  waitMs?: number;
  /** Interval between two looks at the lock while waiting, in ms. @default 500 */
  pollMs?: number;
  /** Called when a wait starts and then about every `noticeEveryMs` while it lasts. */
  onWait?: (info: LockWaitInfo) => void;
  /** Interval between two onWait calls, in ms. @default 10000 */
  noticeEveryMs?: number;
  /** Stops the wait (InterruptedError). */
  signal?: AbortSignal;
}): Promise<DirLock> {
  const path = join(params.dir, params.name ?? LOCK_FILE_NAME);
  const isAlive = params.isAlive ?? pidAlive;
  const waitMs = Math.max(0, params.waitMs ?? 0);
  const pollMs = Math.max(10, params.pollMs ?? 500);
  const noticeEveryMs = params.noticeEveryMs ?? 10_000;
  const body: LockBody = { pid: process.pid, host: hostname(), startedAt: new Date().toISOString() };
  const t0 = Date.now();
  let lastNotice: number | undefined;
  let takeovers = 0;
  let unreadable = 0;
  for (;;) {
    if (params.signal?.aborted) throw new InterruptedError();
    try {
      const fh = await open(path, "wx");
      try {
        await fh.writeFile(JSON.stringify(body));
      } finally {
        await fh.close();
      }
      let released = false;
      return {
        path,
        async release() {
          if (released) return;
          released = true;
          // Only remove it if it is still ours (a takeover by another run must not be undone).
          const cur = await readLock(path);
          if (cur?.pid === body.pid && cur.startedAt === body.startedAt) await unlink(path).catch(() => {});
        },
      };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw filesystemErrorFrom(e, path, "create the lock file");
    }
    const holder = await readLock(path);
    // An unreadable lock may be one another run is writing right now: look again before taking it.
    if (holder === undefined && unreadable++ < 2) {
      await sleep(50, params.signal);
      continue;
    }
    const stale =
      holder === undefined || (holder.host === hostname() && holder.pid !== process.pid && !isAlive(holder.pid));
    if (stale) {
      if (++takeovers > 3)
        throw new FilesystemError("LOCK_HELD", `Could not take the lock ${path}.`, {
          hint: "Another llamagate run may be starting; try again.",
        });
      // Move it aside atomically (only one contender wins the rename), then retry the O_EXCL create.
      const aside = `${path}.stale-${process.pid}`;
      await rename(path, aside).then(
        () => unlink(aside).catch(() => {}),
        () => {},
      );
      unreadable = 0;
      continue;
    }
    const waited = Date.now() - t0;
    if (waited >= waitMs) {
      const after = waitMs > 0 ? ` (waited ${Math.round(waited / 1000)} s)` : "";
      throw new FilesystemError(
        "LOCK_HELD",
        `Another llamagate run (pid ${holder!.pid} on ${holder!.host}) is writing to ${params.dir}${after}.`,
        {
          hint: `Wait for it to finish, or allow a longer wait. If no llamagate process is running, delete ${path} and run again.`,
          details: { dir: params.dir, pid: holder!.pid, host: holder!.host, waitedMs: waited },
        },
      );
    }
    if (lastNotice === undefined || Date.now() - lastNotice >= noticeEveryMs) {
      lastNotice = Date.now();
      params.onWait?.({ dir: params.dir, pid: holder!.pid, host: holder!.host, waitedMs: waited, timeoutMs: waitMs });
    }
    await sleep(Math.min(pollMs, Math.max(1, waitMs - waited)), params.signal);
  }
}

async function readLock(path: string): Promise<LockBody | undefined> {
  try {
    const j = JSON.parse(await readFile(path, "utf8")) as Partial<LockBody>;
    if (typeof j.pid === "number" && typeof j.host === "string")
      return { pid: j.pid, host: j.host, startedAt: String(j.startedAt) };
  } catch {
    // Unreadable or half-written: treat as stale only if it stays that way (caller retries).
  }
  return undefined;
}
