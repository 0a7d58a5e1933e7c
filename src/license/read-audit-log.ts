import { readFile } from "node:fs/promises";
import { FilesystemError } from "../core/errors.js";
import type { AuditEntry } from "./audit-entry.js";

export interface ReadAuditLogParams {
  /** The audit log file (JSON lines). A missing file is an empty log. */
  path: string;
}

export interface AuditLog {
  entries: AuditEntry[];
  /** 1-based numbers of lines that are not a JSON object (kept in the file, skipped here). */
  invalidLines: number[];
}

/** Read the acceptance audit log. Lines that do not parse are reported, not fatal. */
export async function readAuditLog({ path }: ReadAuditLogParams): Promise<AuditLog> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ENOENT") return { entries: [], invalidLines: [] };
    const notFolder = code === "ENOTDIR";
    throw new FilesystemError(
      "AUDIT_LOG_READ_FAILED",
      `Could not read the license audit log ${path} (${notFolder ? "a part of that path is a file, not a folder" : (code ?? "unknown")}).`,
      {
        hint: notFolder
          ? "Point LLAMAGATE_DATA_DIR at a folder (it names a file now), or move that file away."
          : "Check the file's permissions.",
        cause: e,
        details: { path, errno: code ?? null },
      },
    );
  }
  const entries: AuditEntry[] = [];
  const invalidLines: number[] = [];
  text.split("\n").forEach((line, i) => {
    if (line.trim() === "") return;
    try {
      const v: unknown = JSON.parse(line);
      if (v && typeof v === "object" && !Array.isArray(v) && typeof (v as AuditEntry).model === "string")
        entries.push(v as AuditEntry);
      else invalidLines.push(i + 1);
    } catch {
      invalidLines.push(i + 1);
    }
  });
  return { entries, invalidLines };
}
