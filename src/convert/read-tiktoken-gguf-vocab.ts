import { readFile } from "node:fs/promises";
import { join } from "node:path";
import {
  buildTiktokenMerges,
  byteLevelAlphabet,
  byteLevelString,
  llama3SpecialTokens,
  readTiktoken,
  tiktokenFromTokenizerJson,
  type TiktokenRanks,
} from "../formats/tiktoken/index.js";
import type { SourceModel } from "../model/source-model.js";
import { ConversionError } from "./errors.js";
import { LLAMA3_CHAT_TEMPLATES } from "./llama3-chat-templates.js";
import { llama3TokenIds } from "./llama3-token-ids.js";

/** A byte-level BPE vocabulary in the shape of GGUF's tokenizer.ggml.* keys (model "gpt2"). */
export interface TiktokenGgufVocab {
  tokens: string[];
  /** NORMAL=1 for BPE tokens, CONTROL=3 for specials, UNUSED=5 for padding rows. */
  types: number[];
  /** "left right" in merge order. */
  merges: string[];
  bosId: number;
  eosId: number;
  /** Chat template to embed, if any. */
  chatTemplate?: string;
}

/**
 * Llama 3's vocabulary as llama.cpp's converter (`_set_vocab_gpt2`) writes it, from Meta's tiktoken
 * tokenizer.model (specials named by release) or from an HF snapshot's tokenizer.json (specials as it
 * lists them; bos/eos from tokenizer_config.json): tokens spelled through the GPT-2 byte map, specials
 * CONTROL, merges rebuilt from the ranks, rows past the tokenizer padded with [PAD{i}] UNUSED.
 */
export async function readTiktokenGgufVocab(params: {
  source: SourceModel;
  /** Instruct model: <|eot_id|> as eos and the release's chat template (Meta input). */
  chat: boolean;
  /** Rebuild the merges from the ranks (about a second for Llama 3's 128,000 tokens); false: `merges` is empty. */
  merges?: boolean;
}): Promise<TiktokenGgufVocab> {
  const { source, chat } = params;
  let ranks: TiktokenRanks;
  let specials: Map<number, string>;
  let bosId = source.bosTokenId;
  let eosId = source.eosTokenId;
  let chatTemplate: string | undefined;
  if (source.kind === "meta" && source.tokenizerPath && source.llamaVersion) {
    ranks = await readTiktoken({ path: source.tokenizerPath });
    const names = llama3SpecialTokens(source.llamaVersion === "3" ? "3.0" : "3.1");
    specials = new Map(names.map((n, i) => [ranks.tokens.length + i, n]));
    const ids = llama3TokenIds(source.llamaVersion, chat);
    bosId = ids.bos;
    eosId = ids.eos;
    if (chat) chatTemplate = LLAMA3_CHAT_TEMPLATES[source.llamaVersion];
  } else if (source.tokenizerJsonPath) {
    const path = source.tokenizerJsonPath;
    let json: unknown;
    try {
      json = JSON.parse(await readFile(path, "utf8"));
    } catch (e) {
      throw new ConversionError("BAD_TOKENIZER", `Cannot read ${path} as JSON.`, {
        hint: "Download tokenizer.json again.",
        cause: e,
      });
    }
    const recovered = tiktokenFromTokenizerJson({ json, source: path });
    ranks = recovered.ranks;
    specials = recovered.added;
    const cfg = await readJson(join(source.dir, "tokenizer_config.json"));
    const idOf = (key: string): number | undefined => {
      const v = cfg?.[key];
      const content =
        typeof v === "string"
          ? v
          : typeof v === "object" && v !== null
            ? (v as { content?: unknown }).content
            : undefined;
      for (const [id, c] of specials) if (c === content) return id;
      return undefined;
    };
    bosId = idOf("bos_token") ?? bosId;
    eosId = idOf("eos_token") ?? eosId;
    chatTemplate = source.chatTemplate;
  } else {
    throw new ConversionError(
      "MISSING_TOKENIZER",
      `No Llama 3 tokenizer (tokenizer.model or tokenizer.json) found for ${source.dir}.`,
      {
        hint: "Put the model's tokenizer files next to the weights.",
      },
    );
  }
  const { toChar } = byteLevelAlphabet();
  const vocabSize = source.dims.vocabSize;
  const tokens = ranks.tokens.map((t) => byteLevelString(t, toChar));
  const types = tokens.map(() => 1);
  const top = Math.max(tokens.length, ...[...specials.keys()].map((id) => id + 1));
  if (top > vocabSize) {
    throw new ConversionError(
      "VOCAB_MISMATCH",
      `The tokenizer has ${top} tokens but the model's embedding has only ${vocabSize} rows.`,
      {
        hint: "The tokenizer does not belong to this model: use the tokenizer shipped with the weights.",
      },
    );
  }
  for (let i = tokens.length; i < vocabSize; i++) {
    const special = specials.get(i);
    tokens.push(special ?? `[PAD${i}]`);
    types.push(special === undefined ? 5 : 3);
  }
  const merges =
    params.merges === false
      ? []
      : buildTiktokenMerges({ tokens: ranks.tokens }).map(([l, r]) => `${tokens[l]} ${tokens[r]}`);
  return { tokens, types, merges, bosId, eosId, ...(chatTemplate ? { chatTemplate } : {}) };
}

async function readJson(path: string): Promise<Record<string, unknown> | undefined> {
  try {
    return JSON.parse(await readFile(path, "utf8")) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}
