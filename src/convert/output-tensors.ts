import type { SourceModel, SourceTensor } from "../model/source-model.js";

/**
 * The tensors a converter writes: all of the source's, except output.weight when the model ties its
 * output head to the embeddings (Llama 3.2 1B/3B: the HF repos ship no lm_head.weight, and llama.cpp
 * reuses token_embd.weight when output.weight is absent).
 */
export function outputTensors(source: SourceModel): SourceTensor[] {
  return source.dims.tieWordEmbeddings
    ? source.tensors.filter((t) => t.canonical !== "output.weight")
    : [...source.tensors];
}
