import { UnsupportedFormatError } from "../errors.js";
import { mergeSymbols } from "./merge-symbols.js";
import { MODEL_TYPE, PIECE_TYPE, type SentencePieceModel } from "./read-sentencepiece.js";

const SPACE = "\u2581";

/** One token of an encoding: its id and piece text. */
export interface EncodedPiece {
  id: number;
  piece: string;
}

/**
 * Encode text as SentencePiece's BPE model does (Llama 2): normalize (optional whitespace
 * squeeze, spaces -> ▁, dummy ▁ prefix), split into characters (user-defined pieces kept whole),
 * repeatedly merge the adjacent pair whose joined piece has the highest score (leftmost on ties),
 * then map pieces to ids, spelling unknown ones as <0xNN> byte pieces when byte_fallback is on.
 * Control pieces written in the text (like "<s>") are plain text, exactly as in sentencepiece.
 */
export function encodeSentencePiece(
  model: SentencePieceModel,
  text: string,
  options: {
    /** Prepend the bos id (as Meta's and HF's Llama tokenizers do by default). */
    addBos?: boolean;
    /** Append the eos id. */
    addEos?: boolean;
  } = {},
): EncodedPiece[] {
  if (model.modelType !== MODEL_TYPE.BPE) {
    throw new UnsupportedFormatError(
      `Only BPE SentencePiece models can be encoded here (model_type ${model.modelType}).`,
    );
  }
  if (model.precompiledCharsmapBytes > 0) {
    throw new UnsupportedFormatError(
      `The SentencePiece normalizer "${model.normalizerName}" needs a character map that is not implemented.`,
    );
  }
  const vocab = new Map<string, number>();
  const userDefined: string[] = [];
  const byteIds = new Map<string, number>();
  model.pieces.forEach((p, id) => {
    if (p.type === PIECE_TYPE.BYTE) byteIds.set(p.piece, id);
    if (p.type === PIECE_TYPE.NORMAL || p.type === PIECE_TYPE.USER_DEFINED || p.type === PIECE_TYPE.UNUSED)
      vocab.set(p.piece, id);
    if (p.type === PIECE_TYPE.USER_DEFINED) userDefined.push(p.piece);
  });
  userDefined.sort((a, b) => b.length - a.length);
  const out: EncodedPiece[] = [];
  const push = (id: number) => out.push({ id, piece: model.pieces[id]!.piece });
  if (options.addBos && model.bosId >= 0) push(model.bosId);
  const normalized = normalize(model, text);
  if (normalized.length > 0) {
    // initial symbols: user-defined pieces whole (frozen), else one code point each
    const syms: { text: string; frozen: boolean }[] = [];
    for (let i = 0; i < normalized.length;) {
      const ud = userDefined.find((u) => normalized.startsWith(u, i));
      if (ud) {
        syms.push({ text: ud, frozen: true });
        i += ud.length;
      } else {
        const ch = String.fromCodePoint(normalized.codePointAt(i)!);
        syms.push({ text: ch, frozen: false });
        i += ch.length;
      }
    }
    const merged = mergeSymbols(syms, (text) => {
      const id = vocab.get(text);
      return id === undefined || model.pieces[id]!.type === PIECE_TYPE.USER_DEFINED
        ? undefined
        : model.pieces[id]!.score;
    });
    // unused pieces are split back into the pieces they were merged from, as sentencepiece does
    const emit = (text: string) => {
      const id = vocab.get(text);
      const parts = merged.revMerge.get(text);
      if (id !== undefined && model.pieces[id]!.type === PIECE_TYPE.UNUSED && parts) {
        emit(parts[0]);
        emit(parts[1]);
      } else if (id !== undefined && model.pieces[id]!.type !== PIECE_TYPE.UNUSED) push(id);
      else if (model.byteFallback) {
        for (const b of new TextEncoder().encode(text)) push(byteIds.get(byteName(b)) ?? model.unkId);
      } else push(model.unkId);
    };
    for (const t of merged.symbols) emit(t);
  }
  if (options.addEos && model.eosId >= 0) push(model.eosId);
  return out;
}

function byteName(b: number): string {
  return `<0x${b.toString(16).toUpperCase().padStart(2, "0")}>`;
}

function normalize(model: SentencePieceModel, text: string): string {
  let t = text;
  if (model.removeExtraWhitespaces) t = t.replace(/ +/g, " ").replace(/^ | $/g, "");
  if (t.length === 0) return "";
  if (model.escapeWhitespaces) t = t.replace(/ /g, SPACE);
  if (model.addDummyPrefix) t = model.treatWhitespaceAsSuffix ? t + SPACE : SPACE + t;
  return t;
}
