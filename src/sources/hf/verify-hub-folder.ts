import { lstat, readdir, readFile, readlink, realpath, stat } from "node:fs/promises";
import { basename, dirname, join, resolve } from "node:path";
import { LlamagateError } from "../../core/errors.js";
import { createHashPool } from "../../verify/hash-pool.js";
import type { HashAlgorithm } from "../../verify/hash-types.js";

export interface HubFolderFile {
  path: string;
  /** OK: the bytes have the recorded identity; FAILED: they do not; MISSING: recorded, not there (a dangling link). */
  status: "OK" | "FAILED" | "MISSING";
  algorithm: "sha256" | "git-sha1";
  expected: string;
  actual?: string;
  size?: number;
}

export interface VerifyHubFolderResult {
  ok: boolean;
  /** A Hub cache snapshot (`models--org--name/snapshots/<commit>`) or a `--local-dir` folder. */
  kind: "hf-cache" | "hf-local-dir";
  repoId?: string;
  commits: string[];
  files: HubFolderFile[];
  /** Files present with no recorded identity (copies made with HF_HUB_DISABLE_SYMLINKS, files added by hand). */
  unrecorded: string[];
}

/** Whether `dir` is a Hub cache snapshot / repo folder, or a --local-dir folder (its .cache/huggingface/download). */
export async function isHubFolder(dir: string): Promise<boolean> {
  return (await hubFolderKind(resolve(dir))) !== undefined;
}

/**
 * `verify` of a folder the Hugging Face path wrote, like `hf cache verify` but offline: every file against the
 * identity the Hub gave it, which the cache keeps as the blob's name (sha256 for LFS files, git's blob sha1 for the
 * rest) and a --local-dir keeps in `.cache/huggingface/download/<path>.metadata` (commit, etag).
 */
export async function verifyHubFolder(p: { dir: string; signal?: AbortSignal }): Promise<VerifyHubFolderResult> {
  const dir = resolve(p.dir);
  const kind = await hubFolderKind(dir);
  if (!kind)
    throw new LlamagateError(
      "NOT_A_HUB_FOLDER",
      "not-found",
      `${dir} is no Hugging Face cache snapshot or --local-dir.`,
      {
        hint: "Point verify at a snapshot folder (models--org--name/snapshots/<commit>) or a --local-dir.",
      },
    );
  const jobs: { path: string; abs: string; algorithm: HubFolderFile["algorithm"]; expected: string }[] = [];
  const unrecorded: string[] = [];
  const commits: string[] = [];
  let repoId: string | undefined;
  const identity = (name: string) =>
    /^[0-9a-f]{64}$/.test(name) ? ("sha256" as const) : /^[0-9a-f]{40}$/.test(name) ? ("git-sha1" as const) : undefined;

  if (kind.type === "hf-cache") {
    repoId = basename(kind.repoDir).slice("models--".length).replace("--", "/");
    for (const snap of kind.snapshots) {
      commits.push(basename(snap));
      for (const rel of await walk(snap)) {
        const abs = join(snap, rel);
        const l = await lstat(abs);
        const blob = l.isSymbolicLink() ? basename(await readlink(abs)) : undefined;
        const algorithm = blob ? identity(blob) : undefined;
        if (!blob || !algorithm) unrecorded.push(rel);
        else
          jobs.push({
            path: kind.snapshots.length > 1 ? `${basename(snap)}/${rel}` : rel,
            abs,
            algorithm,
            expected: blob,
          });
      }
    }
  } else {
    const metaRoot = join(dir, ".cache", "huggingface", "download");
    const recorded = new Set<string>();
    for (const rel of await walk(metaRoot)) {
      if (!rel.endsWith(".metadata")) continue;
      const [commit, etag] = (await readFile(join(metaRoot, rel), "utf8")).split("\n");
      const path = rel.slice(0, -".metadata".length);
      const algorithm = identity(etag?.trim() ?? "");
      if (!algorithm) continue;
      if (commit && !commits.includes(commit.trim())) commits.push(commit.trim());
      recorded.add(path);
      jobs.push({ path, abs: join(dir, path), algorithm, expected: etag!.trim() });
    }
    for (const rel of await walk(dir)) if (!recorded.has(rel)) unrecorded.push(rel);
  }

  const pool = createHashPool({});
  try {
    const files = await Promise.all(
      jobs.map(async (j): Promise<HubFolderFile> => {
        const s = await stat(j.abs).catch(() => undefined);
        if (!s?.isFile()) return { path: j.path, status: "MISSING", algorithm: j.algorithm, expected: j.expected };
        const algorithms: HashAlgorithm[] = [j.algorithm];
        const actual = (await pool.hashFile({ path: j.abs, size: s.size, algorithms, signal: p.signal }))[j.algorithm]!;
        const status = actual === j.expected ? "OK" : "FAILED";
        return { path: j.path, status, algorithm: j.algorithm, expected: j.expected, actual, size: s.size };
      }),
    );
    files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
    return { ok: files.every((f) => f.status === "OK"), kind: kind.type, repoId, commits, files, unrecorded };
  } finally {
    await pool.close();
  }
}

type Kind = { type: "hf-cache"; repoDir: string; snapshots: string[] } | { type: "hf-local-dir" };

async function hubFolderKind(dir: string): Promise<Kind | undefined> {
  const real = await realpath(dir).catch(() => undefined);
  if (!real) return undefined;
  if (basename(dirname(real)) === "snapshots" && basename(dirname(dirname(real))).startsWith("models--"))
    return { type: "hf-cache", repoDir: dirname(dirname(real)), snapshots: [real] };
  if (
    basename(real).startsWith("models--") &&
    (await stat(join(real, "snapshots")).catch(() => undefined))?.isDirectory()
  ) {
    const snaps = (await readdir(join(real, "snapshots"))).sort().map((s) => join(real, "snapshots", s));
    return { type: "hf-cache", repoDir: real, snapshots: snaps };
  }
  if ((await stat(join(real, ".cache", "huggingface", "download")).catch(() => undefined))?.isDirectory())
    return { type: "hf-local-dir" };
  return undefined;
}

/** Relative "/"-paths of the files below `root` (links included, not followed), hidden entries left out. */
async function walk(root: string, rel = ""): Promise<string[]> {
  const out: string[] = [];
  const names = await readdir(rel ? join(root, rel) : root).catch(() => [] as string[]);
  for (const name of names.sort()) {
    if (name.startsWith(".") && !root.endsWith(join(".cache", "huggingface", "download"))) continue;
    const r = rel ? `${rel}/${name}` : name;
    const l = await lstat(join(root, r));
    if (l.isDirectory()) out.push(...(await walk(root, r)));
    else out.push(r);
  }
  return out;
}
