import { open } from "node:fs/promises";

/** fsync a folder so a rename inside it survives a power cut (best effort: not every platform allows it). */
export async function fsyncDir(dir: string): Promise<void> {
  let fh;
  try {
    fh = await open(dir, "r");
    await fh.sync();
  } catch {
    // Windows and some filesystems refuse to fsync a directory; the rename is still atomic.
  } finally {
    await fh?.close().catch(() => {});
  }
}
