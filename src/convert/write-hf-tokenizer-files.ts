import { copyFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { buildTokenizerJson, MODEL_TYPE, readSentencePiece } from "../formats/sentencepiece/index.js";
import { buildTokenizerConfigs } from "./build-tokenizer-configs.js";
import { ConversionError } from "./errors.js";
import type { Llama3Version } from "../model/llama3-version.js";
import { writeLlama3TokenizerFiles } from "./write-llama3-tokenizer-files.js";

export interface WriteHfTokenizerFilesParams {
  /** The SentencePiece tokenizer.model of the checkpoint. */
  tokenizerPath: string;
  /** Folder to write into. */
  dir: string;
  contextLength: number;
  /** Add the Llama 2 chat template. */
  chat: boolean;
  /** Embedding rows; the tokenizer may not have more pieces. */
  vocabSize: number;
  /** A Llama 3.x release: tokenizerPath is Meta's tiktoken file (see writeLlama3TokenizerFiles). */
  llamaVersion?: Llama3Version | undefined;
}

/**
 * Write what LlamaTokenizerFast.save_pretrained writes: tokenizer.model (copied),
 * tokenizer.json (fast tokenizer derived from the model), tokenizer_config.json and
 * special_tokens_map.json (special pieces read from the model). Returns the file names.
 */
export async function writeHfTokenizerFiles(params: WriteHfTokenizerFilesParams): Promise<string[]> {
  const { tokenizerPath, dir, contextLength, chat, vocabSize, llamaVersion } = params;
  if (llamaVersion)
    return writeLlama3TokenizerFiles({ tokenizerPath, dir, version: llamaVersion, chat, contextLength, vocabSize });
  const model = await readSentencePiece({ path: tokenizerPath });
  if (model.modelType !== MODEL_TYPE.BPE) {
    throw new ConversionError("BAD_TOKENIZER", `${tokenizerPath} is not a Llama (BPE SentencePiece) tokenizer.`, {
      hint: "Use the tokenizer.model shipped with the weights.",
    });
  }
  if (model.pieces.length > vocabSize) {
    throw new ConversionError(
      "VOCAB_MISMATCH",
      `${tokenizerPath} has ${model.pieces.length} pieces but the model's embedding has only ${vocabSize} rows.`,
      {
        hint: "The tokenizer does not belong to this model: use the tokenizer.model shipped with the weights.",
      },
    );
  }
  const piece = (id: number, fallback: string) => ({ id, piece: model.pieces[id]?.piece ?? fallback });
  await copyFile(tokenizerPath, join(dir, "tokenizer.model"));
  const { tokenizerConfig, specialTokensMap } = buildTokenizerConfigs({
    unk: piece(model.unkId, model.unkPiece),
    bos: piece(model.bosId, model.bosPiece),
    eos: piece(model.eosId, model.eosPiece),
    contextLength,
    chat,
  });
  const json = (v: unknown) => `${JSON.stringify(v, null, 2)}\n`;
  await writeFile(join(dir, "tokenizer.json"), json(buildTokenizerJson(model, { addBos: true, addEos: false })));
  await writeFile(join(dir, "tokenizer_config.json"), json(tokenizerConfig));
  await writeFile(join(dir, "special_tokens_map.json"), json(specialTokensMap));
  return ["tokenizer.model", "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json"];
}
