/**
 * generation_config.json: chat models get the sampling defaults Meta ships with its -chat -hf
 * repos (temperature 0.6, top_p 0.9); base models only bos/eos, as save_pretrained derives them.
 */
export function buildGenerationConfig(p: {
  bosTokenId: number;
  /** One id, or Llama 3 instruct's stop ids. */
  eosTokenId: number | number[];
  /** Llama 3.x: Meta's sampling defaults for base models too, no pad/max_length (transformers' converter). */
  llama3?: boolean;
  /** max_length for chat models. */
  contextLength: number;
  /** Add Meta's chat sampling defaults. */
  chat: boolean;
}): Record<string, unknown> {
  if (p.llama3)
    return { bos_token_id: p.bosTokenId, do_sample: true, eos_token_id: p.eosTokenId, temperature: 0.6, top_p: 0.9 };
  if (!p.chat) return { _from_model_config: true, bos_token_id: p.bosTokenId, eos_token_id: p.eosTokenId };
  return {
    bos_token_id: p.bosTokenId,
    do_sample: true,
    eos_token_id: p.eosTokenId,
    max_length: p.contextLength,
    pad_token_id: 0,
    temperature: 0.6,
    top_p: 0.9,
  };
}
