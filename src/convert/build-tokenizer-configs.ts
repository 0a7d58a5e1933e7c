import { LLAMA2_CHAT_TEMPLATE } from "./llama2-chat-template.js";

export interface BuildTokenizerConfigsParams {
  /** Piece text of the unknown, beginning and end tokens (from tokenizer.model). */
  unk: { id: number; piece: string };
  bos: { id: number; piece: string };
  eos: { id: number; piece: string };
  /** Context length, recorded as model_max_length. */
  contextLength: number;
  /** Add the Llama 2 chat template (for -chat models). */
  chat: boolean;
}

/** tokenizer_config.json and special_tokens_map.json as LlamaTokenizerFast.save_pretrained writes them. */
export function buildTokenizerConfigs(p: BuildTokenizerConfigsParams): {
  tokenizerConfig: Record<string, unknown>;
  specialTokensMap: Record<string, unknown>;
} {
  const added = (content: string) => ({ content, lstrip: false, normalized: false, rstrip: false, single_word: false });
  const decoder: Record<string, unknown> = {};
  for (const t of [p.unk, p.bos, p.eos].sort((a, b) => a.id - b.id))
    decoder[String(t.id)] = { ...added(t.piece), special: true };
  const tokenizerConfig: Record<string, unknown> = {
    add_bos_token: true,
    add_eos_token: false,
    added_tokens_decoder: decoder,
    bos_token: p.bos.piece,
    clean_up_tokenization_spaces: false,
    eos_token: p.eos.piece,
    legacy: false,
    model_max_length: p.contextLength,
    pad_token: null,
    padding_side: "right",
    sp_model_kwargs: {},
    tokenizer_class: "LlamaTokenizer",
    unk_token: p.unk.piece,
    use_default_system_prompt: false,
  };
  if (p.chat) tokenizerConfig["chat_template"] = LLAMA2_CHAT_TEMPLATE;
  return {
    tokenizerConfig,
    specialTokensMap: { bos_token: added(p.bos.piece), eos_token: added(p.eos.piece), unk_token: added(p.unk.piece) },
  };
}
