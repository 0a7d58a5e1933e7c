import { detectCheckpoint } from "./detect-checkpoint.js";
import { openHfSource } from "./open-hf-source.js";
import { openMetaSource } from "./open-meta-source.js";
import type { SourceModel } from "./source-model.js";
import type { Llama3Version } from "./llama3-version.js";

/** Open a Meta folder or a Hugging Face snapshot, whichever `dir` is. */
export async function openSourceModel(params: {
  /** Meta checkpoint folder or Hugging Face snapshot folder. */
  dir: string;
  /** Llama 3 release of a Meta checkpoint, overriding the folder name and params.json. */
  llamaVersion?: Llama3Version | undefined;
  signal?: AbortSignal;
}): Promise<SourceModel> {
  const kind = await detectCheckpoint({ dir: params.dir });
  return kind === "meta" ? openMetaSource(params) : openHfSource(params);
}
