import { decompressFrameSync } from "lz4-napi";
import type { ChunkHeader } from "./parse-chunk-header.js";

/**
 * Decode a chunk's data by its header: LZ4 *frames* (what xet-core's lz4_flex writes and @huggingface/hub's lz4js
 * reads: magic 04 22 4D 18), ByteGrouping4 regrouped after LZ4. Returns the raw bytes, or a reason string when the
 * data does not decode to exactly the header's uncompressed length.
 */
export function decodeChunk(header: ChunkHeader, data: Buffer): Buffer | string {
  if (data.length !== header.compressedLength) return "a truncated chunk";
  if (header.scheme === 0) return data;
  let raw: Buffer;
  try {
    raw = decompressFrameSync(data);
  } catch {
    return "LZ4 data that does not decode";
  }
  if (raw.length !== header.uncompressedLength)
    return `a chunk that decoded to ${raw.length} bytes where its header says ${header.uncompressedLength}`;
  return header.scheme === 2 ? regroup4(raw) : raw;
}

/** Undo ByteGrouping4: first bytes of each 4, then all second bytes... (the remainder goes to groups 1..3). */
function regroup4(g: Buffer): Buffer {
  const n = g.length;
  const out = Buffer.allocUnsafe(n);
  const split = Math.floor(n / 4);
  const rem = n % 4;
  const p1 = split + (rem >= 1 ? 1 : 0);
  const p2 = p1 + split + (rem >= 2 ? 1 : 0);
  const p3 = p2 + split + (rem >= 3 ? 1 : 0);
  let i = 0;
  for (let j = 0; j < split; j++, i += 4) {
    out[i] = g[j]!;
    out[i + 1] = g[p1 + j]!;
    out[i + 2] = g[p2 + j]!;
    out[i + 3] = g[p3 + j]!;
  }
  if (rem >= 1) out[i] = g[split]!;
  if (rem >= 2) out[i + 1] = g[p1 + split]!;
  if (rem >= 3) out[i + 2] = g[p2 + split]!;
  return out;
}
