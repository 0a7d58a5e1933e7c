import { createHash } from "node:crypto";
import { lstat, readdir, realpath, stat } from "node:fs/promises";
import { basename, join, relative, resolve, sep } from "node:path";
import { SignatureError } from "../errors.js";
import { createHashPool } from "../../verify/hash-pool.js";
import { DEFAULT_IGNORE_PATHS, type OmsResource } from "./oms-types.js";

/** A file's sha256 known from elsewhere (a download's verification record) and the file state it describes. */
export interface KnownDigest {
  sha256: string;
  size: number;
  mtimeMs: number;
  /** Checked too when given. */
  ino?: number;
}

/** Looks up a file's known sha256 by its absolute path; undefined when nothing is known. */
export type KnownDigests = (absPath: string) => Promise<KnownDigest | undefined> | KnownDigest | undefined;

export interface ModelDigest {
  /** The in-toto subject name: the model folder's (or file's) name. */
  subjectName: string;
  /** Every signed file, sorted by name ("." alone for a single-file model). */
  resources: OmsResource[];
  /** sha256 over the concatenated raw resource digests in name order (the subject's digest). */
  rootDigest: string;
  /** The ignore paths that applied, relative to the model folder, as recorded in a signature. */
  ignorePaths: string[];
  /** How many files were hashed (the rest came from `knownDigests`). */
  hashed: number;
}

/**
 * OMS v1.0's "files" serialization (hash_type sha256, no symlinks): the sha256 of every file below `path`, named by
 * its "/"-separated path relative to the folder, leaving out `ignorePaths` (relative to the folder, or absolute
 * paths inside it: a file or a whole folder), git's own files, and llamagate's own bookkeeping (its lock, its
 * verification sidecars `.<name>.llamagate.json`, partial downloads), which are not model content and change.
 */
export async function hashModelForSigning(p: {
  path: string;
  ignorePaths?: readonly string[];
  /**
   * Digests already measured (a verified download's sidecars): used instead of reading a file only while its
   * size and mtime (and inode, when recorded) are those the digest was measured at; otherwise the file is hashed.
   */
  knownDigests?: KnownDigests;
  /**
   * Follow symbolic links to regular files whose real path is inside this folder (a Hub cache snapshot's links into
   * the repo's blobs/, for a BOM); others are still refused. Signatures never set it (OMS covers no links).
   */
  followLinksInside?: string;
  signal?: AbortSignal;
}): Promise<ModelDigest> {
  const root = resolve(p.path);
  const st = await lstat(root).catch(() => undefined);
  if (!st)
    throw new SignatureError("MODEL_NOT_FOUND", `${root} does not exist.`, {
      hint: "Pass the model folder (or file) the signature is for.",
    });
  if (st.isSymbolicLink())
    throw new SignatureError("SYMLINK_IN_MODEL", `${root} is a symbolic link; OMS signatures cover no links.`, {
      hint: "Sign or verify the folder the link points to.",
    });
  const pool = createHashPool({});
  try {
    let hashed = 0;
    const sha256Of = async (abs: string, s: FileState): Promise<string> => {
      const known = await p.knownDigests?.(abs);
      if (known && isCurrent(known, s)) return known.sha256.toLowerCase();
      hashed++;
      return (await pool.hashFile({ path: abs, size: s.size, algorithms: ["sha256"], signal: p.signal })).sha256!;
    };
    if (st.isFile()) {
      const digest = await sha256Of(root, st);
      return {
        subjectName: basename(root),
        resources: [{ name: ".", algorithm: "sha256", digest }],
        ...finish([digest]),
        hashed,
      };
    }
    const ignore = new Set([
      ...DEFAULT_IGNORE_PATHS,
      ...(p.ignorePaths ?? []).map((i) => toRelative(root, i)).filter((i): i is string => i !== undefined),
    ]);
    const files: { name: string; abs: string; st: FileState }[] = [];
    const walk = async (rel: string): Promise<void> => {
      p.signal?.throwIfAborted();
      const abs = rel ? join(root, rel) : root;
      for (const name of (await readdir(abs)).sort()) {
        const r = rel ? `${rel}/${name}` : name;
        if (ignore.has(r) || isLlamagateBookkeeping(name)) continue;
        let s = await lstat(join(root, r));
        if (s.isSymbolicLink() && p.followLinksInside !== undefined) {
          const inside = resolve(await realpath(p.followLinksInside));
          const target = await realpath(join(root, r)).catch(() => undefined);
          const ts = target?.startsWith(inside + sep) ? await stat(target) : undefined;
          if (ts?.isFile()) s = ts;
        }
        if (s.isSymbolicLink())
          throw new SignatureError("SYMLINK_IN_MODEL", `${r} is a symbolic link; OMS signatures cover no links.`, {
            hint: `Replace it with the file itself, or leave it out with --ignore-paths ${r}.`,
            details: { path: r },
          });
        if (s.isDirectory()) await walk(r);
        else if (s.isFile()) files.push({ name: r, abs: join(root, r), st: s });
      }
    };
    await walk("");
    files.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    const digests = await Promise.all(files.map((f) => sha256Of(f.abs, f.st)));
    return {
      subjectName: basename(root),
      resources: files.map((f, i) => ({ name: f.name, algorithm: "sha256", digest: digests[i]! })),
      ...finish(digests),
      ignorePaths: [...ignore].sort(),
      hashed,
    };
  } finally {
    await pool.close();
  }
}

interface FileState {
  size: number;
  mtimeMs: number;
  ino: number;
}

function isCurrent(k: KnownDigest, s: FileState): boolean {
  return (
    /^[0-9a-f]{64}$/i.test(k.sha256) &&
    k.size === s.size &&
    k.mtimeMs === s.mtimeMs &&
    (k.ino === undefined || k.ino === s.ino)
  );
}

function finish(digests: string[]): { rootDigest: string; ignorePaths: string[] } {
  return { rootDigest: omsRootDigest(digests), ignorePaths: [] };
}

/** OMS's subject digest: sha256 over the concatenated raw resource digests, in resource-name order. */
export function omsRootDigest(digests: readonly string[]): string {
  const h = createHash("sha256");
  for (const d of digests) h.update(Buffer.from(d, "hex"));
  return h.digest("hex");
}

/** An ignore path as a "/"-separated path relative to root; undefined when it points outside. */
function toRelative(root: string, p: string): string | undefined {
  const rel = p.startsWith("/") ? relative(root, p) : p.replace(/^\.\//, "");
  if (rel === "" || rel.startsWith("..")) return undefined;
  return rel.split(sep).join("/").replace(/\/+$/, "");
}

/**
 * llamagate's lock, verification sidecars, partial downloads, a pull's `.llamagate-oci/` and a pull's or unpack's
 * copy record `.llamagate-copy.json`: never model content.
 */
function isLlamagateBookkeeping(name: string): boolean {
  return (
    name === ".llamagate.lock" ||
    name === ".llamagate-oci" ||
    name === ".llamagate-copy.json" ||
    /^\..+\.llamagate\.json$/.test(name) ||
    name.includes(".llamagate-partial-")
  );
}
