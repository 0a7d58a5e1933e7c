export {
  readSentencePiece,
  parseSentencePiece,
  PIECE_TYPE,
  MODEL_TYPE,
  type SentencePiece,
  type SentencePieceModel,
} from "./read-sentencepiece.js";
export { encodeSentencePiece, type EncodedPiece } from "./encode-sentencepiece.js";
export { decodeSentencePiece } from "./decode-sentencepiece.js";
export { buildTokenizerJson } from "./build-tokenizer-json.js";
