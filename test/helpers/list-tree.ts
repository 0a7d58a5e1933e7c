/**
 * Every entry under a folder, as "path", "path/" (folder) or "path -> target" (symlink), sorted; for exact-tree
 * assertions.
 */
import { lstat, readdir, readlink } from "node:fs/promises";
import { join } from "node:path";

export async function listTree(root: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (dir: string, prefix: string) => {
    for (const e of await readdir(dir, { withFileTypes: true })) {
      const rel = prefix ? `${prefix}/${e.name}` : e.name;
      const abs = join(dir, e.name);
      const st = await lstat(abs);
      if (st.isSymbolicLink()) out.push(`${rel} -> ${await readlink(abs)}`);
      else if (st.isDirectory()) {
        out.push(`${rel}/`);
        await walk(abs, rel);
      } else out.push(rel);
    }
  };
  await walk(root, "").catch((e) => {
    if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
  });
  return out.sort();
}
