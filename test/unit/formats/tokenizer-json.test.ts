import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { buildTokenizerJson, readSentencePiece } from "../../../src/formats/sentencepiece/index.js";
import { bpeEncode } from "./helpers/bpe-encode.js";

const FIX = join(import.meta.dirname, "../../fixtures/sentencepiece");

describe("buildTokenizerJson (LlamaConverter equivalent)", async () => {
  const model = await readSentencePiece({ path: join(FIX, "llama2-tokenizer.model") });
  // round-trip through JSON text, as a file would
  const tok = JSON.parse(JSON.stringify(buildTokenizerJson(model)));
  const cases = JSON.parse(await readFile(join(FIX, "llama2-tokenizer-cases.json"), "utf8")) as {
    cases: { text: string; ids: number[] }[];
  };

  it("has the fast-tokenizer structure transformers writes for Llama 2", () => {
    expect(tok.version).toBe("1.0");
    expect(tok.pre_tokenizer).toBeNull();
    expect(tok.normalizer).toEqual({
      type: "Sequence",
      normalizers: [
        { type: "Prepend", prepend: "▁" },
        { type: "Replace", pattern: { String: " " }, content: "▁" },
      ],
    });
    expect(tok.decoder.decoders.map((d: { type: string }) => d.type)).toEqual([
      "Replace",
      "ByteFallback",
      "Fuse",
      "Strip",
    ]);
    expect(tok.decoder.decoders[3]).toEqual({ type: "Strip", content: " ", start: 1, stop: 0 });
    expect(
      tok.added_tokens.map((t: { id: number; content: string; special: boolean }) => [t.id, t.content, t.special]),
    ).toEqual([
      [0, "<unk>", true],
      [1, "<s>", true],
      [2, "</s>", true],
    ]);
    expect(tok.post_processor.type).toBe("TemplateProcessing");
    expect(tok.post_processor.single).toEqual([
      { SpecialToken: { id: "<s>", type_id: 0 } },
      { Sequence: { id: "A", type_id: 0 } },
    ]);
    expect(tok.post_processor.special_tokens).toEqual({ "<s>": { id: "<s>", ids: [1], tokens: ["<s>"] } });
    expect(tok.model.type).toBe("BPE");
    expect(tok.model.byte_fallback).toBe(true);
    expect(tok.model.fuse_unk).toBe(true);
    expect(tok.model.unk_token).toBe("<unk>");
    expect(Object.keys(tok.model.vocab).length).toBe(32000);
    expect(tok.model.vocab["<0x0A>"]).toBe(13); // 3 + 0x0A
    expect(tok.model.vocab["▁Hello"]).toBe(15043);
  });
  it("orders merges by piece score, like transformers' SentencePieceExtractor", () => {
    const merges: string[] = tok.model.merges;
    expect(merges.slice(0, 3)).toEqual(["▁ t", "e r", "i n"]);
    // every merge joins two vocab pieces into a vocab piece
    for (const m of merges.slice(0, 2000)) {
      const [l, r] = m.split(" ");
      expect(tok.model.vocab[l! + r!]).toBeDefined();
    }
    const score = (m: string) => model.pieces[tok.model.vocab[m.replace(" ", "")]]!.score;
    for (let i = 1; i < merges.length; i += 97) expect(score(merges[i - 1]!)).toBeGreaterThanOrEqual(score(merges[i]!));
  });
  for (const c of cases.cases) {
    it(`reproduces the SentencePiece ids with its merges: ${JSON.stringify(c.text).slice(0, 40)}`, () => {
      expect(bpeEncode(tok, c.text)).toEqual(c.ids);
    });
  }
  it("adds </s> to the template only when asked", () => {
    const t = buildTokenizerJson(model, { addEos: true }) as { post_processor: { single: unknown[] } };
    expect(t.post_processor.single).toEqual([
      { SpecialToken: { id: "<s>", type_id: 0 } },
      { Sequence: { id: "A", type_id: 0 } },
      { SpecialToken: { id: "</s>", type_id: 0 } },
    ]);
  });
});
