import { PIECE_TYPE, type SentencePieceModel } from "./read-sentencepiece.js";

/**
 * Decode ids to text as sentencepiece does: control pieces vanish, runs of <0xNN> byte pieces
 * are joined and read as UTF-8 (invalid bytes become U+FFFD), ▁ becomes a space, and the dummy
 * prefix space of the first piece is removed.
 */
export function decodeSentencePiece(model: SentencePieceModel, ids: readonly number[]): string {
  const decoder = new TextDecoder("utf-8", { fatal: false, ignoreBOM: true });
  let out = "";
  let bytes: number[] = [];
  const flush = () => {
    if (bytes.length > 0) out += decoder.decode(new Uint8Array(bytes));
    bytes = [];
  };
  for (const id of ids) {
    const p = model.pieces[id];
    if (!p) {
      flush();
      out += model.unkSurface;
      continue;
    }
    if (p.type === PIECE_TYPE.BYTE) {
      bytes.push(Number.parseInt(p.piece.slice(3, 5), 16));
      continue;
    }
    flush();
    if (p.type === PIECE_TYPE.CONTROL) continue;
    if (p.type === PIECE_TYPE.UNKNOWN) out += model.unkSurface;
    else out += p.piece.replace(/\u2581/g, " ");
  }
  flush();
  if (model.addDummyPrefix && !model.treatWhitespaceAsSuffix && out.startsWith(" ")) out = out.slice(1);
  return out;
}
