import { statfs } from "node:fs/promises";
import { FilesystemError } from "../errors.js";
import { formatBytes } from "../format-bytes.js";

/**
 * Free-space preflight: throws FilesystemError DISK_FULL when `dir` (which must exist) has fewer than
 * `neededBytes` available to this user. A filesystem that cannot report its space is not blocked.
 */
export async function checkFreeSpace(params: {
  /** The folder written to (named in the error); it must exist unless `statDir` is given. */
  dir: string;
  /** An existing folder on the same filesystem to ask instead (a plan made before `dir` is created). @default dir */
  statDir?: string;
  /** Bytes the operation still has to write. */
  neededBytes: number;
  /** Injectable statfs (tests). */
  statfsImpl?: (dir: string) => Promise<{ bavail: number | bigint; bsize: number | bigint }>;
}): Promise<{ availableBytes: number | undefined }> {
  let available: number;
  try {
    const s = await (params.statfsImpl ?? statfs)(params.statDir ?? params.dir);
    available = Number(s.bavail) * Number(s.bsize);
  } catch {
    return { availableBytes: undefined };
  }
  if (params.neededBytes > available) {
    throw new FilesystemError(
      "DISK_FULL",
      `Not enough free space in ${params.dir}: the download needs ${formatBytes(params.neededBytes)} more, ${formatBytes(available)} available.`,
      {
        hint: "Free some disk space or pick a folder on a bigger disk (--dir); files already downloaded are kept.",
        details: { dir: params.dir, neededBytes: params.neededBytes, availableBytes: available },
      },
    );
  }
  return { availableBytes: available };
}
