import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { buildTinyTokenizerModel } from "./tiny-llama-tokenizer.js";
import { makeTinyLlamaWeights, splitIntoShards, type F32Tensor, type TinyLlamaSpec } from "./tiny-llama-model.js";
import { writeTorchCheckpoint } from "../../src/demo/write-torch-checkpoint.js";

export interface TinyCheckpointOptions {
  dir: string;
  spec: TinyLlamaSpec;
  shards: number;
  dtype: "BF16" | "F32";
  seed?: number;
  /** Put each layer's tensors in one shared storage, as Meta's files do. */
  shareStorage?: boolean;
  /** params.json fields to add or override (e.g. rope_theta). */
  extraParams?: Record<string, unknown>;
  /** Write tokenizer.model with this many pieces (default: spec.vocabSize; 0 = none). */
  tokenizerPieces?: number;
  /** Split tok_embeddings along this dim (1 for Llama 1/2, 0 for Llama 3). */
  embeddingSplitDim?: number;
  /** Norm weights are 1 ± this (default 0.1; real models spread wider, so a dropped norm shows). */
  normSpread?: number;
  /** Extra replicated tensors to put in every shard (e.g. rope.freqs). */
  extraTensors?: Map<string, F32Tensor>;
}

function bytesOf(t: F32Tensor, dtype: "BF16" | "F32"): Uint8Array {
  if (dtype === "F32")
    return new Uint8Array(t.data.buffer.slice(t.data.byteOffset, t.data.byteOffset + t.data.byteLength));
  const u32 = new Uint32Array(t.data.buffer, t.data.byteOffset, t.data.length);
  const out = new Uint16Array(t.data.length);
  for (let i = 0; i < out.length; i++) out[i] = u32[i]! >>> 16; // values are already bf16-exact
  return new Uint8Array(out.buffer);
}

/**
 * Write a Meta-layout checkpoint (params.json, consolidated.NN.pth, tokenizer.model) for random
 * weights and return the full weights it holds (the ground truth, independent of the converter).
 */
export async function writeTinyMetaCheckpoint(o: TinyCheckpointOptions): Promise<Map<string, F32Tensor>> {
  await mkdir(o.dir, { recursive: true });
  const weights = makeTinyLlamaWeights(o.spec, o.seed ?? 1, o.dtype === "BF16", o.normSpread);
  const shards = splitIntoShards(weights, o.shards, o.embeddingSplitDim ?? 1);
  for (const [name, t] of o.extraTensors ?? []) for (const s of shards) s.set(name, t);
  shards.forEach((shard, i) => {
    const tensors = [...shard].map(([name, t]) => ({
      name,
      dtype: o.dtype,
      shape: t.shape,
      data: bytesOf(t, o.dtype),
    }));
    writeTorchCheckpoint(join(o.dir, `consolidated.${String(i).padStart(2, "0")}.pth`), tensors, {
      ...(o.shareStorage ? { storageOf: (n: string) => /^layers\.\d+\./.exec(n)?.[0] ?? n } : {}),
    });
  });
  const s = o.spec;
  const params: Record<string, unknown> = {
    dim: s.dim,
    multiple_of: 32,
    n_heads: s.nHeads,
    n_kv_heads: s.nKvHeads,
    n_layers: s.nLayers,
    norm_eps: s.normEps,
    vocab_size: -1,
    ...(s.ropeTheta !== 10000 ? { rope_theta: s.ropeTheta } : {}),
    ...o.extraParams,
  };
  await writeFile(join(o.dir, "params.json"), JSON.stringify(params));
  const pieces = o.tokenizerPieces ?? s.vocabSize;
  if (pieces > 0) await writeFile(join(o.dir, "tokenizer.model"), buildTinyTokenizerModel(pieces));
  return weights;
}
