import { copyFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import {
  buildTiktokenTokenizerJson,
  LLAMA3_BASE_TOKENS,
  llama3SpecialTokens,
  readTiktoken,
} from "../formats/tiktoken/index.js";
import type { Llama3Version } from "../model/llama3-version.js";
import { ConversionError } from "./errors.js";
import { LLAMA3_CHAT_TEMPLATES } from "./llama3-chat-templates.js";
import { llama3TokenIds } from "./llama3-token-ids.js";

export interface WriteLlama3TokenizerFilesParams {
  /** Meta's tiktoken tokenizer.model. */
  tokenizerPath: string;
  /** Folder to write into. */
  dir: string;
  version: Llama3Version;
  /** Instruct model: chat template and <|eot_id|> as eos. */
  chat: boolean;
  /** model_max_length. */
  contextLength: number;
  /** Embedding rows; the tokenizer (with its 256 specials) may not have more. */
  vocabSize: number;
}

/**
 * Write what transformers' Llama3Converter + save_pretrained write for a Meta Llama 3.x checkpoint:
 * tokenizer.model (copied), tokenizer.json, tokenizer_config.json (the release's chat template for
 * instruct models) and special_tokens_map.json. Returns the file names.
 */
export async function writeLlama3TokenizerFiles(params: WriteLlama3TokenizerFilesParams): Promise<string[]> {
  const { tokenizerPath, dir, version, chat, contextLength, vocabSize } = params;
  const ranks = await readTiktoken({ path: tokenizerPath });
  if (ranks.tokens.length !== LLAMA3_BASE_TOKENS || ranks.tokens.length + 256 > vocabSize) {
    throw new ConversionError(
      "VOCAB_MISMATCH",
      `${tokenizerPath} has ${ranks.tokens.length} ranks; a Llama 3 model with ${vocabSize} embedding rows needs ${LLAMA3_BASE_TOKENS}.`,
      { hint: "The tokenizer does not belong to this model: use the tokenizer.model shipped with the weights." },
    );
  }
  const specials = llama3SpecialTokens(version === "3" ? "3.0" : "3.1");
  const ids = llama3TokenIds(version, chat);
  const name = (id: number) => specials[id - LLAMA3_BASE_TOKENS]!;
  const added = (content: string) => ({ content, lstrip: false, normalized: false, rstrip: false, single_word: false });
  const decoder: Record<string, unknown> = {};
  specials.forEach((s, i) => (decoder[String(LLAMA3_BASE_TOKENS + i)] = { ...added(s), special: true }));
  const tokenizerConfig: Record<string, unknown> = {
    added_tokens_decoder: decoder,
    bos_token: name(ids.bos),
    ...(chat ? { chat_template: LLAMA3_CHAT_TEMPLATES[version] } : {}),
    clean_up_tokenization_spaces: true,
    eos_token: name(ids.eos),
    model_input_names: ["input_ids", "attention_mask"],
    model_max_length: contextLength,
    tokenizer_class: "PreTrainedTokenizerFast",
  };
  const json = (v: unknown) => `${JSON.stringify(v, null, 2)}\n`;
  await copyFile(tokenizerPath, join(dir, "tokenizer.model"));
  const tokenizerJson = buildTiktokenTokenizerJson({ ranks, specialTokens: specials, bosToken: name(ids.bos) });
  await writeFile(join(dir, "tokenizer.json"), json(tokenizerJson));
  await writeFile(join(dir, "tokenizer_config.json"), json(tokenizerConfig));
  await writeFile(
    join(dir, "special_tokens_map.json"),
    json({ bos_token: added(name(ids.bos)), eos_token: added(name(ids.eos)) }),
  );
  return ["tokenizer.model", "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json"];
}
