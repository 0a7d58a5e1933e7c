import { lstat, mkdir, readlink, stat } from "node:fs/promises";
import { dirname, join, relative, resolve, sep, isAbsolute } from "node:path";
import { FilesystemError } from "../errors.js";
import { filesystemErrorFrom, type FsErrorContext } from "./filesystem-error-from.js";

/**
 * Make sure `dir` is a real folder inside `root`, walking it one component at a time: `root` itself (the
 * folder the user picked; it may be a link they made) is created if missing, then every component below
 * it is looked at with lstat, created (one mkdir each, never `recursive`) when absent and `create` is
 * set, and refused when it is a symbolic link (FilesystemError UNSAFE_FOLDER, naming the planted path
 * and where it points) or not a folder (PATH_CONFLICT). Every writer calls it for the folder it writes
 * into, and once more just before a rename into place (`create: false`), so a folder planted as a link
 * inside a shared destination never sends a file (or a move aside) elsewhere. A filesystem that refuses
 * new folders (/proc answers ENOENT for a parent that exists) fails at once instead of looping the way
 * `mkdir -p` does there. Returns the first folder it created (undefined when none was).
 */
export async function ensureDirInside(params: {
  /** The destination the user picked (`--dir`, the Hub cache, ...). */
  root: string;
  /** The folder about to be written into: `root` or below it. */
  dir: string;
  /** Create missing folders. @default true */
  create?: boolean;
  /** What hints say (the flag that picks the location). */
  errorContext?: FsErrorContext;
}): Promise<string | undefined> {
  const root = resolve(params.root);
  const dir = resolve(params.dir);
  const create = params.create !== false;
  const flag = params.errorContext?.flag ?? "--dir";
  const rel = relative(root, dir);
  if (rel === ".." || rel.startsWith(`..${sep}`) || isAbsolute(rel)) {
    throw new FilesystemError("UNSAFE_FOLDER", `${dir} is not inside ${root}; llamagate does not write there.`, {
      hint: "Report this: a path from a listing or a bundle left its destination.",
      details: { path: dir, root },
    });
  }
  let created = create ? await ensureRoot(root, flag) : undefined;
  const st = await stat(root).catch((e: NodeJS.ErrnoException) => {
    if (e.code === "ENOENT" && !create) return undefined; // nothing below it exists either
    throw filesystemErrorFrom(e, root, "open the folder", { fallbackCode: "PATH_CONFLICT", ...params.errorContext });
  });
  if (!st) return created;
  if (!st.isDirectory()) throw notAFolder(root, flag);
  let cur = root;
  for (const part of rel === "" ? [] : rel.split(sep)) {
    cur = join(cur, part);
    let s = await lstat(cur).catch((e: NodeJS.ErrnoException) => {
      if (e.code === "ENOENT") return undefined;
      throw filesystemErrorFrom(e, cur, "open the folder", params.errorContext);
    });
    if (!s && create) {
      const made = await mkdirOne(cur, flag, params.errorContext);
      if (made) created ??= cur;
      s = await lstat(cur);
    }
    if (!s) return created; // nothing below an absent folder exists either (create: false)
    if (s.isSymbolicLink()) {
      const target = await readlink(cur).catch(() => "?");
      throw new FilesystemError(
        "UNSAFE_FOLDER",
        `${cur} is a symbolic link (to ${target}) inside the destination ${root}; llamagate does not write through it.`,
        {
          hint: `Someone who can write into ${root} may have planted it: remove ${cur}, check who can write there, then run again.`,
          details: { path: cur, target, root },
        },
      );
    }
    if (!s.isDirectory()) throw notAFolder(cur, flag);
  }
  return created;
}

function notAFolder(path: string, flag: string): FilesystemError {
  return new FilesystemError("PATH_CONFLICT", `${path} is not a folder.`, {
    hint: `Move that file away, or pick another ${flag}.`,
    details: { path },
  });
}

/** One mkdir; true when this call made it, false when it was already there. */
async function mkdirOne(path: string, flag: string, ctx: FsErrorContext | undefined): Promise<boolean> {
  try {
    await mkdir(path);
    return true;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "EEXIST") return false;
    if (code === "ENOENT") {
      // The parent exists (it was just looked at), yet the filesystem says it does not: /proc, /sys and
      // similar pseudo filesystems, where `mkdir -p` would retry forever.
      throw new FilesystemError(
        "PATH_CONFLICT",
        `Cannot create the folder ${path}: that filesystem does not allow new folders.`,
        {
          hint: `Pick a folder on a real disk (${flag}).`,
          cause: e,
          details: { path, errno: code },
        },
      );
    }
    throw filesystemErrorFrom(e, path, "create the folder", ctx);
  }
}

/** Create `root` and any missing parents (links above it are the user's own layout and are followed). */
async function ensureRoot(root: string, flag: string): Promise<string | undefined> {
  const missing: string[] = [];
  let cur = root;
  for (;;) {
    const s = await stat(cur).catch((e: NodeJS.ErrnoException) => {
      if (e.code === "ENOENT") return undefined;
      throw filesystemErrorFrom(e, cur, "open the folder", { flag });
    });
    if (s) {
      if (!s.isDirectory()) throw notAFolder(cur, flag);
      break;
    }
    missing.unshift(cur);
    const up = dirname(cur);
    if (up === cur) break;
    cur = up;
  }
  let first: string | undefined;
  for (const d of missing) if ((await mkdirOne(d, flag, { flag })) && !first) first = d;
  return first;
}
