import { stat } from "node:fs/promises";
import { join, resolve } from "node:path";
import { createHashPool } from "../../verify/hash-pool.js";
import { hashModelForSigning } from "../oms/hash-model-for-signing.js";

/** One file checked against a recorded sha256: the same statuses as a signature's (`verify --signature`). */
export interface ReferenceFileResult {
  /** "/"-separated path relative to the folder checked. */
  name: string;
  status: "ok" | "changed" | "missing" | "added";
  /** The recorded sha256 (absent for an added file). */
  expected?: string;
  /** The sha256 now (absent for a missing file). */
  actual?: string;
}

export interface VerifyAgainstDigestsResult {
  ok: boolean;
  files: ReferenceFileResult[];
  counts: { ok: number; changed: number; missing: number; added: number };
}

/**
 * Re-hash the files of a folder against recorded sha256 digests (a pull's or an unpack's manifest, a GGUF's
 * conversion record, a BOM's components): each listed file is ok, changed or missing; with `extras`, every other
 * file in the folder is listed as added (llamagate's own bookkeeping, git's files and `ignorePaths` left out, as a
 * signature check does). Hashing runs on the worker pool.
 */
export async function verifyAgainstDigests(p: {
  /** The folder the names are relative to. */
  dir: string;
  /** The recorded files: "/"-separated path relative to `dir`, lower-case hex sha256. */
  expected: readonly { name: string; sha256: string }[];
  /** Also list files present but not recorded (`added`). */
  extras: boolean;
  /** Left out of the extras (relative to `dir`, or absolute inside it). */
  ignorePaths?: readonly string[];
  /** With `extras`: follow links to files inside this folder (a Hub cache snapshot's links into blobs/). */
  followLinksInside?: string;
  signal?: AbortSignal;
}): Promise<VerifyAgainstDigestsResult> {
  const dir = resolve(p.dir);
  const actual = new Map<string, string>();
  if (p.extras) {
    const now = await hashModelForSigning({
      path: dir,
      ignorePaths: p.ignorePaths,
      ...(p.followLinksInside !== undefined ? { followLinksInside: p.followLinksInside } : {}),
      signal: p.signal,
    });
    for (const r of now.resources) actual.set(r.name, r.digest);
  } else {
    const pool = createHashPool({});
    try {
      await Promise.all(
        p.expected.map(async (e) => {
          const abs = join(dir, ...e.name.split("/"));
          const st = await stat(abs).catch(() => undefined);
          if (!st?.isFile()) return;
          const h = await pool.hashFile({ path: abs, size: st.size, algorithms: ["sha256"], signal: p.signal });
          actual.set(e.name, h.sha256!);
        }),
      );
    } finally {
      await pool.close();
    }
  }
  const files: ReferenceFileResult[] = [];
  const seen = new Set<string>();
  for (const e of p.expected) {
    if (seen.has(e.name)) continue;
    seen.add(e.name);
    const a = actual.get(e.name);
    files.push({
      name: e.name,
      status: a === undefined ? "missing" : a === e.sha256.toLowerCase() ? "ok" : "changed",
      expected: e.sha256.toLowerCase(),
      ...(a ? { actual: a } : {}),
    });
  }
  for (const [name, digest] of actual) if (!seen.has(name)) files.push({ name, status: "added", actual: digest });
  files.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const counts = { ok: 0, changed: 0, missing: 0, added: 0 };
  for (const f of files) counts[f.status]++;
  return { ok: files.every((f) => f.status === "ok"), files, counts };
}
