import { FilesystemError, LlamagateError } from "../errors.js";
import type { ErrorCode } from "../error-codes.js";

/** What the mapped error's hint may say about the operation that failed. */
export interface FsErrorContext {
  /** The flag that picks the location, named in hints. @default "--dir" */
  flag?: string;
  /** What was kept, said after a full disk (e.g. "the partial download is kept and resumes"). */
  kept?: string;
  /** Code for an fs error this mapper has no specific code for (it is then wrapped, not returned raw). */
  fallbackCode?: ErrorCode;
}

const DEFAULT_KEPT = "the partial download is kept and resumes";

/**
 * The one errno mapper: turn a Node fs error (ENOSPC, EDQUOT, EACCES, EPERM, EROFS, ENOTDIR, EISDIR,
 * EEXIST, ELOOP, ENAMETOOLONG, EMFILE, EIO) into a FilesystemError with a stable code and a hint that
 * says what to do. The engine, the format writers and convert all report through it, so a full disk is
 * DISK_FULL everywhere. `path` must be a local path (never a URL). Anything that is not an fs error
 * (or an errno it does not know) is returned unchanged.
 */
export function filesystemErrorFrom(e: unknown, path: string, action = "write", context: FsErrorContext = {}): unknown {
  if (e instanceof LlamagateError) return e;
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  const flag = context.flag ?? "--dir";
  const kept = context.kept ?? DEFAULT_KEPT;
  const details = { path, errno: code };
  switch (code) {
    case "ENOSPC":
    case "EDQUOT":
      return new FilesystemError("DISK_FULL", `No space left on the device while trying to ${action} ${path}.`, {
        hint: `Free some disk space or pick another ${flag}, then run the same command again: ${kept}.`,
        cause: e,
        details,
      });
    case "EACCES":
    case "EPERM":
      return new FilesystemError("PERMISSION_DENIED", `Permission denied: cannot ${action} ${path}.`, {
        hint: `Pick a folder you can write to (${flag}), or fix its permissions.`,
        cause: e,
        details,
      });
    case "EROFS":
      return new FilesystemError("READ_ONLY_FS", `The filesystem holding ${path} is read-only.`, {
        hint: `Pick a folder on a writable disk (${flag}).`,
        cause: e,
        details,
      });
    case "ENOTDIR":
      return new FilesystemError(
        "PATH_CONFLICT",
        `Cannot ${action} ${path}: a part of that path is a file, not a folder.`,
        {
          hint: `Move that file away, or pick another ${flag}.`,
          cause: e,
          details,
        },
      );
    case "EISDIR":
    case "EEXIST":
      return new FilesystemError(
        "PATH_CONFLICT",
        `Cannot ${action} ${path}: something of another type is in the way (${code}).`,
        {
          hint: `Move the conflicting file or folder away, or pick another ${flag}.`,
          cause: e,
          details,
        },
      );
    case "ELOOP":
      return new FilesystemError(
        "UNSAFE_FILE",
        `Cannot ${action} ${path}: it is a symbolic link, which llamagate never follows there.`,
        {
          hint: "Someone else may be able to write into that folder: remove the link and check who can write there.",
          cause: e,
          details,
        },
      );
    case "ENAMETOOLONG":
      return new FilesystemError(
        "NAME_TOO_LONG",
        `Cannot ${action} ${path}: a file name or the path is too long for the filesystem.`,
        {
          hint: `Pick a shorter ${flag}; a file name in a listing longer than 255 bytes cannot be stored on this disk.`,
          cause: e,
          details,
        },
      );
    case "EMFILE":
    case "ENFILE":
      return new FilesystemError("TOO_MANY_OPEN_FILES", `Too many open files while trying to ${action} ${path}.`, {
        hint: "Lower the concurrency or raise the open-file limit (ulimit -n).",
        cause: e,
        details,
      });
    case "EIO":
      return new FilesystemError("IO_ERROR", `I/O error while trying to ${action} ${path}.`, {
        hint: "The disk may be failing or disconnected; check it and run again.",
        cause: e,
        details,
      });
    default:
      if (context.fallbackCode && typeof code === "string") {
        return new FilesystemError(context.fallbackCode, `Cannot ${action} ${path} (${code}).`, {
          hint: `Check the location, or pick another ${flag}.`,
          cause: e,
          details,
        });
      }
      return e;
  }
}
