import { createHash, type Hash } from "node:crypto";
import { lstat, mkdtemp, open, readdir, rename, rm, type FileHandle } from "node:fs/promises";
import { dirname, join, posix } from "node:path";
import type { ReadEntry } from "tar";
import { FilesystemError, InterruptedError } from "../../core/errors.js";
import { acquireDirLock, type DirLock } from "../../core/fs/acquire-dir-lock.js";
import { ensureDirInside } from "../../core/fs/ensure-dir-inside.js";
import { openRegularFile } from "../../core/fs/open-regular-file.js";
import { filesystemErrorFrom } from "../../core/fs/filesystem-error-from.js";
import { fsyncDir } from "../../core/fs/fsync-dir.js";
import {
  BUNDLE_MANIFEST_NAME,
  MAX_BUNDLE_MANIFEST_BYTES,
  parseBundleManifest,
  type BundleFile,
  type BundleManifest,
} from "./bundle-manifest.js";
import { BundleError } from "./errors.js";
import { bundleMemberRefusal, manifestNameRefusal } from "./bundle-member-refusal.js";
import { refuseCompressedBundle } from "./refuse-compressed-bundle.js";
import { bundleOutputExistsError, checkBundleDestination } from "./check-bundle-destination.js";
import type { ErrorCode } from "../../core/error-codes.js";

export interface UnpackBundleResult {
  manifest: BundleManifest;
  /** Absolute destination folder. */
  dir: string;
  files: (BundleFile & { written: boolean })[];
  bytes: number;
}

/** What extractBundle (and the public unpackBundle) takes. */
export interface UnpackBundleParams {
  /** The .tar file. */
  bundle: string;
  /** Destination folder (created). */
  dir: string;
  /** Content bytes extracted so far. */
  onProgress?: (bytes: number) => void;
  /**
   * Runs once the manifest is read, before any file is written (the license gate on the bundle's model
   * and its recorded acceptance). Throwing stops the unpack with nothing written.
   */
  beforeExtract?: (manifest: BundleManifest) => Promise<void>;
  /**
   * Runs once every file is extracted and verified in the staging folder (given, with the files at their paths),
   * before any is moved into `dir`. Throwing stops the unpack with nothing published.
   */
  beforePublish?: (staging: string, manifest: BundleManifest) => Promise<void>;
  /**
   * Replace files in `dir` whose content differs from the bundle's. Without it such a file is refused
   * (UsageError OUTPUT_EXISTS) before anything is written; a file identical to the bundle's is left as it is.
   */
  force?: boolean;
  signal?: AbortSignal;
}

type Action = { kind: "entry"; entry: ReadEntry } | { kind: "data"; chunk: Buffer } | { kind: "end" };

/** Prefix of the staging folder inside the destination (mkdtemp adds six random characters). */
const STAGING_PREFIX = ".llamagate-unpack-";

async function sha256Of(path: string): Promise<string> {
  const fh = await openRegularFile({ path, mode: "read", anyOwner: true });
  try {
    const h = createHash("sha256");
    const buf = Buffer.allocUnsafe(1 << 20);
    for (let pos = 0; ;) {
      const { bytesRead } = await fh.read(buf, 0, buf.length, pos);
      if (bytesRead === 0) break;
      h.update(buf.subarray(0, bytesRead));
      pos += bytesRead;
    }
    return h.digest("hex");
  } finally {
    await fh.close();
  }
}

/**
 * Extract a bundle into `dir` in one pass, verifying as it goes: the first member must be the manifest;
 * every other member must be a regular file the manifest lists, once, with its size; each is hashed while
 * written (sha256) into a staging folder inside `dir`. Absolute paths, "..", links (a symlink or hardlink
 * pointing outside gets its own message), devices, FIFOs, duplicates and unlisted members are refused,
 * and a member whose bytes do not match is named. Members under a name llamagate keeps for itself in a
 * destination (`.llamagate.lock`, partial, sidecar and temporary names) are refused, and so is a
 * compressed file (bundles are plain tar). Only when every file is verified are they renamed into place,
 * through folders created and checked one by one (a folder planted as a link is refused), under the
 * folder's lock; a file already there with other content is replaced only with `force`. On any failure
 * the staging folder is removed and `dir` keeps what it had.
 */
