import { createReadStream } from "node:fs";
import { InterruptedError } from "../../core/errors.js";
import { refuseExistingOutput } from "../../core/fs/refuse-existing-output.js";
import { filesystemErrorFrom } from "../../core/fs/filesystem-error-from.js";
import { openAtomicFile } from "../../core/fs/open-atomic-file.js";
import { BUNDLE_MANIFEST_NAME, type BundleManifest } from "./bundle-manifest.js";

/**
 * Write a bundle: a POSIX tar whose first member is `llamagate-bundle.json` (the manifest) followed by
 * the files in manifest order, with portable headers (mode 0644, uid/gid 0, mtime 0) so the same files
 * give the same bytes. Written through the one atomic writer (unpredictable temporary name, fsynced,
 * renamed); an existing `out` is replaced only with `force`. Returns the bytes written.
 */
export async function writeBundle(params: {
  /** Destination .tar path. */
  out: string;
  manifest: BundleManifest;
  /** Absolute source path of each manifest file, by its bundle path. */
  sources: ReadonlyMap<string, string>;
  /** Replace an existing file at `out` (without it: UsageError OUTPUT_EXISTS, as convert does). */
  force?: boolean;
  /** Bytes of file content written so far. */
  onProgress?: (bytes: number) => void;
  signal?: AbortSignal;
}): Promise<number> {
  // tar loads only when a bundle is written (start-up of every other command stays light).
  const { Header, Pax } = await import("tar");
  const ctx = {
    flag: "-o",
    kept: "nothing was written under the bundle's name",
    fallbackCode: "OUTPUT_NOT_WRITABLE" as const,
  };
  await refuseExistingOutput({ path: params.out, force: Boolean(params.force), flag: "-o" });
  // The one atomic writer: unpredictable temporary name (O_EXCL | O_NOFOLLOW), fsync, rename on success.
  const out = await openAtomicFile({ path: params.out, errorContext: ctx, signal: params.signal });
  let content = 0;
  const put = (b: Buffer) => out.write(b);
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
    const written = out.position;
    await out.commit();
    return written;
  } catch (e) {
    await out.abort();
    if (e instanceof Error && "category" in e) throw e;
    throw filesystemErrorFrom(e, params.out, "write", ctx);
  }
}
