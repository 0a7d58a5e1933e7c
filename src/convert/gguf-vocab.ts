/** A SentencePiece vocabulary in the shape GGUF's tokenizer.ggml.* keys want. */
export interface GgufVocab {
  tokens: string[];
  scores: number[];
  /** SentencePiece piece types: NORMAL=1, UNKNOWN=2, CONTROL=3, USER_DEFINED=4, UNUSED=5, BYTE=6. */
  types: number[];
  unkId: number;
  bosId: number;
  eosId: number;
  /** -1 when the model has no padding token (Llama 2). */
  padId: number;
  /** normalizer add_dummy_prefix. */
  addSpacePrefix: boolean;
}
