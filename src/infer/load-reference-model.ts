import { stat } from "node:fs/promises";
import { openSourceModel } from "../model/open-source-model.js";
import type { Llama3Version } from "../model/llama3-version.js";
import { loadGgufReference } from "./load-gguf-reference.js";
import { loadSourceReference } from "./load-source-reference.js";
import type { ReferenceModel } from "./types.js";

/**
 * Load any checkpoint llamagate can convert into the f32 reference model: a GGUF file, a Meta
 * folder (shards merged) or a Hugging Face snapshot. Only sensible for small models: every weight
 * is held in memory as f32.
 */
export async function loadReferenceModel(params: {
  /** A .gguf file or a model folder. */
  path: string;
  /** Llama 3 release of a Meta folder whose name and params.json do not say (see convert --llama-version). */
  llamaVersion?: Llama3Version | undefined;
  signal?: AbortSignal;
}): Promise<ReferenceModel> {
  const { path, signal, llamaVersion } = params;
  const isFile = await stat(path).then(
    (s) => s.isFile(),
    () => false,
  );
  if (isFile) return loadGgufReference({ path, ...(signal ? { signal } : {}) });
  const source = await openSourceModel({ dir: path, llamaVersion, ...(signal ? { signal } : {}) });
  try {
    return await loadSourceReference({ source, ...(signal ? { signal } : {}) });
  } finally {
    await source.close();
  }
}
