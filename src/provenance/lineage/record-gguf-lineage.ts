import { lstat, readdir, stat } from "node:fs/promises";
import { basename, dirname, join, resolve } from "node:path";
import { writeFileAtomic } from "../../core/fs/write-file-atomic.js";
import { createHashPool } from "../../verify/hash-pool.js";
import type { KnownDigests } from "../oms/hash-model-for-signing.js";

/** What a GGUF was converted from, kept beside it: `.<name>.gguf.conversion.llamagate.json`. */
export interface GgufLineageRecord {
  format: "llamagate-conversion";
  version: 1;
  /** When the conversion finished (ISO 8601). */
  convertedAt: string;
  /** The weight type written (`F16`, `Q8_0`, ...). */
  dtype: string;
  /** The GGUF as written: its file name, size and sha256. */
  output: { name: string; size: number; sha256: string };
  /**
   * The source folder (absolute) and every input file read from it: its top-level files, and a Meta tokenizer.model
   * from the parent folder as `../tokenizer.model`.
   */
  source: { kind: "meta" | "hf"; dir: string; files: { path: string; size: number; sha256: string }[] };
}

/** The lineage record's path for a GGUF file. */
export function ggufLineagePath(gguf: string): string {
  return join(dirname(gguf), `.${basename(gguf)}.conversion.llamagate.json`);
}

/**
 * Record a conversion's inputs beside its GGUF, so `llamagate verify FILE.gguf` can later re-check the GGUF against
 * the hash it had when written and its source files against theirs, and a BOM can name them. Hashes the new GGUF
 * (just written: read back from the page cache) and each input file, taking a digest from `knownDigests` (a
 * download's verification record) while it still describes the file. Inputs are the source folder's top-level
 * regular files (links followed, as in a Hub snapshot; hidden files, llamagate's bookkeeping and model.sig left out)
 * and, for a Meta folder without its own tokenizer.model, the parent folder's.
 */
export async function recordGgufLineage(p: {
  /** The GGUF written. */
  gguf: string;
  /** The folder it was converted from. */
  sourceDir: string;
  sourceKind: "meta" | "hf";
  dtype: string;
  knownDigests?: KnownDigests;
  signal?: AbortSignal;
}): Promise<GgufLineageRecord> {
  const gguf = resolve(p.gguf);
  const dir = resolve(p.sourceDir);
  const inputs: { path: string; abs: string }[] = [];
  for (const name of (await readdir(dir)).sort()) {
    if (name.startsWith(".") || name === "model.sig" || name.endsWith(".corrupt") || name.includes(".llamagate"))
      continue;
    if ((await stat(join(dir, name)).catch(() => undefined))?.isFile())
      inputs.push({ path: name, abs: join(dir, name) });
  }
  if (p.sourceKind === "meta" && !inputs.some((i) => i.path === "tokenizer.model")) {
    const parent = join(dirname(dir), "tokenizer.model");
    if ((await stat(parent).catch(() => undefined))?.isFile()) inputs.push({ path: "../tokenizer.model", abs: parent });
  }
  const pool = createHashPool({});
  try {
    const hash = async (abs: string) => {
      const st = await stat(abs);
      const known = await p.knownDigests?.(abs);
      const linked = (await lstat(abs)).isSymbolicLink();
      const sha256 =
        !linked && known && known.size === st.size && known.mtimeMs === st.mtimeMs && (known.ino ?? st.ino) === st.ino
          ? known.sha256.toLowerCase()
          : (await pool.hashFile({ path: abs, size: st.size, algorithms: ["sha256"], signal: p.signal })).sha256!;
      return { size: st.size, sha256 };
    };
    // The GGUF and the inputs at once, on the pool's threads.
    const [own, ...files] = await Promise.all([
      hash(gguf),
      ...inputs.map(async (i) => ({ path: i.path, ...(await hash(i.abs)) })),
    ]);
    const output = { name: basename(gguf), size: own!.size, sha256: own!.sha256 };
    const record: GgufLineageRecord = {
      format: "llamagate-conversion",
      version: 1,
      convertedAt: new Date().toISOString(),
      dtype: p.dtype,
      output,
      source: { kind: p.sourceKind, dir, files },
    };
    await writeFileAtomic({ path: ggufLineagePath(gguf), data: JSON.stringify(record, null, 2) + "\n" });
    return record;
  } finally {
    await pool.close();
  }
}
