import { CorruptFileError } from "../errors.js";
import { byteLevelAlphabet } from "./byte-level-unicode.js";
import type { TiktokenRanks } from "./read-tiktoken.js";

/** What a byte-level BPE tokenizer.json holds, as tiktoken ranks plus its added tokens by id. */
export interface TiktokenFromTokenizerJson {
  ranks: TiktokenRanks;
  /** Added (special) tokens: id → content. */
  added: Map<number, string>;
}

/**
 * Recover tiktoken ranks from a byte-level BPE tokenizer.json (Llama 3's, as transformers writes it):
 * each vocabulary entry's text back through the inverse GPT-2 byte map, rank = id. The vocabulary ids
 * must be exactly 0..n-1; added tokens are returned separately.
 */
export function tiktokenFromTokenizerJson(params: {
  /** Parsed tokenizer.json. */
  json: unknown;
  /** File name for messages. */
  source: string;
}): TiktokenFromTokenizerJson {
  const { json, source } = params;
  const bad = (why: string) =>
    new CorruptFileError(`${source} is not a byte-level BPE tokenizer.json: ${why}.`, {
      code: "BAD_TOKENIZER",
      hint: "Use the tokenizer.json shipped with the model (download it again).",
    });
  const root = json as { model?: { type?: unknown; vocab?: unknown }; added_tokens?: unknown } | null;
  if (typeof root !== "object" || root === null) throw bad("not a JSON object");
  const vocab = root.model?.vocab;
  if (root.model?.type !== "BPE" || typeof vocab !== "object" || vocab === null || Array.isArray(vocab)) {
    throw bad("no BPE model.vocab");
  }
  const { toByte } = byteLevelAlphabet();
  const entries = Object.entries(vocab as Record<string, unknown>);
  const tokens: Uint8Array[] = new Array(entries.length);
  for (const [text, id] of entries) {
    if (typeof id !== "number" || !Number.isInteger(id) || id < 0 || id >= entries.length || tokens[id]) {
      throw bad(
        `vocabulary id ${JSON.stringify(id)} of ${JSON.stringify(text)} is not a unique rank below ${entries.length}`,
      );
    }
    const bytes = new Uint8Array(text.length);
    for (let i = 0; i < text.length; i++) {
      const b = toByte.get(text[i]!);
      if (b === undefined) throw bad(`${JSON.stringify(text)} is not byte-level text`);
      bytes[i] = b;
    }
    tokens[id] = bytes;
  }
  const added = new Map<number, string>();
  if (Array.isArray(root.added_tokens)) {
    for (const t of root.added_tokens as { id?: unknown; content?: unknown }[]) {
      if (typeof t?.id === "number" && typeof t.content === "string") added.set(t.id, t.content);
    }
  }
  return { ranks: { tokens }, added };
}
