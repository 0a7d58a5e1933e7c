/** Number of regular (BPE) tokens in Llama 3's tokenizer.model; the 256 special tokens follow. */
export const LLAMA3_BASE_TOKENS = 128000;

/** Llama 3's pre-tokenizer regex (`pat_str` in Meta's tokenizer.py; transformers' Split pattern). */
export const LLAMA3_PATTERN =
  "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

/**
 * The 256 special tokens of Llama 3 (ids 128000..128255), in the names Hugging Face's tokenizer.json
 * uses. The ids of the used tokens never change; the names of unused slots differ between releases
 * (and between Meta's and transformers' lists), so tools must match them by id:
 * - "3.0" (Meta-Llama-3): only <|eot_id|> besides the header/text markers; reserved_0..reserved_250;
 * - "3.1" (3.1, 3.2, 3.3; transformers' DEFAULT_LLAMA_SPECIAL_TOKENS): <|finetune_right_pad_id|> at 128004,
 *   <|eom_id|> at 128008, <|python_tag|> at 128010, reserved_3..reserved_247 from 128011.
 */
export function llama3SpecialTokens(naming: "3.0" | "3.1"): string[] {
  const named: Record<number, string> =
    naming === "3.0"
      ? {
          0: "<|begin_of_text|>",
          1: "<|end_of_text|>",
          6: "<|start_header_id|>",
          7: "<|end_header_id|>",
          9: "<|eot_id|>",
        }
      : {
          0: "<|begin_of_text|>",
          1: "<|end_of_text|>",
          4: "<|finetune_right_pad_id|>",
          6: "<|start_header_id|>",
          7: "<|end_header_id|>",
          8: "<|eom_id|>",
          9: "<|eot_id|>",
          10: "<|python_tag|>",
        };
  const out: string[] = [];
  let reserved = 0;
  for (let i = 0; i < 256; i++) out.push(named[i] ?? `<|reserved_special_token_${reserved++}|>`);
  return out;
}
