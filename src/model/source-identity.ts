import { createHash } from "node:crypto";
import { readdir, stat } from "node:fs/promises";
import { join } from "node:path";

/** Files that make a checkpoint what it is: weights, configs, tokenizers and Meta's checksum list. */
const IDENTITY_FILE = /\.(pth|safetensors|json|model)$|^checklist\.chk$/;

/** What a converted GGUF records about the folder it came from, and what is compared when it is found again. */
export interface SourceIdentity {
  /** `name size` of each weight, config and tokenizer file at the top of the folder, sorted by name. */
  files: string[];
  /** sha256 (hex) of those lines joined by newlines: the folder's identity. */
  sha256: string;
}

/**
 * The identity of a Meta folder or Hugging Face snapshot: its weight, config and tokenizer files' names and sizes
 * (symlinks followed, as in HF snapshots). Cheap (no file is read) and unchanged by copying the folder; a changed,
 * added or removed weight file changes it.
 */
export async function sourceIdentity(params: { /** The checkpoint folder. */ dir: string }): Promise<SourceIdentity> {
  const files: string[] = [];
  for (const name of (await readdir(params.dir)).sort()) {
    if (!IDENTITY_FILE.test(name)) continue;
    const s = await stat(join(params.dir, name)).catch(() => undefined);
    if (s?.isFile()) files.push(`${name} ${s.size}`);
  }
  return { files, sha256: createHash("sha256").update(files.join("\n")).digest("hex") };
}
