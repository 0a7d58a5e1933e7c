/** Naming schemes: Meta's consolidated.NN.pth, transformers' LlamaForCausalLM, llama.cpp's GGUF. */
export type TensorNaming = "meta" | "hf" | "gguf";

// Per-layer suffixes, [meta, hf, gguf], from formats.md §3 and §5.3.
const LAYER: readonly (readonly [string, string, string])[] = [
  ["attention.wq.weight", "self_attn.q_proj.weight", "attn_q.weight"],
  ["attention.wk.weight", "self_attn.k_proj.weight", "attn_k.weight"],
  ["attention.wv.weight", "self_attn.v_proj.weight", "attn_v.weight"],
  ["attention.wo.weight", "self_attn.o_proj.weight", "attn_output.weight"],
  ["feed_forward.w1.weight", "mlp.gate_proj.weight", "ffn_gate.weight"],
  ["feed_forward.w2.weight", "mlp.down_proj.weight", "ffn_down.weight"],
  ["feed_forward.w3.weight", "mlp.up_proj.weight", "ffn_up.weight"],
  ["attention_norm.weight", "input_layernorm.weight", "attn_norm.weight"],
  ["ffn_norm.weight", "post_attention_layernorm.weight", "ffn_norm.weight"],
];
const GLOBAL: readonly (readonly [string, string, string])[] = [
  ["tok_embeddings.weight", "model.embed_tokens.weight", "token_embd.weight"],
  ["norm.weight", "model.norm.weight", "output_norm.weight"],
  ["output.weight", "lm_head.weight", "output.weight"],
];
const LAYER_PREFIX: Record<TensorNaming, string> = { meta: "layers.", hf: "model.layers.", gguf: "blk." };
const INDEX: Record<TensorNaming, 0 | 1 | 2> = { meta: 0, hf: 1, gguf: 2 };

/**
 * Translate a Llama tensor name between naming schemes. Returns undefined for names with no
 * counterpart (rope.freqs, rotary_emb.inv_freq and other buffers that converters drop).
 */
export function mapTensorName(params: {
  /** The tensor name in the `from` scheme. */
  name: string;
  from: TensorNaming;
  to: TensorNaming;
}): string | undefined {
  const { name, from, to } = params;
  const fi = INDEX[from];
  const ti = INDEX[to];
  for (const row of GLOBAL) if (row[fi] === name) return row[ti];
  const prefix = LAYER_PREFIX[from];
  if (!name.startsWith(prefix)) return undefined;
  const rest = name.slice(prefix.length);
  const dot = rest.indexOf(".");
  const layer = rest.slice(0, dot);
  if (dot <= 0 || !/^\d+$/.test(layer)) return undefined;
  const suffix = rest.slice(dot + 1);
  for (const row of LAYER) if (row[fi] === suffix) return `${LAYER_PREFIX[to]}${layer}.${row[ti]}`;
  return undefined;
}
