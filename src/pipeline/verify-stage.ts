import { stat } from "node:fs/promises";
import { join } from "node:path";
import { readVerifiedSidecar, writeVerifiedSidecar } from "../download/verified-sidecar.js";
import type { HfDownloadSummary } from "../sources/hf/download-hf.js";
import { eventChannel } from "../core/event-channel.js";
import { createHashPool, type HashPool } from "../verify/hash-pool.js";
import { verifyChecklists } from "../verify/verify-checklists.js";
import type { PipelineEvent, PipelineVerifyResult } from "./pipeline-types.js";

/**
 * Verify a Meta download folder against its checklists, like `llamagate verify`, except that a file
 * verified before and unchanged since (same size, mtime and inode as the hash recorded beside it) is
 * trusted without reading it again. Files hashed here get their record too, so the next run skips them.
 */
export async function* verifyMetaStage(params: {
  dir: string;
  signal?: AbortSignal;
}): AsyncGenerator<PipelineEvent, PipelineVerifyResult> {
  const t0 = performance.now();
  const inner = createHashPool({});
  const rehashed = new Set<string>();
  // A pool that answers from the recorded hash when the file is unchanged, and records what it hashes.
  const pool: HashPool = {
    session: (p) => inner.session(p),
    close: () => inner.close(),
    hashFile: async (p) => {
      const st = await stat(p.path);
      const known = await readVerifiedSidecar(p.path, st);
      if (known && p.algorithms.every((a) => known[a] !== undefined)) return known;
      rehashed.add(p.path);
      const hashes = await inner.hashFile(p);
      await writeVerifiedSidecar(p.path, { ...known, ...hashes });
      return hashes;
    },
  };
  let result;
  try {
    result = yield* eventChannel<PipelineEvent, Awaited<ReturnType<typeof verifyChecklists>>>((emit) =>
      verifyChecklists({
        dir: params.dir,
        pool,
        onResult: (r, index) => {
          emit({
            type: "verify-file",
            path: r.path,
            status: r.status,
            rehashed: rehashed.has(join(params.dir, r.path)),
            index,
          });
        },
        ...(params.signal ? { signal: params.signal } : {}),
      }),
    );
  } finally {
    await inner.close();
  }
  const results = result.files.map((f) => ({
    path: f.path,
    status: f.status,
    rehashed: rehashed.has(join(params.dir, f.path)),
  }));
  return {
    files: results.length,
    ok: result.counts.ok,
    failed: result.counts.failed,
    missing: result.counts.missing + result.counts.unreadable,
    rehashed: results.filter((r) => r.rehashed).length,
    reused: results.filter((r) => !r.rehashed && r.status === "OK").length,
    results,
    seconds: (performance.now() - t0) / 1000,
  };
}

/**
 * A Hugging Face download is verified while it arrives (LFS sha256 or git blob sha1 of every file), and a
 * cache blob is named by its verified hash: the stage reports those checks without reading the files again.
 */
export function verifyHfStage(summary: HfDownloadSummary): PipelineVerifyResult {
  const results = summary.files.map((f) => ({
    path: f.path,
    status: f.verified ? "OK" : "UNVERIFIED",
    rehashed: false,
  }));
  const ok = results.filter((r) => r.status === "OK").length;
  const reused = summary.files.filter((f) => f.verified && !f.downloaded).length;
  return { files: results.length, ok, failed: 0, missing: 0, rehashed: 0, reused, results, seconds: 0 };
}
