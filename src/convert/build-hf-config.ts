import type { OutDType } from "../model/create-caster.js";
import type { ModelDims } from "../model/source-model.js";

export interface BuildHfConfigParams extends ModelDims {
  bosTokenId: number;
  /** One id, or Llama 3 instruct's list of stop ids. */
  eosTokenId: number | number[];
  /** Element type the weights were written in (recorded truthfully as torch_dtype). */
  dtype: Exclude<OutDType, "Q8_0">;
}

const TORCH_DTYPE = { F32: "float32", F16: "float16", BF16: "bfloat16" } as const;

/**
 * config.json for transformers' LlamaForCausalLM, with the fields save_pretrained writes
 * (LlamaConfig defaults spelled out so readers need not know them).
 */
export function buildHfConfig(p: BuildHfConfigParams): Record<string, unknown> {
  return {
    architectures: ["LlamaForCausalLM"],
    attention_bias: false,
    attention_dropout: 0.0,
    bos_token_id: p.bosTokenId,
    eos_token_id: p.eosTokenId,
    head_dim: p.dim / p.nHeads,
    hidden_act: "silu",
    hidden_size: p.dim,
    initializer_range: 0.02,
    intermediate_size: p.hiddenDim,
    max_position_embeddings: p.contextLength,
    mlp_bias: false,
    model_type: "llama",
    num_attention_heads: p.nHeads,
    num_hidden_layers: p.nLayers,
    num_key_value_heads: p.nKvHeads,
    pretraining_tp: 1,
    rms_norm_eps: p.normEps,
    rope_scaling: p.ropeScaling
      ? {
          factor: p.ropeScaling.factor,
          high_freq_factor: p.ropeScaling.highFreqFactor,
          low_freq_factor: p.ropeScaling.lowFreqFactor,
          original_max_position_embeddings: p.ropeScaling.originalContext,
          rope_type: "llama3",
        }
      : null,
    rope_theta: p.ropeTheta,
    tie_word_embeddings: p.tieWordEmbeddings === true,
    torch_dtype: TORCH_DTYPE[p.dtype],
    use_cache: true,
    vocab_size: p.vocabSize,
  };
}
