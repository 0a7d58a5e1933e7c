import { copyFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { buildTokenizerConfigs } from "./build-tokenizer-configs.js";

/** Write tokenizer.model, tokenizer_config.json, special_tokens_map.json (and tokenizer.json). Returns file names. */
export async function writeHfTokenizerFiles(params: {
  tokenizerPath: string;
  dir: string;
  contextLength: number;
  chat: boolean;
  vocabSize: number;
}): Promise<string[]> {
  const { tokenizerPath, dir, contextLength, chat } = params;
  await copyFile(tokenizerPath, join(dir, "tokenizer.model"));
  const { tokenizerConfig, specialTokensMap } = buildTokenizerConfigs({
    unk: { id: 0, piece: "<unk>" },
    bos: { id: 1, piece: "<s>" },
    eos: { id: 2, piece: "</s>" },
    contextLength,
    chat,
  });
  await writeFile(join(dir, "tokenizer_config.json"), `${JSON.stringify(tokenizerConfig, null, 2)}\n`);
  await writeFile(join(dir, "special_tokens_map.json"), `${JSON.stringify(specialTokensMap, null, 2)}\n`);
  return ["tokenizer.model", "tokenizer_config.json", "special_tokens_map.json"];
}
