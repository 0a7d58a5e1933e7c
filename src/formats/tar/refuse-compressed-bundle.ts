import type { FileHandle } from "node:fs/promises";
import { UsageError } from "../../core/errors.js";

/** Magic bytes of the compressed formats a bundle might arrive in by mistake. */
const COMPRESSED: { magic: number[]; format: string; tool: string }[] = [
  { magic: [0x1f, 0x8b], format: "gzip", tool: "gunzip -k" },
  { magic: [0x28, 0xb5, 0x2f, 0xfd], format: "zstd", tool: "zstd -d" },
  { magic: [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00], format: "xz", tool: "xz -dk" },
  { magic: [0x42, 0x5a, 0x68], format: "bzip2", tool: "bunzip2 -k" },
];

/**
 * Bundles are plain tar (docs/bundles.md): a compressed file is refused before anything is written
 * (UsageError BUNDLE_COMPRESSED, naming the format and how to decompress it), never inflated on the fly.
 */
export async function refuseCompressedBundle(src: FileHandle, name: string): Promise<void> {
  const head = Buffer.alloc(8);
  const { bytesRead } = await src.read(head, 0, head.length, 0);
  const c = COMPRESSED.find((x) => bytesRead >= x.magic.length && x.magic.every((b, i) => head[i] === b));
  if (c)
    throw new UsageError(`${name} is ${c.format}-compressed; bundles are plain tar.`, {
      code: "BUNDLE_COMPRESSED",
      hint: `Decompress it first (${c.tool} ${name}), then unpack the .tar.`,
      details: { format: c.format },
    });
}
