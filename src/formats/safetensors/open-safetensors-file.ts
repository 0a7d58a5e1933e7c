import { openForReading } from "../io/open-for-reading.js";
import { basename } from "node:path";
import { LlamagateError } from "../../core/errors.js";
import { CorruptFileError } from "../errors.js";
import { readExact } from "../io/read-exact.js";
import { readExactInto } from "../io/read-exact-into.js";
import type { LazyTensor } from "../tensor.js";
import { MAX_HEADER_BYTES, parseSafetensorsHeader } from "./parse-safetensors-header.js";

/** One open safetensors file: its tensors (lazy), metadata and a close(). */
export interface SafetensorsFile {
  path: string;
  tensors: LazyTensor[];
  metadata: Record<string, string>;
  close(): Promise<void>;
}

/** Open and validate one .safetensors file; tensor bytes are read lazily by offset. */
export async function openSafetensorsFile(params: {
  /** Path of the .safetensors file. */
  path: string;
  signal?: AbortSignal;
}): Promise<SafetensorsFile> {
  const { path, signal } = params;
  const what = basename(path);
  const handle = await openForReading(path, what);
  try {
    const fileSize = (await handle.stat()).size;
    if (fileSize < 8)
      throw new CorruptFileError(`${what}: too short for a safetensors header (truncated?).`, {
        code: "HEADER_TOO_SMALL",
      });
    const n = new DataView((await readExact(handle, 0, 8, what, signal)).buffer).getBigUint64(0, true);
    if (n > BigInt(MAX_HEADER_BYTES)) {
      throw new CorruptFileError(`${what}: header length ${n} exceeds the 100 MB limit; not a safetensors file.`, {
        code: "HEADER_TOO_LARGE",
      });
    }
    const headerLen = Number(n);
    if (8 + headerLen > fileSize) {
      throw new CorruptFileError(`${what}: header length ${headerLen} runs past the end of the file (truncated?).`, {
        code: "INVALID_HEADER_LENGTH",
      });
    }
    const header = await readExact(handle, 8, headerLen, what, signal);
    const { entries, metadata } = parseSafetensorsHeader({ header, fileSize, what });
    const base = 8 + headerLen;
    let closed = false;
    const tensors: LazyTensor[] = entries.map((e) => ({
      name: e.name,
      dtype: e.dtype,
      shape: e.shape,
      byteLength: e.end - e.begin,
      async read(sig?: AbortSignal) {
        if (closed)
          throw new LlamagateError("SOURCE_CLOSED", "internal", `${what} was closed before ${e.name} was read.`);
        return readExact(handle, base + e.begin, e.end - e.begin, what, sig);
      },
      async readInto(dest: Uint8Array, offset: number, sig?: AbortSignal) {
        if (closed)
          throw new LlamagateError("SOURCE_CLOSED", "internal", `${what} was closed before ${e.name} was read.`);
        if (!(Number.isSafeInteger(offset) && offset >= 0 && offset + dest.byteLength <= e.end - e.begin)) {
          throw new RangeError(
            `bytes ${offset}+${dest.byteLength} are outside tensor ${e.name} (${e.end - e.begin} bytes)`,
          );
        }
        await readExactInto(handle, base + e.begin + offset, dest, what, sig);
      },
    }));
    return {
      path,
      tensors,
      metadata,
      async close() {
        if (closed) return;
        closed = true;
        await handle.close();
      },
    };
  } catch (e) {
    await handle.close();
    throw e;
  }
}
