import { open } from "node:fs/promises";
import { dirname } from "node:path";
import { FilesystemError } from "../core/errors.js";
import { ensureDirInside } from "../core/fs/ensure-dir-inside.js";
import type { AuditEntry } from "./audit-entry.js";

export interface AppendAuditEntryParams {
  /** The audit log file (JSON lines); created with its folder when missing. */
  path: string;
  entry: AuditEntry;
}

/**
 * Append one entry to the audit log. Opened in append mode and written as one line in a single
 * write, then fsynced, so existing lines are never rewritten and a crash cannot leave a half
 * entry in the middle of the file.
 */
export async function appendAuditEntry({ path, entry }: AppendAuditEntryParams): Promise<void> {
  try {
    // Made one folder at a time: a data folder under /proc fails at once, one naming a file says so.
    await ensureDirInside({ root: dirname(path), dir: dirname(path), errorContext: { flag: "LLAMAGATE_DATA_DIR" } });
    const fh = await open(path, "a", 0o600);
    try {
      await fh.write(`${JSON.stringify(entry)}\n`);
      await fh.sync();
    } finally {
      await fh.close();
    }
  } catch (e) {
    if (e instanceof FilesystemError)
      throw new FilesystemError("AUDIT_LOG_WRITE_FAILED", `Could not append to the license audit log: ${e.message}`, {
        hint: e.hint,
        cause: e,
        details: { path, reason: e.code },
      });
    const code = (e as NodeJS.ErrnoException).code ?? "unknown";
    const notFolder = code === "ENOTDIR" || code === "EEXIST";
    throw new FilesystemError(
      "AUDIT_LOG_WRITE_FAILED",
      `Could not append to the license audit log ${path} (${notFolder ? "a part of that path is a file, not a folder" : code}).`,
      {
        hint: notFolder
          ? "Point LLAMAGATE_DATA_DIR at a folder (it names a file now), or move that file away."
          : "Check that the folder is writable, or point LLAMAGATE_DATA_DIR at a writable folder.",
        cause: e,
        details: { path, errno: code },
      },
    );
  }
}
