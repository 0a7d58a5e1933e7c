import { createReadStream } from "node:fs";
import { once } from "node:events";
import { InterruptedError, LlamagateError } from "../../core/errors.js";
import { refuseExistingOutput } from "../../core/fs/refuse-existing-output.js";
import { filesystemErrorFrom } from "../../core/fs/filesystem-error-from.js";
import { openAtomicFile } from "../../core/fs/open-atomic-file.js";
import { BUNDLE_MANIFEST_NAME, type BundleManifest } from "./bundle-manifest.js";

/**
 * Write a bundle: a POSIX tar whose first member is `llamagate-bundle.json` (the manifest) followed by
 * the files in manifest order, with portable headers (mode 0644, uid/gid 0, mtime 0) so the same files
 * give the same bytes. node-tar's Pack lays the archive out (headers, pax records for long names, block
 * padding, end-of-archive); each member is handed to it as a ReadEntry whose header we set and whose body
 * we stream in from the source file (never whole in memory: Pack's backpressure holds the reads). Written
 * through the one atomic writer (unpredictable temporary name, fsynced, renamed); an existing `out` is
 * replaced only with `force`. Returns the bytes written.
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
  const { Header, Pack, ReadEntry } = await import("tar");
  const ctx = {
    flag: "-o",
    kept: "nothing was written under the bundle's name",
    fallbackCode: "OUTPUT_NOT_WRITABLE" as const,
  };
  await refuseExistingOutput({ path: params.out, force: Boolean(params.force), flag: "-o" });
  // The one atomic writer: unpredictable temporary name (O_EXCL | O_NOFOLLOW), fsync, rename on success.
  const out = await openAtomicFile({ path: params.out, errorContext: ctx, signal: params.signal });
  // preservePaths: member names stay exactly the manifest's (node-tar would otherwise rewrite an absolute one,
  // and the unpacker refuses any member the manifest does not list).
  const pack = new Pack({ preservePaths: true, strict: true });
  // The archive's bytes go to the file as Pack produces them; for-await reads one chunk at a time, so Pack
  // pauses (and with it the member being fed) while a write is in flight.
  let stopped = false;
  const writing = (async () => {
    for await (const chunk of pack) {
      await out.write(chunk);
      // After a failure: Pack is destroyed, and a destroyed Minipass never answers the next read.
      if (stopped) break;
    }
  })();
  // A failed write ends the loop above: the member waiting for Pack to drain must not wait forever.
  const writeFailed = writing.then(
    () => Promise.reject(new Error("the tar stream ended before its last member")),
    (e: unknown) => Promise.reject(e),
  );
  writeFailed.catch(() => {});
  let content = 0;
  const member = async (path: string, size: number, body: () => AsyncIterable<Buffer>, from = path) => {
    const entry = new ReadEntry(
      new Header({ path, mode: 0o644, uid: 0, gid: 0, size, mtime: new Date(0), type: "File", uname: "", gname: "" }),
    );
    pack.add(entry);
    let n = 0;
    for await (const c of body()) {
      if (params.signal?.aborted) throw new InterruptedError();
      n += c.length;
      if (n > size) break;
      if (!entry.write(c)) await Promise.race([once(entry, "drain"), writeFailed]);
      content += c.length;
      params.onProgress?.(content);
    }
    // The header already promised `size` bytes: a file that changed under us fails the bundle.
    if (n !== size)
      throw new LlamagateError(
        "FILE_CHANGED",
        "integrity",
        `${from} changed size while being packed (${size} bytes when the bundle was planned, ${n > size ? "more" : n} now).`,
        {
          hint: "Something is writing to the model folder: wait until it is done, then run pack again.",
          details: { file: from, expectedSize: size },
        },
      );
    entry.end();
  };
  try {
    const m = Buffer.from(JSON.stringify(params.manifest, null, 2));
    await member(BUNDLE_MANIFEST_NAME, m.length, async function* () {
      yield m;
    });
    for (const f of params.manifest.files) {
      const src = params.sources.get(f.path)!;
      await member(
        f.path,
        f.size,
        () => createReadStream(src, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>,
        src,
      );
    }
    pack.end();
    await writing;
    const written = out.position;
    await out.commit();
    return written;
  } catch (e) {
    // Stop Pack and let the write loop settle before the temporary file is closed and removed.
    stopped = true;
    pack.destroy();
    await writing.catch(() => {});
    await out.abort();
    if (e instanceof Error && "category" in e) throw e;
    throw filesystemErrorFrom(e, params.out, "write", ctx);
  }
}
