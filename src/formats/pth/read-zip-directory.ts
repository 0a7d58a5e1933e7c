import type { FileHandle } from "node:fs/promises";
import { CorruptFileError, UnsupportedFormatError } from "../errors.js";
import { readExact } from "../io/read-exact.js";

/** One member of a zip archive, with sizes taken from the central directory (ZIP64 aware). */
export interface ZipEntry {
  name: string;
  /** 0 = stored, 8 = deflate, ... */
  method: number;
  compressedSize: number;
  size: number;
  localHeaderOffset: number;
  crc32: number;
}

const EOCD_SIG = 0x06054b50;
const ZIP64_LOCATOR_SIG = 0x07064b50;
const ZIP64_EOCD_SIG = 0x06064b50;
const CDH_SIG = 0x02014b50;
const MAX_TAIL = 22 + 0xffff + 20;

function u64(view: DataView, off: number, what: string): number {
  const v = view.getBigUint64(off, true);
  if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new CorruptFileError(`Zip ${what} is out of range (${v}).`);
  return Number(v);
}

/**
 * Parse a zip archive's central directory (ZIP64 included) with positioned reads.
 * Every size and offset is checked against the file length; `what` names the file in errors.
 */
export async function readZipDirectory(params: {
  /** Open handle on the archive. */
  handle: FileHandle;
  /** Length of the archive in bytes. */
  fileSize: number;
  /** Name for messages (usually the file's basename). */
  what: string;
  signal?: AbortSignal;
}): Promise<ZipEntry[]> {
  const { handle, fileSize, what, signal } = params;
  const corrupt = (msg: string) => new CorruptFileError(`${what}: ${msg}`, { code: "CORRUPT_ZIP" });
  if (fileSize < 22) throw corrupt("too short to be a zip archive (truncated?).");
  const tailLen = Math.min(fileSize, MAX_TAIL);
  const tailStart = fileSize - tailLen;
  const tail = await readExact(handle, tailStart, tailLen, what, signal);
  const tv = new DataView(tail.buffer, tail.byteOffset, tail.byteLength);
  let eocd = -1;
  for (let i = tailLen - 22; i >= 0; i--) {
    if (tv.getUint32(i, true) === EOCD_SIG && i + 22 + tv.getUint16(i + 20, true) <= tailLen) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw corrupt("no zip end-of-central-directory record (file truncated or not a zip).");
  let diskNo = tv.getUint16(eocd + 4, true);
  let count = tv.getUint16(eocd + 10, true);
  let cdSize = tv.getUint32(eocd + 12, true);
  let cdOffset = tv.getUint32(eocd + 16, true);
  if (count === 0xffff || cdSize === 0xffffffff || cdOffset === 0xffffffff) {
    const loc = eocd - 20;
    if (loc < 0 || tv.getUint32(loc, true) !== ZIP64_LOCATOR_SIG) throw corrupt("ZIP64 locator missing.");
    const z64Offset = u64(tv, loc + 8, "ZIP64 record offset");
    if (z64Offset + 56 > fileSize) throw corrupt("ZIP64 record lies outside the file.");
    const z = await readExact(handle, z64Offset, 56, what, signal);
    const zv = new DataView(z.buffer, z.byteOffset, 56);
    if (zv.getUint32(0, true) !== ZIP64_EOCD_SIG) throw corrupt("bad ZIP64 end-of-central-directory signature.");
    diskNo = zv.getUint32(16, true);
    count = u64(zv, 32, "entry count");
    cdSize = u64(zv, 40, "directory size");
    cdOffset = u64(zv, 48, "directory offset");
  }
  if (diskNo !== 0) throw new UnsupportedFormatError(`${what}: multi-disk zip archives are not supported.`);
  if (cdOffset + cdSize > fileSize) throw corrupt("central directory lies outside the file (truncated?).");
  if (count * 46 > cdSize) throw corrupt(`central directory too small for ${count} entries.`);
  const cd = await readExact(handle, cdOffset, cdSize, what, signal);
  const cv = new DataView(cd.buffer, cd.byteOffset, cd.byteLength);
  const decoder = new TextDecoder("utf-8", { fatal: false, ignoreBOM: true });
  const entries: ZipEntry[] = [];
  let p = 0;
  for (let n = 0; n < count; n++) {
    if (p + 46 > cdSize || cv.getUint32(p, true) !== CDH_SIG) throw corrupt(`central directory entry ${n} is damaged.`);
    const method = cv.getUint16(p + 10, true);
    const crc32 = cv.getUint32(p + 16, true);
    let compressedSize = cv.getUint32(p + 20, true);
    let size = cv.getUint32(p + 24, true);
    const nameLen = cv.getUint16(p + 28, true);
    const extraLen = cv.getUint16(p + 30, true);
    const commentLen = cv.getUint16(p + 32, true);
    let localHeaderOffset = cv.getUint32(p + 42, true);
    const end = p + 46 + nameLen + extraLen + commentLen;
    if (end > cdSize) throw corrupt(`central directory entry ${n} runs past the directory.`);
    const name = decoder.decode(cd.subarray(p + 46, p + 46 + nameLen));
    // ZIP64 extended info: only the fields whose 32-bit value is saturated, in this order
    let e = p + 46 + nameLen;
    const extraEnd = e + extraLen;
    while (e + 4 <= extraEnd) {
      const id = cv.getUint16(e, true);
      const len = cv.getUint16(e + 2, true);
      if (e + 4 + len > extraEnd) throw corrupt(`extra field of ${name} is damaged.`);
      if (id === 0x0001) {
        let q = e + 4;
        const take = (label: string) => {
          if (q + 8 > e + 4 + len) throw corrupt(`ZIP64 field of ${name} is too short.`);
          const v = u64(cv, q, label);
          q += 8;
          return v;
        };
        if (size === 0xffffffff) size = take("size");
        if (compressedSize === 0xffffffff) compressedSize = take("compressed size");
        if (localHeaderOffset === 0xffffffff) localHeaderOffset = take("header offset");
      }
      e += 4 + len;
    }
    if (localHeaderOffset + 30 > fileSize) throw corrupt(`entry ${name} starts outside the file.`);
    entries.push({ name, method, compressedSize, size, localHeaderOffset, crc32 });
    p = end;
  }
  return entries;
}
