/** Bytes of a chunk header: version (1), compressed length (3, LE), scheme (1), uncompressed length (3, LE). */
export const CHUNK_HEADER_BYTES = 8;
/** A raw chunk is at most 128 KiB (hub-docs docs/xet/xorb.md); some slack for other writers. */
const MAX_CHUNK_BYTES = 1 << 20;

/** A parsed chunk header. */
export interface ChunkHeader {
  compressedLength: number;
  /** 0 none, 1 LZ4, 2 ByteGrouping4-LZ4. */
  scheme: number;
  uncompressedLength: number;
}

/**
 * Read and check a xorb chunk header (hub-docs docs/xet/xorb.md). Returns a reason string for a header that cannot
 * be right (unknown version or scheme, impossible lengths) instead of throwing, so the caller names the file.
 */
export function parseChunkHeader(header: Buffer): ChunkHeader | string {
  if (header.length !== CHUNK_HEADER_BYTES) return "truncated chunk header";
  if (header[0] !== 0) return `unknown chunk version ${header[0]}`;
  const compressedLength = header.readUIntLE(1, 3);
  const scheme = header[4]!;
  const uncompressedLength = header.readUIntLE(5, 3);
  if (scheme > 2) return `unknown compression scheme ${scheme}`;
  if (uncompressedLength > MAX_CHUNK_BYTES) return `a chunk of ${uncompressedLength} bytes`;
  if (scheme === 0 && compressedLength !== uncompressedLength) return "an uncompressed chunk with two lengths";
  return { compressedLength, scheme, uncompressedLength };
}