export async function extractBundle(params: UnpackBundleParams): Promise<UnpackBundleResult> {
  const { bundle, dir, signal } = params;
  const name = posix.basename(bundle);
  const src = await open(bundle, "r").catch((e) => {
    throw filesystemErrorFrom(e, bundle, "read");
  });
  try {
    await refuseCompressedBundle(src, name);
  } catch (e) {
    await src.close().catch(() => {});
    throw e;
  }
  let staging: string | undefined;
  let lock: DirLock | undefined;
  try {
    await ensureDirInside({ root: dir, dir });
    lock = await acquireDirLock({ dir, signal });
    // Staging folders of runs killed before they cleaned up (the lock says no other run is here now).
    for (const n of await readdir(dir).catch(() => [] as string[]))
      if (n.startsWith(STAGING_PREFIX)) await rm(join(dir, n), { recursive: true, force: true }).catch(() => {});
    // An unpredictable staging name (mkdtemp): nobody can plant anything under it in advance.
    staging = await mkdtemp(join(dir, STAGING_PREFIX)).catch((e) => {
      throw filesystemErrorFrom(e, dir, "create a folder in");
    });
  } catch (e) {
    await lock?.release();
    await src.close().catch(() => {});
    throw e;
  }
  const stage = staging;

  const actions: Action[] = [];
  const parserErrors: Error[] = [];
  // tar loads only when a bundle is read (start-up of every other command stays light).
  const { Parser } = await import("tar");
  const parser = new Parser({ strict: true });
  parser.on("entry", (entry: ReadEntry) => {
    actions.push({ kind: "entry", entry });
    entry.on("data", (c: Buffer) => actions.push({ kind: "data", chunk: Buffer.from(c) }));
    entry.on("end", () => actions.push({ kind: "end" }));
  });
  parser.on("error", (e: Error) => parserErrors.push(e));
  parser.on("warn", (code: string, message: string | Error) =>
    parserErrors.push(new Error(`${code}: ${typeof message === "string" ? message : message.message}`)),
  );

  let manifest: BundleManifest | undefined;
  let manifestBytes: Buffer[] | undefined;
  let current: { file?: BundleFile; fh?: FileHandle; hash?: Hash; got: number; manifest?: boolean } | undefined;
  const done = new Set<string>();
  let total = 0;

  const fail = (code: ErrorCode, why: string) => new BundleError(code, `${name}: ${why}; refusing the bundle.`);
  const handle = async (a: Action) => {
    if (a.kind === "entry") {
      const e = a.entry;
      const path = e.path.replace(/^\.\//, "");
      const refusal = bundleMemberRefusal(e, path, fail);
      if (refusal) throw refusal;
      if (e.type === "Directory") {
        current = { got: 0 };
        return;
      }
      if (!manifest && !manifestBytes) {
        if (path !== BUNDLE_MANIFEST_NAME)
          throw fail("BUNDLE_MALFORMED", `the first member is ${path}, not ${BUNDLE_MANIFEST_NAME}`);
        if (e.size > MAX_BUNDLE_MANIFEST_BYTES) throw fail("BUNDLE_MALFORMED", "the manifest is too large");
        manifestBytes = [];
        current = { got: 0, manifest: true };
        return;
      }
      if (!manifest) throw fail("BUNDLE_MALFORMED", "the manifest is incomplete");
      const file = manifest.files.find((f) => f.path === path);
      if (!file)
        throw fail(
          path === BUNDLE_MANIFEST_NAME ? "BUNDLE_DUPLICATE" : "BUNDLE_UNLISTED",
          `member ${path} is not listed in the bundle manifest`,
        );
      if (done.has(path) || current?.file?.path === path)
        throw fail("BUNDLE_DUPLICATE", `member ${path} appears twice`);
      if (e.size !== file.size)
        throw fail("BUNDLE_CORRUPT_MEMBER", `member ${path} is ${e.size} bytes, the manifest says ${file.size}`);
      const tmp = join(stage, ...path.split("/"));
      await ensureDirInside({ root: stage, dir: dirname(tmp) }).catch((err) => {
        throw err instanceof FilesystemError && err.code === "PATH_CONFLICT"
          ? fail("BUNDLE_DUPLICATE", `member ${path} clashes with another member's path`)
          : err;
      });
      const fh = await openRegularFile({ path: tmp, mode: "create" }).catch((err) => {
        // A member named like a folder another member made (a/b after a/b/c), or similar clashes.
        throw (err as NodeJS.ErrnoException).code === "EEXIST" ||
          (err as NodeJS.ErrnoException).code === "EISDIR" ||
          (err as NodeJS.ErrnoException).code === "ENOTDIR"
          ? fail("BUNDLE_DUPLICATE", `member ${path} clashes with another member's path`)
          : filesystemErrorFrom(err, tmp, "create");
      });
      current = { file, fh, hash: createHash("sha256"), got: 0 };
      return;
    }
    if (!current) return;
    if (a.kind === "data") {
      if (current.manifest) manifestBytes!.push(a.chunk);
      else if (current.fh) {
        await current.fh.write(a.chunk, 0, a.chunk.length, current.got);
        current.hash!.update(a.chunk);
        total += a.chunk.length;
        params.onProgress?.(total);
      }
      current.got += a.chunk.length;
      return;
    }
    // end of a member
    if (current.manifest) {
      const m = parseBundleManifest(Buffer.concat(manifestBytes!), name);
      const refusal = manifestNameRefusal(m, fail);
      if (refusal) throw refusal;
      await params.beforeExtract?.(m);
      if (!params.force) await checkBundleDestination({ dir, manifest: m });
      manifest = m;
    } else if (current.file && current.fh) {
      const f = current.file;
      await current.fh.sync();
      await current.fh.close();
      if (current.got !== f.size)
        throw fail("BUNDLE_CORRUPT_MEMBER", `member ${f.path} is truncated (${current.got} of ${f.size} bytes)`);
      const actual = current.hash!.digest("hex");
      if (actual !== f.sha256) {
        throw new BundleError(
          "BUNDLE_CORRUPT_MEMBER",
          `${name}: member ${f.path} is corrupted (sha256 ${actual}, the manifest says ${f.sha256}).`,
          {
            details: { member: f.path, expected: f.sha256, actual },
          },
        );
      }
      done.add(f.path);
    }
    current = undefined;
  };

  try {
    const buf = Buffer.allocUnsafe(1 << 20);
    let pos = 0;
    for (;;) {
      if (signal?.aborted) throw new InterruptedError();
      const { bytesRead } = await src.read(buf, 0, buf.length, pos);
      if (bytesRead === 0) break;
      pos += bytesRead;
      parser.write(Buffer.from(buf.subarray(0, bytesRead)));
      await drain();
    }
    parser.end();
    await drain();
    if (!manifest) throw fail("BUNDLE_MALFORMED", `it has no ${BUNDLE_MANIFEST_NAME}`);
    if (current)
      throw fail(
        "BUNDLE_CORRUPT_MEMBER",
        `the archive ends inside member ${current.file?.path ?? BUNDLE_MANIFEST_NAME}`,
      );
    const missing = manifest.files.filter((f) => !done.has(f.path));
    if (missing.length)
      throw fail(
        "BUNDLE_MISSING_MEMBER",
        `${missing.length} file(s) of the manifest are missing (${missing
          .slice(0, 3)
          .map((f) => f.path)
          .join(", ")})`,
      );
    // Every file verified, in the staging folder: the caller's last word before anything is published (a model
    // signature checked over exactly these files).
    await params.beforePublish?.(stage, manifest);
    // One overwrite rule (as convert and pack): a file that is already there with
    // other content is replaced only with `force`; an identical one is left as it is.
    const same = new Set<string>();
    for (const f of manifest.files) {
      const to = join(dir, ...f.path.split("/"));
      const existing = await lstat(to).catch(() => undefined);
      if (!existing) continue;
      if (existing.isDirectory()) throw fail("BUNDLE_DUPLICATE", `${f.path} exists as a folder in the destination`);
      if (existing.isFile() && existing.size === f.size && (await sha256Of(to)) === f.sha256) same.add(f.path);
      else if (!params.force) throw bundleOutputExistsError(dir, f.path);
    }
    // Every target folder made and checked before the first rename (a planted link stops it all), then
    // each file moved into place through folders checked again just before its rename.
    for (const d of new Set(manifest.files.map((f) => dirname(join(dir, ...f.path.split("/"))))))
      await ensureDirInside({ root: dir, dir: d });
    const written: UnpackBundleResult["files"] = [];
    for (const f of manifest.files) {
      if (same.has(f.path)) {
        written.push({ ...f, written: false });
        continue;
      }
      const to = join(dir, ...f.path.split("/"));
      await ensureDirInside({ root: dir, dir: dirname(to) });
      await ensureDirInside({ root: dir, dir: dirname(to), create: false });
      await rename(join(stage, ...f.path.split("/")), to).catch((e) => {
        throw filesystemErrorFrom(e, to, "move into place");
      });
      written.push({ ...f, written: true });
    }
    for (const d of new Set(manifest.files.map((f) => dirname(join(dir, ...f.path.split("/")))))) await fsyncDir(d);
    return { manifest, dir, files: written, bytes: total };
  } finally {
    await current?.fh?.close().catch(() => {});
    await src.close().catch(() => {});
    await rm(stage, { recursive: true, force: true }).catch(() => {});
    await lock.release();
  }

  async function drain(): Promise<void> {
    while (actions.length) {
      if (parserErrors.length) break;
      await handle(actions.shift()!);
    }
    if (parserErrors.length) {
      const e = parserErrors[0]!;
      throw fail("BUNDLE_MALFORMED", `it is not a readable tar archive (${e.message.slice(0, 160)})`);
    }
  }
}
