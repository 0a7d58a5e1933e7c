import { stat } from "node:fs/promises";
import { dirname, join } from "node:path";

/** tokenizer.model in `dir`, else in its parent (Meta's Llama 2 download puts it at the top level). */
export async function findTokenizer(params: {
  /** The model folder. */
  dir: string;
  /** Also look in the parent folder (Meta layout). */
  searchParent: boolean;
}): Promise<string | undefined> {
  const candidates = [join(params.dir, "tokenizer.model")];
  if (params.searchParent) candidates.push(join(dirname(params.dir), "tokenizer.model"));
  for (const c of candidates) {
    try {
      if ((await stat(c)).isFile()) return c;
    } catch {
      // not there: try the next place
    }
  }
  return undefined;
}
