import type { ConvertEvent } from "./convert-events.js";
import type { OutDType } from "./create-caster.js";
import { ConversionError } from "./errors.js";
import type { SourceModel } from "./source-model.js";

/** Placeholder until the GGUF writer lands. */
export async function writeGgufModel(_params: { source: SourceModel; path: string; dtype: OutDType; name: string; chat: boolean; emit: (e: ConvertEvent) => void; signal?: AbortSignal }): Promise<void> {
  throw new ConversionError("NOT_IMPLEMENTED", "GGUF output is not available yet.");
}
