import { buildTiktokenMerges } from "./build-tiktoken-merges.js";
import { byteLevelAlphabet, byteLevelString } from "./byte-level-unicode.js";
import { LLAMA3_PATTERN } from "./llama3-special-tokens.js";
import type { TiktokenRanks } from "./read-tiktoken.js";

export interface BuildTiktokenTokenizerJsonParams {
  ranks: TiktokenRanks;
  /** Special tokens in id order, starting right after the last rank (Llama 3: 256 from 128000). */
  specialTokens: readonly string[];
  /** Pre-tokenizer Split regex. */
  pattern?: string;
  /** Token prepended by the post-processor (Llama 3: <|begin_of_text|>); none when absent. */
  bosToken?: string;
}

/**
 * tokenizer.json as transformers' Llama3Converter (TikTokenConverter) writes it: byte-level BPE with
 * the vocabulary spelled through GPT-2's byte map, merges rebuilt from the ranks, ignore_merges,
 * Split(regex, isolated) + ByteLevel pre-tokenizer, ByteLevel decoder, the special tokens as added
 * tokens, and a post-processor that prepends the BOS token.
 */
export function buildTiktokenTokenizerJson(params: BuildTiktokenTokenizerJsonParams): Record<string, unknown> {
  const { ranks, specialTokens, pattern = LLAMA3_PATTERN, bosToken } = params;
  const { toChar } = byteLevelAlphabet();
  const strings = ranks.tokens.map((t) => byteLevelString(t, toChar));
  const vocab: Record<string, number> = {};
  strings.forEach((s, i) => (vocab[s] = i));
  const merges = buildTiktokenMerges({ tokens: ranks.tokens }).map(([l, r]) => `${strings[l]} ${strings[r]}`);
  const base = ranks.tokens.length;
  const added = specialTokens.map((content, i) => ({
    id: base + i,
    content,
    single_word: false,
    lstrip: false,
    rstrip: false,
    normalized: false,
    special: true,
  }));
  const byteLevel = { type: "ByteLevel", add_prefix_space: true, trim_offsets: false, use_regex: true };
  const bosId = bosToken === undefined ? -1 : specialTokens.indexOf(bosToken);
  const postProcessor =
    bosId < 0
      ? byteLevel
      : {
          type: "Sequence",
          processors: [
            byteLevel,
            {
              type: "TemplateProcessing",
              single: [{ SpecialToken: { id: bosToken, type_id: 0 } }, { Sequence: { id: "A", type_id: 0 } }],
              pair: [
                { SpecialToken: { id: bosToken, type_id: 0 } },
                { Sequence: { id: "A", type_id: 0 } },
                { SpecialToken: { id: bosToken, type_id: 1 } },
                { Sequence: { id: "B", type_id: 1 } },
              ],
              special_tokens: { [bosToken!]: { id: bosToken, ids: [base + bosId], tokens: [bosToken] } },
            },
          ],
        };
  return {
    version: "1.0",
    truncation: null,
    padding: null,
    added_tokens: added,
    normalizer: null,
    pre_tokenizer: {
      type: "Sequence",
      pretokenizers: [
        { type: "Split", pattern: { Regex: pattern }, behavior: "Isolated", invert: false },
        { type: "ByteLevel", add_prefix_space: false, trim_offsets: true, use_regex: false },
      ],
    },
    post_processor: postProcessor,
    decoder: { type: "ByteLevel", add_prefix_space: true, trim_offsets: true, use_regex: true },
    model: {
      type: "BPE",
      dropout: null,
      unk_token: null,
      continuing_subword_prefix: null,
      end_of_word_suffix: null,
      fuse_unk: false,
      byte_fallback: false,
      ignore_merges: true,
      vocab,
      merges,
    },
  };
}
