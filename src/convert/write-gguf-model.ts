import { resolve } from "node:path";
import { writeGguf, type GgufMetadataEntry, type GgufTensorToWrite } from "../formats/gguf/index.js";
import type { ConvertEvent } from "./convert-events.js";
import type { OutDType } from "../model/create-caster.js";
import { planTensorWrites } from "./plan-tensor-writes.js";
import { ConversionError } from "./errors.js";
import { LLAMA2_CHAT_TEMPLATE } from "./llama2-chat-template.js";
import { readGgufVocab } from "./read-gguf-vocab.js";
import { readTiktokenGgufVocab } from "./read-tiktoken-gguf-vocab.js";
import { ropeFrequencies } from "../model/rope-frequencies.js";
import { sourceIdentity } from "../model/source-identity.js";
import type { SourceModel } from "../model/source-model.js";

export interface WriteGgufModelParams {
  source: SourceModel;
  /** File to write (the caller renames it into place). */
  path: string;
  /** Type of the 2-D weights; 1-D tensors are always F32, as llama.cpp expects. */
  dtype: OutDType;
  /** general.name */
  name: string;
  /** Path reported in progress events (the final name rather than the temp file). */
  displayPath?: string;
  /** Add a chat template: the source snapshot's own, else Llama 2's. */
  chat: boolean;
  emit: (e: ConvertEvent) => void;
  signal?: AbortSignal;
}

/** general.file_type values (llama_ftype). */
const FILE_TYPE: Record<OutDType, number> = { F32: 0, F16: 1, Q8_0: 7, BF16: 32 };

/**
 * Write a GGUF v3 llama model: architecture metadata as gguf-py types them (u32 counts, f32
 * eps/θ), the SentencePiece vocabulary, and tensors under llama.cpp names with q/k in Meta's
 * interleaved order (HF input is un-permuted), dims reversed.
 */
export async function writeGgufModel(params: WriteGgufModelParams): Promise<void> {
  const { source, path, dtype, name, chat, emit, signal } = params;
  const d = source.dims;
  if (!source.tiktoken && d.vocabSize >= 128000) {
    throw new ConversionError(
      "MISSING_TOKENIZER",
      `No Llama 3 tokenizer found for ${source.dir}; GGUF files carry the vocabulary.`,
      {
        hint: "Put the model's tokenizer.model (Meta) or tokenizer.json (Hugging Face) next to the weights.",
      },
    );
  }
  if (!source.tiktoken && !source.tokenizerPath) {
    throw new ConversionError(
      "MISSING_TOKENIZER",
      `No tokenizer.model found in ${source.dir}${source.kind === "meta" ? " or its parent folder" : ""}; GGUF files carry the vocabulary.`,
      {
        hint: "Put the model's tokenizer.model next to the weights.",
      },
    );
  }
  const vocabKeys = source.tiktoken
    ? await tiktokenVocabKeys(source, chat)
    : await sentencePieceVocabKeys(source, chat, emit);
  const headDim = d.dim / d.nHeads;

  const writes = planTensorWrites({
    source,
    naming: "gguf",
    ropeLayout: "interleaved",
    // 1-D stays F32; Q8_0 falls back to F16 for rows that are not whole blocks (as llama.cpp's converters do)
    typeOf: (t) =>
      t.shape.length < 2 ? "F32" : dtype === "Q8_0" && t.shape[t.shape.length - 1]! % 32 !== 0 ? "F16" : dtype,
    emit,
  });
  const planned = writes.tensors;
  // Llama 3.1+: the per-frequency divisors of the RoPE scaling rule, which llama.cpp reads (rope_freqs.weight).
  const ropeFreqs = d.ropeScaling
    ? ropeFrequencies({ headDim, theta: d.ropeTheta, scaling: d.ropeScaling }).divisors
    : undefined;
  const totalBytes = planned.reduce((n, p) => n + p.bytes, 0) + (ropeFreqs ? ropeFreqs.length * 4 : 0);
  emit({
    type: "plan",
    source: source.kind,
    target: "gguf",
    dtype,
    tensors: planned.length,
    bytes: totalBytes,
    inputShards: source.shardCount,
  });

  const u32 = (key: string, value: number): GgufMetadataEntry => ({ key, type: "u32", value });
  // Where the GGUF came from, so `smoke-test FILE.gguf` finds the original weights while they are on disk: the
  // folder (absolute), its kind, and its identity (weight/config/tokenizer file names and sizes, and their sha256).
  const identity = await sourceIdentity({ dir: source.dir });
  const provenance: GgufMetadataEntry[] = [
    { key: "llamagate.source.path", type: "string", value: resolve(source.dir) },
    { key: "llamagate.source.kind", type: "string", value: source.kind },
    { key: "llamagate.source.files", type: "array", itemType: "string", value: identity.files },
    { key: "llamagate.source.sha256", type: "string", value: identity.sha256 },
  ];
  const metadata: GgufMetadataEntry[] = [
    { key: "general.architecture", type: "string", value: "llama" },
    { key: "general.name", type: "string", value: name },
    u32("general.file_type", FILE_TYPE[dtype]),
    ...(dtype === "Q8_0" ? [u32("general.quantization_version", 2)] : []),
    u32("llama.vocab_size", d.vocabSize),
    u32("llama.context_length", d.contextLength),
    u32("llama.embedding_length", d.dim),
    u32("llama.block_count", d.nLayers),
    u32("llama.feed_forward_length", d.hiddenDim),
    u32("llama.rope.dimension_count", headDim),
    u32("llama.attention.head_count", d.nHeads),
    u32("llama.attention.head_count_kv", d.nKvHeads),
    { key: "llama.attention.layer_norm_rms_epsilon", type: "f32", value: d.normEps },
    { key: "llama.rope.freq_base", type: "f32", value: d.ropeTheta },
    ...vocabKeys,
    ...provenance,
  ];

  const out: GgufTensorToWrite[] = [];
  if (ropeFreqs) {
    const bytes = new Uint8Array(Float32Array.from(ropeFreqs).buffer);
    out.push({
      name: "rope_freqs.weight",
      ggmlType: "F32",
      ne: [ropeFreqs.length],
      produce: async (sink) => sink(bytes),
    });
  }
  for (const p of planned) {
    out.push({ name: p.name, ggmlType: p.type, ne: [...p.t.shape].reverse(), produce: writes.produce(p, signal) });
  }
  const { bytes } = await writeGguf({ path, metadata, tensors: out, ...(signal ? { signal } : {}) });
  emit({ type: "file", path: params.displayPath ?? path, bytes });
}

