import { open } from "node:fs/promises";
import { CorruptFileError } from "../errors.js";

/** 1 MiB: config.json, params.json, generation_config.json are a few KB. */
export const MAX_CONFIG_JSON_BYTES = 1 << 20;
/** 16 MiB: tokenizer_config.json, model.safetensors.index.json and the like are KBs to a few MB. */
export const MAX_LARGE_JSON_BYTES = 16 << 20;

/**
 * Read a small UTF-8 file (a JSON config) whole, refusing it once it passes `maxBytes`: at most
 * `maxBytes + 1` bytes are ever read, whatever the file claims to be (a huge file, a device, a FIFO).
 * Errors opening or reading propagate unchanged (callers map ENOENT and the like); a file past the
 * cap is a CorruptFileError (code FILE_TOO_LARGE) naming it.
 */
export async function readCappedText(params: {
  /** The file to read. */
  path: string;
  /** Largest size accepted, in bytes. */
  maxBytes: number;
  /** Name for messages. */
  what: string;
  signal?: AbortSignal;
}): Promise<string> {
  const { path, maxBytes, what, signal } = params;
  const handle = await open(path, "r");
  try {
    const size = (await handle.stat()).size;
    if (size > maxBytes) throw tooLarge(what, maxBytes);
    // read in chunks rather than trusting stat(): a device or a growing file may hold more
    const chunks: Uint8Array[] = [];
    let total = 0;
    for (;;) {
      signal?.throwIfAborted();
      const chunk = new Uint8Array(Math.min(1 << 20, maxBytes + 1 - total));
      const { bytesRead } = await handle.read(chunk, 0, chunk.length, null);
      if (bytesRead === 0) break;
      chunks.push(chunk.subarray(0, bytesRead));
      total += bytesRead;
      if (total > maxBytes) throw tooLarge(what, maxBytes);
    }
    const all = new Uint8Array(total);
    let at = 0;
    for (const c of chunks) {
      all.set(c, at);
      at += c.length;
    }
    try {
      return new TextDecoder("utf-8", { fatal: true }).decode(all);
    } catch {
      throw new CorruptFileError(`${what} is not valid UTF-8 text.`, { code: "NOT_UTF8" });
    }
  } finally {
    await handle.close();
  }
}

function tooLarge(what: string, maxBytes: number): CorruptFileError {
  return new CorruptFileError(
    `${what} is larger than ${maxBytes} bytes; a file of its kind is a few KB, so it is not read.`,
    {
      code: "FILE_TOO_LARGE",
    },
  );
}
