import { lstat } from "node:fs/promises";
import { UsageError } from "../errors.js";
import { filesystemErrorFrom } from "./filesystem-error-from.js";

/**
 * The one overwrite rule for a single-file output (`pack -o`; convert applies the same rule to its
 * outputs): a path that already exists is refused (UsageError OUTPUT_EXISTS, exit 2) unless `force`, and
 * even then only a regular file is replaced, never a folder or a link.
 */
export async function refuseExistingOutput(params: {
  /** The output path. */
  path: string;
  /** --force was given. */
  force: boolean;
  /** The flag that picks the output, named in the hint. */
  flag: string;
}): Promise<void> {
  const existing = await lstat(params.path).catch((e: NodeJS.ErrnoException) => {
    if (e.code === "ENOENT") return undefined;
    throw filesystemErrorFrom(e, params.path, "inspect", { flag: params.flag });
  });
  if (!existing || (params.force && existing.isFile())) return;
  throw new UsageError(`${params.path} already exists${existing.isFile() ? "" : " and is not a regular file"}.`, {
    code: "OUTPUT_EXISTS",
    hint: existing.isFile()
      ? `Pass --force to replace it, or choose another ${params.flag}.`
      : `Choose another ${params.flag}.`,
    details: { path: params.path },
  });
}