/** tokenizer.ggml.* for a SentencePiece (Llama 1/2, Code Llama) vocabulary. */
async function sentencePieceVocabKeys(
  source: SourceModel,
  chat: boolean,
  emit: (e: ConvertEvent) => void,
): Promise<GgufMetadataEntry[]> {
  const vocab = await readGgufVocab({ path: source.tokenizerPath!, vocabSize: source.dims.vocabSize });
  if (!vocab.tokens.includes("<0x0A>")) {
    // llama.cpp looks up the newline byte piece when loading a SentencePiece vocabulary (an exception when absent)
    emit({
      type: "warning",
      message: "The tokenizer has no byte-fallback pieces (<0x0A>...); llama.cpp may refuse to load this GGUF.",
    });
  }
  const u32 = (key: string, value: number): GgufMetadataEntry => ({ key, type: "u32", value });
  return [
    { key: "tokenizer.ggml.model", type: "string", value: "llama" },
    { key: "tokenizer.ggml.pre", type: "string", value: "default" },
    { key: "tokenizer.ggml.tokens", type: "array", itemType: "string", value: vocab.tokens },
    { key: "tokenizer.ggml.scores", type: "array", itemType: "f32", value: vocab.scores },
    { key: "tokenizer.ggml.token_type", type: "array", itemType: "i32", value: vocab.types },
    u32("tokenizer.ggml.bos_token_id", vocab.bosId),
    u32("tokenizer.ggml.eos_token_id", vocab.eosId),
    u32("tokenizer.ggml.unknown_token_id", vocab.unkId),
    ...(vocab.padId >= 0 ? [u32("tokenizer.ggml.padding_token_id", vocab.padId)] : []),
    { key: "tokenizer.ggml.add_bos_token", type: "bool", value: true },
    { key: "tokenizer.ggml.add_eos_token", type: "bool", value: false },
    { key: "tokenizer.ggml.add_space_prefix", type: "bool", value: vocab.addSpacePrefix },
    ...(chat
      ? [
          {
            key: "tokenizer.chat_template",
            type: "string",
            value: source.chatTemplate ?? LLAMA2_CHAT_TEMPLATE,
          } as const,
        ]
      : []),
  ];
}

/**
 * tokenizer.ggml.* for Llama 3's byte-level BPE vocabulary (model gpt2, pre llama-bpe), as convert_hf_to_gguf writes
 * it.
 */
async function tiktokenVocabKeys(source: SourceModel, chat: boolean): Promise<GgufMetadataEntry[]> {
  const vocab = await readTiktokenGgufVocab({ source, chat });
  const u32 = (key: string, value: number): GgufMetadataEntry => ({ key, type: "u32", value });
  return [
    { key: "tokenizer.ggml.model", type: "string", value: "gpt2" },
    { key: "tokenizer.ggml.pre", type: "string", value: "llama-bpe" },
    { key: "tokenizer.ggml.tokens", type: "array", itemType: "string", value: vocab.tokens },
    { key: "tokenizer.ggml.token_type", type: "array", itemType: "i32", value: vocab.types },
    { key: "tokenizer.ggml.merges", type: "array", itemType: "string", value: vocab.merges },
    u32("tokenizer.ggml.bos_token_id", vocab.bosId),
    u32("tokenizer.ggml.eos_token_id", vocab.eosId),
    { key: "tokenizer.ggml.add_bos_token", type: "bool", value: true },
    ...(chat && vocab.chatTemplate
      ? [{ key: "tokenizer.chat_template", type: "string", value: vocab.chatTemplate } as const]
      : []),
  ];
}
