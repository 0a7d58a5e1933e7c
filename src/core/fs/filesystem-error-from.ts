import { FilesystemError, LlamagateError } from "../errors.js";

/**
 * Turn a Node fs error (ENOSPC, EACCES, EROFS, EDQUOT, EMFILE...) into a FilesystemError with a hint.
 * `path` must be a local path (never a URL). Anything that is not an fs error is returned unchanged.
 */
export function filesystemErrorFrom(e: unknown, path: string, action = "write"): unknown {
  if (e instanceof LlamagateError) return e;
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  switch (code) {
    case "ENOSPC":
    case "EDQUOT":
      return new FilesystemError("DISK_FULL", `No space left on the device while writing ${path}.`, {
        hint: "Free some disk space or pick another --dir, then run the same command again: the partial download is kept and resumes.",
        cause: e,
        details: { path, errno: code },
      });
    case "EACCES":
    case "EPERM":
      return new FilesystemError("PERMISSION_DENIED", `Permission denied: cannot ${action} ${path}.`, {
        hint: "Pick a folder you can write to (--dir), or fix its permissions.",
        cause: e,
        details: { path, errno: code },
      });
    case "EROFS":
      return new FilesystemError("READ_ONLY_FS", `The filesystem holding ${path} is read-only.`, {
        hint: "Pick a folder on a writable disk (--dir).",
        cause: e,
        details: { path, errno: code },
      });
    case "ENOTDIR":
    case "EISDIR":
    case "EEXIST":
      return new FilesystemError("PATH_CONFLICT", `Cannot ${action} ${path}: something of another type is in the way (${code}).`, {
        hint: "Move the conflicting file or folder away, or pick another --dir.",
        cause: e,
        details: { path, errno: code },
      });
    case "EMFILE":
    case "ENFILE":
      return new FilesystemError("TOO_MANY_OPEN_FILES", `Too many open files while trying to ${action} ${path}.`, {
        hint: "Lower the concurrency or raise the open-file limit (ulimit -n).",
        cause: e,
        details: { path, errno: code },
      });
    case "EIO":
      return new FilesystemError("IO_ERROR", `I/O error while trying to ${action} ${path}.`, {
        hint: "The disk may be failing or disconnected; check it and run again.",
        cause: e,
        details: { path, errno: code },
      });
    default:
      return e;
  }
}
