import { open, readFile, rename, unlink } from "node:fs/promises";
import { hostname } from "node:os";
import { join } from "node:path";
import { FilesystemError } from "../errors.js";
import { filesystemErrorFrom } from "./filesystem-error-from.js";

/** Name of the lock file llamagate keeps in a destination folder while it writes there. */
export const LOCK_FILE_NAME = ".llamagate.lock";

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

/**
 * Take the folder's lock file (`<dir>/.llamagate.lock`, created with O_EXCL). A lock left by a
 * process that no longer runs on this host is taken over; a live one throws FilesystemError LOCK_HELD.
 * The lock only prevents two runs from fighting: the engine's correctness never depends on it
 * (temp names are process-unique and every file is renamed into place only after verification).
 */
export async function acquireDirLock(params: {
  /** Existing folder to lock. */
  dir: string;
  /** Injectable liveness check (tests). @default process.kill(pid, 0) */
  isAlive?: (pid: number) => boolean;
}): Promise<DirLock> {
  const path = join(params.dir, LOCK_FILE_NAME);
  const isAlive = params.isAlive ?? pidAlive;
  const body: LockBody = { pid: process.pid, host: hostname(), startedAt: new Date().toISOString() };
  for (let tries = 0; tries < 3; tries++) {
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
    const stale = holder === undefined || (holder.host === hostname() && holder.pid !== process.pid && !isAlive(holder.pid));
    if (!stale) {
      throw new FilesystemError("LOCK_HELD", `Another llamagate run (pid ${holder!.pid} on ${holder!.host}) is writing to ${params.dir}.`, {
        hint: `Wait for it to finish. If no llamagate process is running, delete ${path} and run again.`,
        details: { dir: params.dir, pid: holder!.pid, host: holder!.host },
      });
    }
    // Stale: move it aside atomically (only one contender wins the rename), then retry the O_EXCL create.
    const aside = `${path}.stale-${process.pid}`;
    await rename(path, aside).then(
      () => unlink(aside).catch(() => {}),
      () => {},
    );
  }
  throw new FilesystemError("LOCK_HELD", `Could not take the lock ${path}.`, { hint: "Another llamagate run may be starting; try again." });
}

async function readLock(path: string): Promise<LockBody | undefined> {
  try {
    const j = JSON.parse(await readFile(path, "utf8")) as Partial<LockBody>;
    if (typeof j.pid === "number" && typeof j.host === "string") return { pid: j.pid, host: j.host, startedAt: String(j.startedAt) };
  } catch {
    // Unreadable or half-written: treat as stale only if it stays that way (caller retries).
  }
  return undefined;
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}
