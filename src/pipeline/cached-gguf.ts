import { createHash } from "node:crypto";
import { readdir, stat } from "node:fs/promises";
import { basename, join, resolve } from "node:path";
import { convertCheckpointIter } from "../convert/convert-checkpoint.js";
import type { ConvertEvent } from "../convert/convert-events.js";
import { ensureDirInside } from "../core/fs/ensure-dir-inside.js";

/** Bump when the converter's GGUF output changes in a way that should invalidate cached files. */
const CACHE_FORMAT = 1;

/**
 * The GGUF of a model folder, converted once by the converter into `cacheDir` and reused while the
 * folder's files (names, sizes, modification times) are unchanged. Yields the converter's events
 * when it converts.
 */
export async function* cachedGgufIter(params: {
  /** Meta download or Hugging Face snapshot folder. */
  dir: string;
  /** Where cached GGUFs live (under llamagate's data folder, never inside the HF cache). */
  cacheDir: string;
  signal?: AbortSignal;
}): AsyncGenerator<ConvertEvent, { path: string; reused: boolean }, undefined> {
  const dir = resolve(params.dir);
  const path = join(resolve(params.cacheDir), `${basename(dir)}-${await sourceKey(dir)}.gguf`);
  if (
    await stat(path).then(
      (s) => s.isFile(),
      () => false,
    )
  )
    return { path, reused: true };
  await ensureDirInside({ root: params.cacheDir, dir: params.cacheDir, errorContext: { flag: "LLAMAGATE_DATA_DIR" } });
  yield* convertCheckpointIter({
    input: dir,
    to: "gguf",
    out: path,
    force: true,
    ...(params.signal ? { signal: params.signal } : {}),
  });
  return { path, reused: false };
}

/** A short hash of the folder's path and its top-level files' names, sizes and mtimes (symlinks followed). */
async function sourceKey(dir: string): Promise<string> {
  const entries: [string, number, number][] = [];
  for (const name of (await readdir(dir)).sort()) {
    const s = await stat(join(dir, name)).catch(() => undefined);
    if (s?.isFile()) entries.push([name, s.size, Math.floor(s.mtimeMs)]);
  }
  return createHash("sha256")
    .update(JSON.stringify({ v: CACHE_FORMAT, dir, entries }))
    .digest("hex")
    .slice(0, 16);
}
