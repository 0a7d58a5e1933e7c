import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { CorruptFileError } from "../../../src/formats/errors.js";
import {
  decodeSentencePiece,
  encodeSentencePiece,
  parseSentencePiece,
  PIECE_TYPE,
  readSentencePiece,
} from "../../../src/formats/sentencepiece/index.js";

const FIX = join(import.meta.dirname, "../../fixtures/sentencepiece");
const MODEL = join(FIX, "llama2-tokenizer.model");

describe("readSentencePiece on the real Llama 2 tokenizer.model", async () => {
  const model = await readSentencePiece({ path: MODEL });
  const cases = JSON.parse(await readFile(join(FIX, "llama2-tokenizer-cases.json"), "utf8")) as {
    vocab_size: number;
    bos_id: number;
    eos_id: number;
    unk_id: number;
    cases: { text: string; ids: number[]; pieces: string[]; decoded: string }[];
  };
  it("reads pieces, special ids and normalizer flags", () => {
    expect(model.pieces.length).toBe(cases.vocab_size);
    expect([model.unkId, model.bosId, model.eosId, model.padId]).toEqual([
      cases.unk_id,
      cases.bos_id,
      cases.eos_id,
      -1,
    ]);
    expect(model.pieces.slice(0, 3).map((p) => [p.piece, p.type])).toEqual([
      ["<unk>", PIECE_TYPE.UNKNOWN],
      ["<s>", PIECE_TYPE.CONTROL],
      ["</s>", PIECE_TYPE.CONTROL],
    ]);
    expect(model.pieces[3]).toEqual({ piece: "<0x00>", score: 0, type: PIECE_TYPE.BYTE });
    expect(model.pieces[258]!.piece).toBe("<0xFF>");
    expect(model.pieces.filter((p) => p.type === PIECE_TYPE.BYTE).length).toBe(256);
    expect(model.modelType).toBe(2);
    expect(model.byteFallback).toBe(true);
    expect(model.addDummyPrefix).toBe(true);
    expect(model.removeExtraWhitespaces).toBe(false);
    expect(model.escapeWhitespaces).toBe(true);
    expect(model.normalizerName).toBe("identity");
    expect(model.unkSurface).toBe(" \u2047 ");
  });
  it("covers every fixture case", () => expect(cases.cases.length).toBe(10));
  for (const c of cases.cases) {
    it(`encodes and decodes ${JSON.stringify(c.text).slice(0, 40)}`, () => {
      const enc = encodeSentencePiece(model, c.text);
      expect(enc.map((e) => e.id)).toEqual(c.ids);
      expect(enc.map((e) => e.piece)).toEqual(c.pieces);
      expect(decodeSentencePiece(model, c.ids)).toBe(c.decoded);
    });
  }
  it("encodes long text consistently and round-trips it", () => {
    const repeated = Array(200).fill("Hello world").join(" ");
    expect(encodeSentencePiece(model, repeated).map((e) => e.id)).toEqual(Array(200).fill([15043, 3186]).flat());
    const mixed = cases.cases
      .map((c) => c.text)
      .join(" ")
      .repeat(20);
    expect(
      decodeSentencePiece(
        model,
        encodeSentencePiece(model, mixed).map((e) => e.id),
      ),
    ).toBe(mixed);
  });
  it("adds bos/eos on request and drops them when decoding", () => {
    const ids = encodeSentencePiece(model, "Hello world", { addBos: true, addEos: true }).map((e) => e.id);
    expect(ids).toEqual([1, 15043, 3186, 2]);
    expect(decodeSentencePiece(model, ids)).toBe("Hello world");
  });
});

describe("SentencePiece protobuf validation", () => {
  it("refuses truncated and malformed models", async () => {
    const buf = new Uint8Array(await readFile(MODEL));
    expect(() => parseSentencePiece(buf.subarray(0, 1000), "cut.model")).toThrow(CorruptFileError);
    expect(() => parseSentencePiece(new Uint8Array([0x0a, 0x05, 0x0a]), "x")).toThrow(/runs past the end/);
    expect(() => parseSentencePiece(new Uint8Array([0x0b]), "x")).toThrow(/wire type 3/);
    expect(() => parseSentencePiece(new Uint8Array([0x0a, 0x02, 0x18, 0x01]), "x")).toThrow(/has no text/);
    expect(() => parseSentencePiece(new Uint8Array([0x12, 0x00]), "x")).toThrow(/no pieces/);
  });
});
