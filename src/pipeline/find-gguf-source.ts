import { stat } from "node:fs/promises";
import { isAbsolute } from "node:path";
import { openGguf } from "../formats/gguf/index.js";
import { detectCheckpoint } from "../model/detect-checkpoint.js";
import { sourceIdentity } from "../model/source-identity.js";

/** What a GGUF's `llamagate.source.*` metadata led to. */
export type GgufSourceLookup =
  | { found: true; path: string }
  | {
      found: false;
      /** The folder the GGUF records. */
      path: string;
      /** Why it cannot be used, one clause. */
      reason: string;
    };

/**
 * The Meta folder or HF snapshot a GGUF was converted from, as llamagate's converter records it
 * (`llamagate.source.path`, `.sha256`), when it is still there and still holds the same weight, config and
 * tokenizer files (names and sizes). Undefined when the GGUF records no source (made by another tool).
 */
export async function findGgufSource(params: {
  /** The GGUF file. */
  gguf: string;
  signal?: AbortSignal;
}): Promise<GgufSourceLookup | undefined> {
  // Not a readable GGUF: the smoke test says what it is instead.
  const file = await openGguf({ path: params.gguf, ...(params.signal ? { signal: params.signal } : {}) }).catch(
    () => undefined,
  );
  if (!file) return undefined;
  let path: unknown;
  let sha256: unknown;
  try {
    path = file.metadata.get("llamagate.source.path")?.value;
    sha256 = file.metadata.get("llamagate.source.sha256")?.value;
  } finally {
    await file.close();
  }
  if (typeof path !== "string" || !isAbsolute(path)) return undefined;
  const st = await stat(path).catch(() => undefined);
  if (!st) return { found: false, path, reason: `${path}, the folder it was converted from, no longer exists` };
  if (!st.isDirectory()) return { found: false, path, reason: `${path}, where it was converted from, is not a folder` };
  const isCheckpoint = await detectCheckpoint({ dir: path }).then(
    () => true,
    () => false,
  );
  if (!isCheckpoint)
    return { found: false, path, reason: `${path}, the folder it was converted from, no longer holds a checkpoint` };
  const now = await sourceIdentity({ dir: path });
  if (typeof sha256 === "string" && now.sha256 !== sha256)
    return {
      found: false,
      path,
      reason: `${path}, the folder it was converted from, holds different files now (names or sizes changed)`,
    };
  return { found: true, path };
}
