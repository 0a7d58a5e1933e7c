import { readFile } from "node:fs/promises";
import { CorruptFileError } from "../errors.js";

/** A tiktoken BPE rank file: token bytes by rank (rank = token id). */
export interface TiktokenRanks {
  /** tokens[rank] = the token's bytes. */
  tokens: Uint8Array[];
}

const B64 = /^[A-Za-z0-9+/]+={0,2}$/;

/**
 * Parse Meta's tiktoken `tokenizer.model` (Llama 3 / 4): one `<base64 bytes> <rank>` per line
 * (`load_tiktoken_bpe`). Every rank 0..n-1 must appear exactly once and every token must be unique.
 */
export function parseTiktoken(params: {
  /** File contents. */
  text: string;
  /** File name for messages. */
  source: string;
}): TiktokenRanks {
  const { text, source } = params;
  const lines = text.split("\n");
  if (lines[lines.length - 1] === "") lines.pop();
  const tokens: Uint8Array[] = new Array(lines.length);
  const seen = new Set<string>();
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.replace(/\r$/, "");
    const sp = line.indexOf(" ");
    const b64 = line.slice(0, sp);
    const rankText = line.slice(sp + 1);
    const bad = (why: string) =>
      new CorruptFileError(`${source} line ${i + 1} is not a tiktoken rank ("<base64> <rank>"): ${why}.`, {
        code: "BAD_TOKENIZER",
        hint: "Use the tokenizer.model shipped with the weights (download it again).",
      });
    if (sp <= 0 || !B64.test(b64) || b64.length % 4 !== 0) throw bad("bad base64 token");
    if (!/^\d+$/.test(rankText)) throw bad("bad rank");
    const rank = Number(rankText);
    if (rank >= lines.length || tokens[rank] !== undefined) throw bad(`rank ${rank} is out of order or repeated`);
    if (seen.has(b64)) throw bad("the token appears twice");
    seen.add(b64);
    tokens[rank] = new Uint8Array(Buffer.from(b64, "base64"));
  }
  if (tokens.length === 0) {
    throw new CorruptFileError(`${source} holds no tiktoken ranks.`, { code: "BAD_TOKENIZER" });
  }
  return { tokens };
}

/** Read a tiktoken rank file from disk (see parseTiktoken). */
export async function readTiktoken(params: {
  /** tokenizer.model path. */
  path: string;
}): Promise<TiktokenRanks> {
  return parseTiktoken({ text: await readFile(params.path, "latin1"), source: params.path });
}
