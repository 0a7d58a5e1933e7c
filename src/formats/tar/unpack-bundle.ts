import { createHash, type Hash } from "node:crypto";
import { mkdir, open, rename, rm, stat, type FileHandle } from "node:fs/promises";
import { dirname, join, posix } from "node:path";
import { Parser, type ReadEntry } from "tar";
import { InterruptedError } from "../../core/errors.js";
import { filesystemErrorFrom } from "../../core/fs/filesystem-error-from.js";
import { fsyncDir } from "../../core/fs/fsync-dir.js";
import {
  BUNDLE_MANIFEST_NAME,
  MAX_BUNDLE_MANIFEST_BYTES,
  checkBundlePath,
  parseBundleManifest,
  type BundleFile,
  type BundleManifest,
} from "./bundle-manifest.js";
import { BundleError } from "./errors.js";

export interface UnpackBundleResult {
  manifest: BundleManifest;
  /** Absolute destination folder. */
  dir: string;
  files: (BundleFile & { written: boolean })[];
  bytes: number;
}

type Action = { kind: "entry"; entry: ReadEntry } | { kind: "data"; chunk: Buffer } | { kind: "end" };

const FILE_TYPES = new Set(["File", "OldFile", "ContiguousFile"]);

/**
 * Extract a bundle into `dir` in one pass, verifying as it goes: the first member must be the manifest;
 * every other member must be a regular file the manifest lists, once, with its size; each is hashed while
 * written (sha256) into a staging folder inside `dir`. Absolute paths, "..", links (a symlink or hardlink
 * pointing outside gets its own message), devices, FIFOs, duplicates and unlisted members are refused,
 * and a member whose bytes do not match is named. Only when every file is verified are they renamed
 * into place; on any failure the staging folder is removed and `dir` keeps what it had.
 */
export async function unpackBundle(params: {
  /** The .tar file. */
  bundle: string;
  /** Destination folder (created). */
  dir: string;
  /** Content bytes extracted so far. */
  onProgress?: (bytes: number) => void;
  signal?: AbortSignal;
}): Promise<UnpackBundleResult> {
  const { bundle, dir, signal } = params;
  const name = posix.basename(bundle);
  await mkdir(dir, { recursive: true }).catch((e) => {
    throw filesystemErrorFrom(e, dir, "create");
  });
  const staging = join(dir, `.llamagate-unpack-${process.pid}`);
  await rm(staging, { recursive: true, force: true });
  await mkdir(staging).catch((e) => {
    throw filesystemErrorFrom(e, staging, "create");
  });
  const src = await open(bundle, "r").catch((e) => {
    throw filesystemErrorFrom(e, bundle, "read");
  });

  const actions: Action[] = [];
  const parserErrors: Error[] = [];
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

  const fail = (code: string, why: string) => new BundleError(code, `${name}: ${why}; refusing the bundle.`);
  const handle = async (a: Action) => {
    if (a.kind === "entry") {
      const e = a.entry;
      const path = e.path.replace(/^\.\//, "");
      const why = checkBundlePath(path);
      if (why) throw fail("BUNDLE_UNSAFE_PATH", `member ${JSON.stringify(e.path)} has ${why}`);
      if (e.type === "SymbolicLink" || e.type === "Link") {
        const target = e.linkpath ?? "";
        const resolved =
          e.type === "SymbolicLink"
            ? posix.normalize(posix.join(posix.dirname(path), target))
            : posix.normalize(target);
        if (target.startsWith("/") || resolved === ".." || resolved.startsWith("../")) {
          throw fail(
            "BUNDLE_LINK_ESCAPE",
            `member ${path} is a ${e.type === "Link" ? "hard link" : "symlink"} pointing outside the destination (${target})`,
          );
        }
        throw fail(
          "BUNDLE_LINK",
          `member ${path} is a ${e.type === "Link" ? "hard link" : "symlink"}; bundles carry regular files only`,
        );
      }
      if (e.type === "Directory") {
        current = { got: 0 };
        return;
      }
      if (!FILE_TYPES.has(e.type))
        throw fail("BUNDLE_SPECIAL_FILE", `member ${path} is a ${e.type}; bundles carry regular files only`);
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
      const tmp = join(staging, ...path.split("/"));
      await mkdir(dirname(tmp), { recursive: true });
      const fh = await open(tmp, "wx").catch((err) => {
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
    if (current.manifest) manifest = parseBundleManifest(Buffer.concat(manifestBytes!), name);
    else if (current.file && current.fh) {
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
    // Every file verified: move them into place.
    const written: UnpackBundleResult["files"] = [];
    for (const f of manifest.files) {
      const to = join(dir, ...f.path.split("/"));
      const existing = await stat(to).catch(() => undefined);
      if (existing?.isDirectory()) throw fail("BUNDLE_DUPLICATE", `${f.path} exists as a folder in the destination`);
      await mkdir(dirname(to), { recursive: true });
      await rename(join(staging, ...f.path.split("/")), to);
      written.push({ ...f, written: true });
    }
    for (const d of new Set(manifest.files.map((f) => dirname(join(dir, ...f.path.split("/")))))) await fsyncDir(d);
    return { manifest, dir, files: written, bytes: total };
  } finally {
    await current?.fh?.close().catch(() => {});
    await src.close().catch(() => {});
    await rm(staging, { recursive: true, force: true }).catch(() => {});
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
