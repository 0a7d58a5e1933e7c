import { openForReading } from "../io/open-for-reading.js";
import { basename } from "node:path";
import { LlamagateError } from "../../core/errors.js";
import { CorruptFileError, UnsupportedFormatError } from "../errors.js";
import { readExact } from "../io/read-exact.js";
import { parseGgufHeader, NeedMoreBytes, type GgufTensorInfo } from "./parse-gguf-header.js";
import type { GgufMetadataEntry } from "./gguf-types.js";

/** A tensor of a GGUF file: ggml type and dims (innermost first), bytes read lazily. */
export interface GgufTensor extends GgufTensorInfo {
  read(signal?: AbortSignal): Promise<Uint8Array>;
}

export interface GgufFile {
  version: number;
  alignment: number;
  metadata: Map<string, GgufMetadataEntry>;
  tensors: GgufTensor[];
  /** Absolute file offset of the data section. */
  dataOffset: number;
  get(name: string): GgufTensor | undefined;
  close(): Promise<void>;
}

const FIRST_READ = 1 << 20;
const MAX_HEADER = 1 << 30;

/**
 * Open a GGUF (v2/v3) file: header, metadata and tensor infos are parsed with full bounds checks
 * (llama.cpp's gguf.cpp rules: unique keys and names, alignment, offsets equal to the running
 * padded total, data inside the file); tensor bytes are read lazily.
 */
export async function openGguf(params: {
  /** Path of the .gguf file. */
  path: string;
  signal?: AbortSignal;
}): Promise<GgufFile> {
  const { path, signal } = params;
  const what = basename(path);
  const handle = await openForReading(path, what);
  try {
    const fileSize = (await handle.stat()).size;
    let want = Math.min(fileSize, FIRST_READ);
    let parsed;
    for (;;) {
      const prefix = await readExact(handle, 0, want, what, signal);
      try {
        parsed = parseGgufHeader({ bytes: prefix, fileSize, what });
        break;
      } catch (e) {
        if (!(e instanceof NeedMoreBytes)) throw e;
        if (want >= fileSize)
          throw new CorruptFileError(`${what}: the GGUF header runs past the end of the file (truncated?).`, {
            code: "TRUNCATED_FILE",
          });
        if (want >= MAX_HEADER || e.needed > MAX_HEADER)
          throw new UnsupportedFormatError(`${what}: GGUF header larger than 1 GiB.`);
        want = Math.min(fileSize, Math.max(want * 4, e.needed));
      }
    }
    let closed = false;
    const tensors: GgufTensor[] = parsed.tensors.map((t) => ({
      ...t,
      async read(sig?: AbortSignal) {
        if (closed)
          throw new LlamagateError("SOURCE_CLOSED", "internal", `${what} was closed before ${t.name} was read.`);
        return readExact(handle, parsed.dataOffset + t.offset, t.byteLength, what, sig);
      },
    }));
    const index = new Map(tensors.map((t) => [t.name, t]));
    return {
      version: parsed.version,
      alignment: parsed.alignment,
      metadata: parsed.metadata,
      dataOffset: parsed.dataOffset,
      tensors,
      get: (name) => index.get(name),
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
