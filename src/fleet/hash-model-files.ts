import { readFile } from "node:fs/promises";
import { LlamagateError } from "../core/errors.js";
import { readVerifiedSidecar } from "../download/verified-sidecar.js";
import type { ModelFolderFile } from "../sources/oci/list-model-files.js";
import { createHashPool } from "../verify/hash-pool.js";
import { parseMd5Checklist } from "../verify/parse-md5-checklist.js";

/**
 * sha256 of every file of a model folder before it is shipped (push, pack): reuses the verification
 * sidecar of a llamagate download when it still describes the file, and checks files that a Meta
 * checklist.chk lists against their md5 in the same pass (a damaged model is refused, not shipped).
 */
export async function hashModelFiles(params: {
  files: readonly ModelFolderFile[];
  /** Called after each file (reused: no re-hash was needed). */
  onFile?: (path: string, reused: boolean) => void;
  signal?: AbortSignal;
}): Promise<Map<string, string>> {
  const checklists = await readChecklists(params.files);
  const out = new Map<string, string>();
  const pool = createHashPool({ size: 2 });
  try {
    for (const f of params.files) {
      const algorithms = checklists.has(f.path) ? (["sha256", "md5"] as const) : (["sha256"] as const);
      const side = await readVerifiedSidecar(f.absPath, f);
      const reused = Boolean(side && algorithms.every((a) => side[a]));
      const h = reused
        ? side!
        : await pool.hashFile({ path: f.absPath, size: f.size, algorithms, signal: params.signal });
      const want = checklists.get(f.path);
      if (want && h.md5 !== want) {
        throw new LlamagateError(
          "CHECKLIST_MISMATCH",
          "integrity",
          `${f.path} does not match its checklist md5 (${want}); refusing to ship a damaged model.`,
          {
            hint: "Download the model again (llamagate download fetches damaged files again), then retry.",
          },
        );
      }
      out.set(f.path, h.sha256!);
      params.onFile?.(f.path, reused);
    }
  } finally {
    await pool.close();
  }
  return out;
}

/** md5 by relative path from the folder's checklist.chk files (Meta layout). */
async function readChecklists(files: readonly ModelFolderFile[]): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const f of files) {
    const name = f.path.split("/").pop()!;
    if (name !== "checklist.chk" && name !== "tokenizer_checklist.chk") continue;
    const base = f.path.includes("/") ? f.path.slice(0, f.path.lastIndexOf("/") + 1) : "";
    for (const e of parseMd5Checklist({ text: await readFile(f.absPath, "utf8"), name: f.path }))
      out.set(base + e.path, e.md5);
  }
  return out;
}
