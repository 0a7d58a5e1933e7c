import { readFile } from "node:fs/promises";
import { basename } from "node:path";
import { FilesystemError } from "../../core/errors.js";
import { CorruptFileError, UnsupportedFormatError } from "../errors.js";
import { protoFields, type ProtoField } from "./protobuf-reader.js";

/** SentencePiece piece types (sentencepiece_model.proto). */
export const PIECE_TYPE = { NORMAL: 1, UNKNOWN: 2, CONTROL: 3, USER_DEFINED: 4, UNUSED: 5, BYTE: 6 } as const;
/** TrainerSpec.model_type values. */
export const MODEL_TYPE = { UNIGRAM: 1, BPE: 2, WORD: 3, CHAR: 4 } as const;

export interface SentencePiece {
  piece: string;
  score: number;
  type: number;
}

/** The parts of a SentencePiece ModelProto that conversion and tokenization need. */
export interface SentencePieceModel {
  pieces: SentencePiece[];
  modelType: number;
  vocabSize: number | undefined;
  unkId: number;
  bosId: number;
  eosId: number;
  /** -1 when the model has no pad piece (Llama 2). */
  padId: number;
  unkPiece: string;
  bosPiece: string;
  eosPiece: string;
  padPiece: string;
  /** Text shown for an unknown piece when decoding (" ⁇ " by default). */
  unkSurface: string;
  byteFallback: boolean;
  splitDigits: boolean;
  treatWhitespaceAsSuffix: boolean;
  normalizerName: string;
  /** Non-empty when the normalizer applies a precompiled character map (not implemented by encode). */
  precompiledCharsmapBytes: number;
  addDummyPrefix: boolean;
  removeExtraWhitespaces: boolean;
  escapeWhitespaces: boolean;
}

const MAX_MODEL_BYTES = 64 * 1024 * 1024;
const text = (f: ProtoField, what: string) => {
  try {
    return new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(f.bytes);
  } catch {
    throw new CorruptFileError(`${what}: a string field is not valid UTF-8.`);
  }
};

/**
 * Read a SentencePiece `tokenizer.model` (protobuf ModelProto) with a hand-written decoder:
 * pieces (text, score, type), trainer spec (model type, special ids, byte fallback) and the
 * normalizer flags, with proto2 defaults for absent fields.
 */
export async function readSentencePiece(params: {
  /** Path of tokenizer.model. */
  path: string;
}): Promise<SentencePieceModel> {
  const what = basename(params.path);
  let buf: Uint8Array;
  try {
    buf = await readFile(params.path);
  } catch (e) {
    throw new FilesystemError("READ_FAILED", `Cannot read ${what}: ${(e as NodeJS.ErrnoException).code ?? "error"}.`, {
      cause: e,
    });
  }
  if (buf.length > MAX_MODEL_BYTES)
    throw new CorruptFileError(`${what} is implausibly large for a SentencePiece model.`);
  return parseSentencePiece(buf, what);
}

