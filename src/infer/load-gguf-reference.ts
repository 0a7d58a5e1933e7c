import { openGguf } from "../formats/gguf/index.js";
import { buildReferenceModel } from "./build-reference-model.js";
import { ggufReferenceWeights } from "./gguf-reference-weights.js";
import type { ReferenceModel } from "./types.js";

/**
 * Build the reference model from a llama GGUF file: hyper-parameters from the llama.* keys,
 * tensors dequantized (F32/F16/BF16/Q8_0) to f32 under canonical names, dims un-reversed, q/k in
 * llama.cpp's (Meta's interleaved) order.
 */
export async function loadGgufReference(params: {
  /** A llama GGUF file (F32, F16, BF16 or Q8_0 tensors). */
  path: string;
  signal?: AbortSignal;
}): Promise<ReferenceModel> {
  const { path, signal } = params;
  const file = await openGguf({ path, ...(signal ? { signal } : {}) });
  try {
    return await buildReferenceModel(ggufReferenceWeights({ file, path, ...(signal ? { signal } : {}) }));
  } finally {
    await file.close();
  }
}
