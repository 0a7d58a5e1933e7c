import { UnsupportedFormatError } from "../errors.js";
import { MODEL_TYPE, PIECE_TYPE, type SentencePieceModel } from "./read-sentencepiece.js";

const SPACE = "\u2581";

/**
 * Merges derived from pieces and scores as transformers' SentencePieceExtractor does: every split
 * of a piece into two pieces that are both in the vocab is a merge (ordered by the halves' ids),
 * and all merges are sorted by the piece's score, highest first (stable).
 */
function extractMerges(pieces: readonly { piece: string; score: number }[], vocab: Map<string, number>): string[] {
  const merges: { l: string; r: string; score: number }[] = [];
  for (const { piece, score } of pieces) {
    const chars = Array.from(piece);
    const local: { l: string; r: string; score: number }[] = [];
    for (let i = 1; i < chars.length; i++) {
      const l = chars.slice(0, i).join("");
      const r = chars.slice(i).join("");
      if (vocab.has(l) && vocab.has(r)) local.push({ l, r, score });
    }
    local.sort((a, b) => vocab.get(a.l)! - vocab.get(b.l)! || vocab.get(a.r)! - vocab.get(b.r)!);
    merges.push(...local);
  }
  merges.sort((a, b) => b.score - a.score);
  return merges.map((m) => `${m.l} ${m.r}`);
}

/**
 * Build a Hugging Face fast-tokenizer `tokenizer.json` object from a Llama (BPE, byte-fallback)
 * SentencePiece model, as transformers' LlamaConverter does (legacy behaviour): BPE model with
 * the piece vocab and score-derived merges, normalizer Prepend("▁") + Replace(" ", "▁"), decoder
 * Replace("▁", " ") → ByteFallback → Fuse → Strip(1 left), special pieces as added tokens, and a
 * TemplateProcessing post-processor adding <s> (and </s> when asked).
 */
export function buildTokenizerJson(
  model: SentencePieceModel,
  options: {
    /** Add the bos token in the post-processor (Llama default true). */
    addBos?: boolean;
    /** Add the eos token in the post-processor (Llama default false). */
    addEos?: boolean;
  } = {},
): Record<string, unknown> {
  if (model.modelType !== MODEL_TYPE.BPE) {
    throw new UnsupportedFormatError(`A Llama tokenizer.json needs a BPE SentencePiece model; this one has model_type ${model.modelType}.`);
  }
  const addBos = options.addBos ?? true;
  const addEos = options.addEos ?? false;
  // LlamaConverter gives the first three pieces score 0
  const scored = model.pieces.map((p, id) => ({ piece: p.piece, score: id < 3 ? 0 : p.score }));
  const vocab = new Map<string, number>();
  scored.forEach((p, id) => {
    if (!vocab.has(p.piece)) vocab.set(p.piece, id);
  });
  const piece = (id: number) => model.pieces[id]!.piece;
  const added = model.pieces
    .map((p, id) => ({ p, id }))
    .filter(({ p, id }) => p.type === PIECE_TYPE.CONTROL || p.type === PIECE_TYPE.USER_DEFINED || id === model.unkId)
    .map(({ p, id }) => ({
      id,
      content: p.piece,
      single_word: false,
      lstrip: false,
      rstrip: false,
      normalized: false,
      special: p.type !== PIECE_TYPE.USER_DEFINED,
    }));
  const bos = model.bosId >= 0 ? piece(model.bosId) : undefined;
  const eos = model.eosId >= 0 ? piece(model.eosId) : undefined;
  const special = (content: string | undefined, typeId: number) => (content ? [{ SpecialToken: { id: content, type_id: typeId } }] : []);
  const seq = (id: string, typeId: number) => ({ Sequence: { id, type_id: typeId } });
  const single = [...(addBos ? special(bos, 0) : []), seq("A", 0), ...(addEos ? special(eos, 0) : [])];
  const pair = [...single, ...(addBos ? special(bos, 1) : []), seq("B", 1), ...(addEos ? special(eos, 1) : [])];
  const specialTokens: Record<string, unknown> = {};
  if (addBos && bos) specialTokens[bos] = { id: bos, ids: [model.bosId], tokens: [bos] };
  if (addEos && eos) specialTokens[eos] = { id: eos, ids: [model.eosId], tokens: [eos] };
  const normalizers = [
    ...(model.addDummyPrefix ? [{ type: "Prepend", prepend: SPACE }] : []),
    { type: "Replace", pattern: { String: " " }, content: SPACE },
  ];
  return {
    version: "1.0",
    truncation: null,
    padding: null,
    added_tokens: added,
    normalizer: { type: "Sequence", normalizers },
    pre_tokenizer: null,
    post_processor: { type: "TemplateProcessing", single, pair, special_tokens: specialTokens },
    decoder: {
      type: "Sequence",
      decoders: [
        { type: "Replace", pattern: { String: SPACE }, content: " " },
        { type: "ByteFallback" },
        { type: "Fuse" },
        ...(model.addDummyPrefix ? [{ type: "Strip", content: " ", start: 1, stop: 0 }] : []),
      ],
    },
    model: {
      type: "BPE",
      dropout: null,
      unk_token: piece(model.unkId),
      continuing_subword_prefix: null,
      end_of_word_suffix: null,
      fuse_unk: true,
      byte_fallback: model.byteFallback,
      vocab: Object.fromEntries(vocab),
      merges: extractMerges(scored, vocab),
    },
  };
}