/** Decode ModelProto bytes (see readSentencePiece). */
export function parseSentencePiece(buf: Uint8Array, what: string): SentencePieceModel {
  const model: SentencePieceModel = {
    pieces: [],
    modelType: MODEL_TYPE.UNIGRAM,
    vocabSize: undefined,
    unkId: 0,
    bosId: 1,
    eosId: 2,
    padId: -1,
    unkPiece: "<unk>",
    bosPiece: "<s>",
    eosPiece: "</s>",
    padPiece: "<pad>",
    unkSurface: " \u2047 ",
    byteFallback: false,
    splitDigits: false,
    treatWhitespaceAsSuffix: false,
    normalizerName: "",
    precompiledCharsmapBytes: 0,
    addDummyPrefix: true,
    removeExtraWhitespaces: true,
    escapeWhitespaces: true,
  };
  const needLen = (f: ProtoField) => {
    if (f.wire !== 2)
      throw new CorruptFileError(
        `${what}: field ${f.field} has wire type ${f.wire}, expected a length-delimited value.`,
      );
    return f.bytes!;
  };
  const bool = (f: ProtoField) => {
    if (f.wire !== 0) throw new CorruptFileError(`${what}: field ${f.field} should be a varint.`);
    return f.varint !== 0;
  };
  const int = (f: ProtoField) => {
    if (f.wire !== 0) throw new CorruptFileError(`${what}: field ${f.field} should be a varint.`);
    return f.varint!;
  };
  for (const f of protoFields(buf, what)) {
    if (f.field === 1) {
      const piece: SentencePiece = { piece: "", score: 0, type: PIECE_TYPE.NORMAL };
      let hasPiece = false;
      for (const g of protoFields(needLen(f), what)) {
        if (g.field === 1) {
          piece.piece = text({ ...g, bytes: needLen(g) }, what);
          hasPiece = true;
        } else if (g.field === 2) {
          if (g.wire !== 5) throw new CorruptFileError(`${what}: piece score is not a float32.`);
          piece.score = new DataView(g.bytes!.buffer, g.bytes!.byteOffset, 4).getFloat32(0, true);
        } else if (g.field === 3) piece.type = int(g);
      }
      if (!hasPiece || piece.piece.length === 0)
        throw new CorruptFileError(`${what}: piece ${model.pieces.length} has no text.`);
      if (piece.type < 1 || piece.type > 6)
        throw new CorruptFileError(`${what}: piece ${model.pieces.length} has unknown type ${piece.type}.`);
      model.pieces.push(piece);
    } else if (f.field === 2) {
      for (const g of protoFields(needLen(f), what)) {
        switch (g.field) {
          case 3:
            model.modelType = int(g);
            break;
          case 4:
            model.vocabSize = int(g);
            break;
          case 24:
            model.treatWhitespaceAsSuffix = bool(g);
            break;
          case 25:
            model.splitDigits = bool(g);
            break;
          case 35:
            model.byteFallback = bool(g);
            break;
          case 40:
            model.unkId = int(g);
            break;
          case 41:
            model.bosId = int(g);
            break;
          case 42:
            model.eosId = int(g);
            break;
          case 43:
            model.padId = int(g);
            break;
          case 44:
            model.unkSurface = text({ ...g, bytes: needLen(g) }, what);
            break;
          case 45:
            model.unkPiece = text({ ...g, bytes: needLen(g) }, what);
            break;
          case 46:
            model.bosPiece = text({ ...g, bytes: needLen(g) }, what);
            break;
          case 47:
            model.eosPiece = text({ ...g, bytes: needLen(g) }, what);
            break;
          case 48:
            model.padPiece = text({ ...g, bytes: needLen(g) }, what);
            break;
        }
      }
    } else if (f.field === 3) {
      for (const g of protoFields(needLen(f), what)) {
        switch (g.field) {
          case 1:
            model.normalizerName = text({ ...g, bytes: needLen(g) }, what);
            break;
          case 2:
            model.precompiledCharsmapBytes = needLen(g).length;
            break;
          case 3:
            model.addDummyPrefix = bool(g);
            break;
          case 4:
            model.removeExtraWhitespaces = bool(g);
            break;
          case 5:
            model.escapeWhitespaces = bool(g);
            break;
        }
      }
    }
  }
  if (model.pieces.length === 0)
    throw new UnsupportedFormatError(`${what} holds no pieces; not a SentencePiece model.`);
  const n = model.pieces.length;
  for (const [label, id] of [
    ["unk", model.unkId],
    ["bos", model.bosId],
    ["eos", model.eosId],
    ["pad", model.padId],
  ] as const) {
    if (id < -1 || id >= n) throw new CorruptFileError(`${what}: ${label}_id ${id} is outside the ${n} pieces.`);
  }
  return model;
}
