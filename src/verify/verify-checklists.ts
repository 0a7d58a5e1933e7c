import { stat } from "node:fs/promises";
import { dirname, join, relative, sep } from "node:path";
import { InterruptedError, UsageError, LlamagateError } from "../core/errors.js";
import { createHashPool, type HashPool } from "./hash-pool.js";
import { findChecklists } from "./find-checklists.js";
import { readMd5Checklist } from "./read-md5-checklist.js";
import { forEachConcurrent } from "../core/for-each-concurrent.js";

/**
 * Outcome of one checklist line, like `md5sum -c`: OK, FAILED (hash differs), MISSING, UNREADABLE (open or read
 * failed).
 */
export type VerifyStatus = "OK" | "FAILED" | "MISSING" | "UNREADABLE";

export interface VerifyFileResult {
  /** Path relative to the verified folder, "/"-separated. */
  path: string;
  /** Checklist (relative to the folder) that lists the file. */
  checklist: string;
  status: VerifyStatus;
  expected: string;
  /** md5 found (OK and FAILED only). */
  actual?: string;
  size?: number;
}

export interface VerifyChecklistsResult {
  /** Absolute folder that was verified. */
  dir: string;
  /** Checklists found, relative to dir. */
  checklists: string[];
  /** Every line of every checklist, in checklist order. */
  files: VerifyFileResult[];
  counts: { ok: number; failed: number; missing: number; unreadable: number };
  /** True when every file is OK. */
  ok: boolean;
  seconds: number;
}

/**
 * Check every checklist.chk / tokenizer_checklist.chk under `dir`: each listed file is md5-hashed in
 * worker threads (several files at once) and reported OK / FAILED / MISSING / UNREADABLE. A malformed or
 * unsafe checklist throws ChecklistError (integrity); a folder without checklists throws not-found;
 * a path that is not a folder throws UsageError.
 */
export async function verifyChecklists(params: {
  /** Folder to verify (e.g. the --dir of a Meta download), or one checklist file (`*.chk`). */
  dir: string;
  /** Files hashed at once (8: two hashing threads then hash four md5 streams each on the SIMD lanes). @default 8 */
  concurrency?: number;
  /** Shared hashing pool; one is made (and closed) otherwise. */
  pool?: HashPool;
  /** Called as each file's result is known (any order). */
  onResult?: (r: VerifyFileResult, index: number) => void;
  /** Called once before hashing starts: how many files and bytes (of those present) will be hashed. */
  onPlan?: (plan: { files: number; bytes: number }) => void;
  signal?: AbortSignal;
}): Promise<VerifyChecklistsResult> {
  const t0 = performance.now();
  const st = await stat(params.dir).catch(() => undefined);
  // A checklist file itself is accepted too (like `md5sum -c FILE`): its folder is the root.
  const single = st?.isFile() && /\.chk$/i.test(params.dir);
  if (!st?.isDirectory() && !single) {
    const hint = "Pass the folder you downloaded into (the --dir of llamagate download), or one checklist .chk file.";
    // A missing folder exits 5 (not-found, as docs/exit-codes.md says); a file that is not a checklist is usage.
    if (!st) throw new LlamagateError("VERIFY_DIR_NOT_FOUND", "not-found", `${params.dir} does not exist.`, { hint });
    throw new UsageError(`${params.dir} is not a folder.`, { code: "VERIFY_NOT_A_FOLDER", hint });
  }
  const dir = single ? dirname(params.dir) : params.dir;
  const checklists = single ? [params.dir] : await findChecklists({ dir, signal: params.signal });
  if (checklists.length === 0) {
    throw new LlamagateError(
      "NO_CHECKLISTS",
      "not-found",
      `No checklist.chk or tokenizer_checklist.chk under ${dir}.`,
      {
        hint: "Point verify at a folder made by llamagate download or Meta's download.sh.",
      },
    );
  }
  const rel = (p: string) => relative(dir, p).split(sep).join("/");
  const jobs: { abs: string; result: VerifyFileResult }[] = [];
  for (const chk of checklists) {
    const name = rel(chk);
    const entries = await readMd5Checklist({ path: chk, name });
    for (const e of entries) {
      const abs = join(dirname(chk), ...e.path.split("/"));
      jobs.push({ abs, result: { path: rel(abs), checklist: name, status: "MISSING", expected: e.md5 } });
    }
  }

  if (params.onPlan) {
    const sizes = await Promise.all(
      jobs.map((j) =>
        stat(j.abs).then(
          (s) => (s.isFile() ? s.size : 0),
          () => 0,
        ),
      ),
    );
    params.onPlan({ files: jobs.length, bytes: sizes.reduce((a, b) => a + b, 0) });
  }
  const pool = params.pool ?? createHashPool({});
  const concurrency = Math.max(1, params.concurrency ?? 8);
  try {
    await forEachConcurrent(jobs, concurrency, async (job, i) => {
      if (params.signal?.aborted) throw new InterruptedError();
      job.result = await checkOne(job.abs, job.result, pool, params.signal);
      params.onResult?.(job.result, i);
    });
  } finally {
    if (!params.pool) await pool.close();
  }
  const files = jobs.map((j) => j.result);
  const counts = {
    ok: files.filter((f) => f.status === "OK").length,
    failed: files.filter((f) => f.status === "FAILED").length,
    missing: files.filter((f) => f.status === "MISSING").length,
    unreadable: files.filter((f) => f.status === "UNREADABLE").length,
  };
  return {
    dir,
    checklists: checklists.map(rel),
    files,
    counts,
    ok: counts.ok === files.length,
    seconds: (performance.now() - t0) / 1000,
  };
}

async function checkOne(
  abs: string,
  base: VerifyFileResult,
  pool: HashPool,
  signal?: AbortSignal,
): Promise<VerifyFileResult> {
  let size: number;
  try {
    const s = await stat(abs);
    if (!s.isFile()) return { ...base, status: "UNREADABLE" };
    size = s.size;
  } catch (e) {
    return { ...base, status: (e as NodeJS.ErrnoException).code === "ENOENT" ? "MISSING" : "UNREADABLE" };
  }
  try {
    const { md5 } = await pool.hashFile({ path: abs, size, algorithms: ["md5"], signal });
    return { ...base, status: md5 === base.expected ? "OK" : "FAILED", actual: md5, size };
  } catch (e) {
    if (e instanceof InterruptedError) throw e;
    return { ...base, status: "UNREADABLE", size };
  }
}
