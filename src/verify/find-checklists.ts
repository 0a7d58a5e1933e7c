import { readdir } from "node:fs/promises";
import { join } from "node:path";

/** File names `verify` treats as md5 checklists (Meta's names). */
const CHECKLIST_NAMES: readonly string[] = ["checklist.chk", "tokenizer_checklist.chk"];

/**
 * Every checklist under `dir` (recursive, sorted, hidden folders and symlinked folders skipped),
 * as absolute paths.
 */
export async function findChecklists(params: { dir: string; signal?: AbortSignal }): Promise<string[]> {
  const out: string[] = [];
  const walk = async (d: string, depth: number) => {
    if (params.signal?.aborted || depth > 16) return;
    const entries = await readdir(d, { withFileTypes: true });
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const e of entries) {
      if (e.name.startsWith(".")) continue;
      const p = join(d, e.name);
      if (e.isFile() && CHECKLIST_NAMES.includes(e.name)) out.push(p);
    }
    for (const e of entries) {
      if (e.isDirectory() && !e.name.startsWith(".") && e.name !== "node_modules")
        await walk(join(d, e.name), depth + 1);
    }
  };
  await walk(params.dir, 0);
  return out;
}
