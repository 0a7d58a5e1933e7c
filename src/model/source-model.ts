import type { DType, LazyTensor } from "../formats/tensor.js";
import type { LlamaConfig, RopeLayout } from "./llama-config.js";
import type { Llama3Version } from "./llama3-version.js";

/** Hyper-parameters every output format needs: the reference model's, plus context and RoPE scaling. */
export interface ModelDims extends LlamaConfig {
  /** Training context length (max_position_embeddings). */
  contextLength: number;
}

/** One weight of the source model, under its canonical (Meta) name, still on disk (Meta shards: merged by plan). */
export interface SourceTensor {
  /** Meta name, e.g. layers.0.attention.wq.weight. */
  canonical: string;
  /** Full row-major shape. */
  shape: number[];
  dtype: DType;
  /** The bytes: one part, or model-parallel slices in shard order. */
  parts: LazyTensor[];
  concatDim: 0 | 1;
}

/** A checkpoint opened for conversion or reference inference (Meta folder or HF snapshot). */
export interface SourceModel {
  kind: "meta" | "hf";
  /** Folder it came from. */
  dir: string;
  dims: ModelDims;
  /** Order of q/k rows in the source: Meta interleaved, HF half-split. */
  ropeLayout: RopeLayout;
  tensors: SourceTensor[];
  /** tokenizer.model found beside the weights (or in the parent folder for Meta's Llama 2 layout). */
  tokenizerPath?: string;
  /** tokenizer.json of an HF snapshot (Llama 3 snapshots ship no tokenizer.model). */
  tokenizerJsonPath?: string;
  /** Chat template shipped with an HF snapshot (tokenizer_config.json), if any. */
  chatTemplate?: string;
  bosTokenId: number;
  eosTokenId: number;
  /** Llama 3.x release (Meta input: folder name, params.json or --llama-version). */
  llamaVersion?: Llama3Version;
  /** The tokenizer is Llama 3's tiktoken BPE (tokenizer.model as base64 ranks, or an HF tokenizer.json). */
  tiktoken?: boolean;
  /** Model-parallel shard count (1 for HF). */
  shardCount: number;
  close(): Promise<void>;
}
