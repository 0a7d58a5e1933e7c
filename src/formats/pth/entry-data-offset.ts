import type { FileHandle } from "node:fs/promises";
import { CorruptFileError } from "../errors.js";
import { readExact } from "../io/read-exact.js";
import type { ZipEntry } from "./read-zip-directory.js";

/**
 * File offset of a stored entry's first data byte, read from its local header (the extra field
 * there can differ from the central one: torch pads data to 64 bytes with it). Checks the data
 * lies inside the file.
 */
export async function entryDataOffset(params: {
  handle: FileHandle;
  fileSize: number;
  entry: ZipEntry;
  what: string;
  signal?: AbortSignal;
}): Promise<number> {
  const { handle, fileSize, entry, what, signal } = params;
  const h = await readExact(handle, entry.localHeaderOffset, 30, what, signal);
  const v = new DataView(h.buffer, h.byteOffset, 30);
  if (v.getUint32(0, true) !== 0x04034b50) {
    throw new CorruptFileError(`${what}: local header of ${entry.name} is damaged.`, { code: "CORRUPT_ZIP" });
  }
  const nameLen = v.getUint16(26, true);
  // the local name must match the central one: a mismatch means a damaged or crafted archive
  const name = await readExact(handle, entry.localHeaderOffset + 30, nameLen, what, signal);
  if (Buffer.from(name).toString("utf8") !== entry.name) {
    throw new CorruptFileError(`${what}: local header of ${entry.name} names a different file.`, {
      code: "CORRUPT_ZIP",
    });
  }
  const start = entry.localHeaderOffset + 30 + nameLen + v.getUint16(28, true);
  if (start + entry.compressedSize > fileSize) {
    throw new CorruptFileError(`${what}: data of ${entry.name} runs past the end of the file (truncated?).`, {
      code: "TRUNCATED_FILE",
    });
  }
  return start;
}
