import { readFile } from "node:fs/promises";
import { ConversionError } from "./errors.js";
import type { GgufVocab } from "./gguf-vocab.js";

/**
 * Read tokenizer.model (SentencePiece ModelProto) into GGUF vocabulary arrays, padded up to the
 * model's embedding rows with `[PAD{i}]` (score -1000, UNUSED), as convert_hf_to_gguf does.
 */
export async function readGgufVocab(params: { path: string; vocabSize: number }): Promise<GgufVocab> {
  const { path, vocabSize } = params;
  const bytes = new Uint8Array(await readFile(path));
  const model = parseModelProto(bytes, path);
  if (model.pieces.length === 0) throw bad(path, "it has no pieces");
  if (model.pieces.length > vocabSize) {
    throw new ConversionError("VOCAB_MISMATCH", `${path} has ${model.pieces.length} pieces but the model's embedding has only ${vocabSize} rows.`, {
      hint: "The tokenizer does not belong to this model: use the tokenizer.model shipped with the weights.",
    });
  }
  const tokens = model.pieces.map((p) => p.piece);
  const scores = model.pieces.map((p) => p.score);
  const types = model.pieces.map((p) => p.type);
  for (let i = tokens.length; i < vocabSize; i++) {
    tokens.push(`[PAD${i}]`);
    scores.push(-1000);
    types.push(5);
  }
  return { tokens, scores, types, unkId: model.unkId, bosId: model.bosId, eosId: model.eosId, padId: model.padId, addSpacePrefix: model.addDummyPrefix };
}

function bad(path: string, why: string): ConversionError {
  return new ConversionError("BAD_TOKENIZER", `${path} is not a SentencePiece model: ${why}.`, {
    hint: "Use the tokenizer.model shipped with the weights (Llama 3's tiktoken file is not supported for GGUF).",
  });
}

interface ParsedModel {
  pieces: { piece: string; score: number; type: number }[];
  unkId: number;
  bosId: number;
  eosId: number;
  padId: number;
  addDummyPrefix: boolean;
}

/** Minimal proto2 walk of the fields GGUF needs (pieces=1, trainer_spec=2, normalizer_spec=3). */
function parseModelProto(buf: Uint8Array, path: string): ParsedModel {
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const model: ParsedModel = { pieces: [], unkId: 0, bosId: 1, eosId: 2, padId: -1, addDummyPrefix: true };
  const walk = (start: number, end: number, onField: (field: number, wire: number, value: number | [number, number]) => void) => {
    let pos = start;
    const varint = (): number => {
      let result = 0n;
      let shift = 0n;
      for (;;) {
        if (pos >= end) throw bad(path, "a field runs past the end");
        const b = buf[pos++]!;
        result |= BigInt(b & 0x7f) << shift;
        if ((b & 0x80) === 0) break;
        shift += 7n;
        if (shift > 63n) throw bad(path, "a varint is too long");
      }
      return Number(BigInt.asIntN(64, result));
    };
    while (pos < end) {
      const key = varint();
      const field = key >>> 3;
      const wire = key & 7;
      if (wire === 0) onField(field, wire, varint());
      else if (wire === 1) {
        pos += 8;
        if (pos > end) throw bad(path, "a field runs past the end");
      } else if (wire === 2) {
        const len = varint();
        if (len < 0 || pos + len > end) throw bad(path, "a length runs past the end");
        onField(field, wire, [pos, pos + len]);
        pos += len;
      } else if (wire === 5) {
        if (pos + 4 > end) throw bad(path, "a field runs past the end");
        onField(field, wire, pos);
        pos += 4;
      } else throw bad(path, `unsupported wire type ${wire}`);
    }
  };
  const text = new TextDecoder("utf-8", { fatal: true });
  walk(0, buf.length, (field, wire, v) => {
    if (field === 1 && wire === 2) {
      const [s, e] = v as [number, number];
      const piece = { piece: "", score: 0, type: 1 };
      walk(s, e, (f, w, pv) => {
        if (f === 1 && w === 2) piece.piece = text.decode(buf.subarray(...(pv as [number, number])));
        else if (f === 2 && w === 5) piece.score = view.getFloat32(pv as number, true);
        else if (f === 3 && w === 0) piece.type = pv as number;
      });
      model.pieces.push(piece);
    } else if (field === 2 && wire === 2) {
      const [s, e] = v as [number, number];
      walk(s, e, (f, w, tv) => {
        if (w !== 0) return;
        if (f === 3 && tv !== 2) throw bad(path, `model_type is ${String(tv)}, but Llama tokenizers are BPE (2)`);
        if (f === 40) model.unkId = tv as number;
        else if (f === 41) model.bosId = tv as number;
        else if (f === 42) model.eosId = tv as number;
        else if (f === 43) model.padId = tv as number;
      });
    } else if (field === 3 && wire === 2) {
      const [s, e] = v as [number, number];
      walk(s, e, (f, w, nv) => {
        if (f === 3 && w === 0) model.addDummyPrefix = nv !== 0;
      });
    }
  });
  return model;
}
