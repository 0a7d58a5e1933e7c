import { open, type FileHandle } from "node:fs/promises";
import { FilesystemError } from "../../core/errors.js";

/** Open a checkpoint file for positioned reads; a missing or unreadable file is a FilesystemError naming it. */
export async function openForReading(path: string, what: string): Promise<FileHandle> {
  try {
    return await open(path, "r");
  } catch (e) {
    throw new FilesystemError("READ_FAILED", `Cannot open ${what}: ${(e as NodeJS.ErrnoException).code ?? "error"}.`, {
      cause: e,
      hint: "Check that the file exists and is readable.",
    });
  }
}
