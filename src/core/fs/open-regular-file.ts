import { constants } from "node:fs";
import { open, type FileHandle } from "node:fs/promises";
import { FilesystemError } from "../errors.js";

/** How to open: read an existing file, update one in place, or create a new one (fails if the name exists). */
export type RegularFileMode = "read" | "update" | "create";

const NOFOLLOW = constants.O_NOFOLLOW ?? 0;
const NONBLOCK = constants.O_NONBLOCK ?? 0;
const FLAGS: Record<RegularFileMode, number> = {
  // O_NONBLOCK: a FIFO planted under the name must not block the open (it is refused just after).
  read: constants.O_RDONLY | NOFOLLOW | NONBLOCK,
  update: constants.O_RDWR | NOFOLLOW | NONBLOCK,
  create: constants.O_RDWR | constants.O_CREAT | constants.O_EXCL | NOFOLLOW,
};

/**
 * Open a file llamagate reads or writes in a folder other accounts might write to (a download folder,
 * a shared HF cache): never through a symbolic link (O_NOFOLLOW: a link fails with ELOOP), and only a
 * regular file owned by the current user with a single name (anything else: FilesystemError
 * UNSAFE_FILE). "create" adds O_CREAT | O_EXCL. Errors of open() itself are thrown as they are, for the
 * caller to map (filesystemErrorFrom) or to treat ENOENT as "absent".
 */
export async function openRegularFile(params: {
  /** The file. */
  path: string;
  /** What to do with it. */
  mode: RegularFileMode;
  /** Permission bits of a file made by "create" (before the umask). @default 0o644 */
  createMode?: number;
  /** Accept a file of another user ("read" of plain data such as a checklist in a shared folder). @default false */
  anyOwner?: boolean;
}): Promise<FileHandle> {
  const fh = await open(params.path, FLAGS[params.mode], params.createMode ?? 0o644);
  try {
    const st = await fh.stat();
    const uid = process.getuid?.();
    const why = !st.isFile()
      ? "is not a regular file"
      : uid !== undefined && st.uid !== uid && !params.anyOwner
        ? "belongs to another user"
        : params.mode !== "read" && st.nlink > 1
          ? "has other hard links"
          : undefined;
    if (why) {
      throw new FilesystemError(
        "UNSAFE_FILE",
        `${params.path} ${why}; llamagate does not write or trust such a file.`,
        {
          hint: "Someone else may be able to write into that folder: remove the file and check who can write there.",
          details: { path: params.path },
        },
      );
    }
    return fh;
  } catch (e) {
    await fh.close().catch(() => {});
    throw e;
  }
}
