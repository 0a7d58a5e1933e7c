import { createReadStream } from "node:fs";
import { open, rename, unlink } from "node:fs/promises";
import { dirname } from "node:path";
import { Header, Pax } from "tar";
import { InterruptedError } from "../../core/errors.js";
import { filesystemErrorFrom } from "../../core/fs/filesystem-error-from.js";
import { fsyncDir } from "../../core/fs/fsync-dir.js";
import { BUNDLE_MANIFEST_NAME, type BundleManifest } from "./bundle-manifest.js";

/**
 * Write a bundle: a POSIX tar whose first member is `llamagate-bundle.json` (the manifest) followed by
 * the files in manifest order, with portable headers (mode 0644, uid/gid 0, mtime 0) so the same files
 * give the same bytes. Written to a temporary name, fsynced, renamed. Returns the bytes written.
 */
export async function writeBundle(params: {
  /** Destination .tar path. */
  out: string;
  manifest: BundleManifest;
  /** Absolute source path of each manifest file, by its bundle path. */
  sources: ReadonlyMap<string, string>;
  /** Bytes of file content written so far. */
  onProgress?: (bytes: number) => void;
  signal?: AbortSignal;
}): Promise<number> {
  const tmp = `${params.out}.llamagate-partial-${process.pid}`;
  const fh = await open(tmp, "w").catch((e) => {
    throw filesystemErrorFrom(e, params.out, "create");
  });
  let written = 0;
  let content = 0;
  const put = async (b: Buffer) => {
    await fh.write(b, 0, b.length, written);
    written += b.length;
  };
  const member = async (path: string, size: number, body: () => AsyncIterable<Buffer>) => {
    const data = {
      path,
      mode: 0o644,
      uid: 0,
      gid: 0,
      size,
      mtime: new Date(0),
      type: "File" as const,
      uname: "",
      gname: "",
    };
    const block = Buffer.alloc(512);
    const needPax = new Header(data).encode(block, 0);
    if (needPax) await put(new Pax(data).encode());
    await put(block);
    let n = 0;
    for await (const c of body()) {
      if (params.signal?.aborted) throw new InterruptedError();
      n += c.length;
      if (n > size) break;
      await put(c);
      content += c.length;
      params.onProgress?.(content);
    }
    if (n !== size)
      throw filesystemErrorFrom(
        Object.assign(new Error(`${path} changed size while being packed`), { code: "EIO" }),
        path,
        "read",
      );
    if (size % 512) await put(Buffer.alloc(512 - (size % 512)));
  };
  try {
    const m = Buffer.from(JSON.stringify(params.manifest, null, 2));
    await member(BUNDLE_MANIFEST_NAME, m.length, async function* () {
      yield m;
    });
    for (const f of params.manifest.files) {
      const src = params.sources.get(f.path)!;
      await member(f.path, f.size, () => createReadStream(src, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>);
    }
    await put(Buffer.alloc(1024));
    await fh.sync();
    await fh.close();
    await rename(tmp, params.out);
    await fsyncDir(dirname(params.out));
    return written;
  } catch (e) {
    await fh.close().catch(() => {});
    await unlink(tmp).catch(() => {});
    if (e instanceof Error && "category" in e) throw e;
    throw filesystemErrorFrom(e, params.out, "write");
  }
}
