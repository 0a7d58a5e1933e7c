import { ChecklistError } from "./errors.js";
import { parseMd5Checklist, type ChecklistEntry } from "./parse-md5-checklist.js";
import { readRegularFile } from "../core/fs/read-regular-file.js";
import { filesystemErrorFrom } from "../core/fs/filesystem-error-from.js";

/** Largest checklist accepted. Meta's are under 1 KiB (one line per shard); this is a thousand times that. */
export const MAX_CHECKLIST_BYTES = 1 << 20;

/**
 * Read and parse an md5 checklist file, refusing one larger than MAX_CHECKLIST_BYTES before reading
 * any of it (ChecklistError CHECKLIST_TOO_LARGE, integrity), and never through a symbolic link.
 */
export async function readMd5Checklist(params: {
  /** The checklist file. */
  path: string;
  /** Name for messages (e.g. "llama-2-7b/checklist.chk"). */
  name: string;
  /** Cap in bytes (tests). @default MAX_CHECKLIST_BYTES */
  maxBytes?: number;
}): Promise<ChecklistEntry[]> {
  const maxBytes = params.maxBytes ?? MAX_CHECKLIST_BYTES;
  let bytes: Buffer;
  try {
    bytes = await readRegularFile({
      path: params.path,
      maxBytes,
      anyOwner: true, // a shared, read-only model folder is verified as it is
      tooLarge: (size) =>
        new ChecklistError(
          "CHECKLIST_TOO_LARGE",
          `${params.name} is ${size} bytes; an md5 checklist is a few hundred (at most ${maxBytes} accepted).`,
          {
            details: { checklist: params.name, size, maxBytes },
          },
        ),
    });
  } catch (e) {
    throw filesystemErrorFrom(e, params.path, "read");
  }
  return parseMd5Checklist({ text: bytes.toString("utf8"), name: params.name });
}
