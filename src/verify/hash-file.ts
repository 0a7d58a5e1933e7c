import { stat } from "node:fs/promises";
import { createHashPool, type HashPool } from "./hash-pool.js";
import type { HashAlgorithm, HashResult } from "./hash-types.js";

/**
 * Hash one file with one or more algorithms in a worker thread. Pass `pool` to share workers
 * across many files (verify does); without it a one-worker pool is made and closed.
 */
export async function hashFile(params: {
  /** File to hash. */
  path: string;
  /** Algorithms to compute. @default ["md5"] */
  algorithms?: readonly HashAlgorithm[];
  /** Shared worker pool. */
  pool?: HashPool;
  /** Stops hashing (InterruptedError). */
  signal?: AbortSignal;
}): Promise<HashResult> {
  const { size } = await stat(params.path);
  const pool = params.pool ?? createHashPool({ size: 1 });
  try {
    return await pool.hashFile({
      path: params.path,
      size,
      algorithms: params.algorithms ?? ["md5"],
      signal: params.signal,
    });
  } finally {
    if (!params.pool) await pool.close();
  }
}
