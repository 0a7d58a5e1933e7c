import type { Llama3Version } from "../model/llama3-version.js";

/**
 * Llama 3's special ids as transformers' converter writes them: bos <|begin_of_text|> 128000; eos
 * <|end_of_text|> 128001 for base models, <|eot_id|> 128009 for instruct (tokenizer_config.json's
 * eos_token, which llama.cpp's converter takes); generation stops at every end id the release has.
 */
export function llama3TokenIds(
  version: Llama3Version,
  instruct: boolean,
): {
  bos: number;
  /** The single eos (tokenizer_config.json, GGUF). */
  eos: number;
  /** config.json / generation_config.json eos_token_id. */
  stopIds: number | number[];
} {
  const stops = version === "3" ? [128001, 128009] : [128001, 128008, 128009];
  return { bos: 128000, eos: instruct ? 128009 : 128001, stopIds: instruct ? stops : 128001 };
}
