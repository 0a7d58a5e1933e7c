import { MODEL_TYPE, readSentencePiece } from "../formats/sentencepiece/index.js";
import { ConversionError } from "./errors.js";
import type { GgufVocab } from "./gguf-vocab.js";

/**
 * Read tokenizer.model (SentencePiece) into GGUF vocabulary arrays, padded up to the model's
 * embedding rows with `[PAD{i}]` (score -1000, UNUSED), as convert_hf_to_gguf does.
 */
export async function readGgufVocab(params: {
  /** tokenizer.model (SentencePiece). */
  path: string;
  /** Embedding rows of the model: the vocabulary is padded up to this. */
  vocabSize: number;
}): Promise<GgufVocab> {
  const { path, vocabSize } = params;
  const model = await readSentencePiece({ path });
  if (model.modelType !== MODEL_TYPE.BPE || model.pieces.length === 0) {
    throw new ConversionError("BAD_TOKENIZER", `${path} is not a Llama (BPE SentencePiece) tokenizer.`, {
      hint: "Use the tokenizer.model shipped with the weights (Llama 3's tiktoken file is not supported for GGUF).",
    });
  }
  if (model.pieces.length > vocabSize) {
    throw new ConversionError(
      "VOCAB_MISMATCH",
      `${path} has ${model.pieces.length} pieces but the model's embedding has only ${vocabSize} rows.`,
      {
        hint: "The tokenizer does not belong to this model: use the tokenizer.model shipped with the weights.",
      },
    );
  }
  const tokens = model.pieces.map((p) => p.piece);
  const scores = model.pieces.map((p) => p.score);
  const types = model.pieces.map((p) => p.type);
  for (let i = tokens.length; i < vocabSize; i++) {
    tokens.push(`[PAD${i}]`);
    scores.push(-1000);
    types.push(5);
  }
  return {
    tokens,
    scores,
    types,
    unkId: model.unkId,
    bosId: model.bosId,
    eosId: model.eosId,
    padId: model.padId,
    addSpacePrefix: model.addDummyPrefix,
  };
}
