import { lstat, rename } from "node:fs/promises";
import { dirname } from "node:path";
import { FilesystemError } from "../errors.js";
import { ensureDirInside } from "./ensure-dir-inside.js";
import { fsyncDir } from "./fsync-dir.js";

/**
 * Rename a finished temporary file onto its final name, then fsync the folder. Refuses (FilesystemError
 * UNSAFE_FILE) when `from` is not a regular file, or, given the identity of the file it wrote, when
 * the name no longer points at that file (swapped for a link or another file meanwhile): a symbolic link
 * is never renamed into place. Given `root`, every folder between it and `to` is checked again first
 * (ensureDirInside, create: false): a folder swapped for a link meanwhile is refused. Errors of rename()
 * itself are thrown as they are, for the caller to map.
 */
export async function renameIntoPlace(params: {
  /** The temporary (or partial) file. */
  from: string;
  /** The final name. */
  to: string;
  /** Identity of the file the bytes were written through (fstat of its handle), checked against `from`. */
  expect?: { ino: number; dev: number };
  /** fsync the folder after the rename. @default true */
  syncDir?: boolean;
  /** The destination `to` must stay inside, re-checked for planted folder links just before the rename. */
  root?: string;
}): Promise<void> {
  if (params.root) await ensureDirInside({ root: params.root, dir: dirname(params.to), create: false });
  const st = await lstat(params.from);
  const own = params.expect;
  if (!st.isFile() || (own && (own.ino !== st.ino || own.dev !== st.dev))) {
    throw new FilesystemError(
      "UNSAFE_FILE",
      `${params.from} was replaced while llamagate wrote it; it is not moved into place.`,
      {
        hint: "Someone else may be able to write into that folder: check who can write there, then run again.",
        details: { path: params.from },
      },
    );
  }
  await rename(params.from, params.to);
  if (params.syncDir !== false) await fsyncDir(dirname(params.to));
}
