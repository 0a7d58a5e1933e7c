import { UnsupportedFormatError } from "../errors.js";
import { MODEL_TYPE, PIECE_TYPE, type SentencePieceModel } from "./read-sentencepiece.js";

const SPACE = "\u2581";

/**
 * Longest piece accepted, in UTF-16 code units. SentencePiece trains pieces of at most 16 characters
 * (512 at the most); a longer one is a hostile or broken model, and would make the merges huge.
 */
export const MAX_PIECE_LENGTH = 1024;
/** Most characters the merge list may hold (Llama 2's has 0.5M): bounds tokenizer.json. */
export const MAX_MERGE_CHARS = 64 * 1024 * 1024;

/** Pieces up to this length are split by hashing both halves; longer ones walk the tries (linear time). */
const SHORT_PIECE = 64;

/** A trie of the vocabulary over UTF-16 code units (or of the reversed pieces): nodes are numbers. */
function buildTrie(pieces: Iterable<string>, reversed: boolean): { next: Map<number, number>; terminal: Set<number> } {
  const next = new Map<number, number>();
  const terminal = new Set<number>();
  let nodes = 1;
  for (const w of pieces) {
    let node = 0;
    for (let i = 0; i < w.length; i++) {
      const key = node * 65536 + w.charCodeAt(reversed ? w.length - 1 - i : i);
      let child = next.get(key);
      if (child === undefined) next.set(key, (child = nodes++));
      node = child;
    }
    terminal.add(node);
  }
  return { next, terminal };
}

/**
 * Merges derived from pieces and scores as transformers' SentencePieceExtractor does: every split
 * of a piece into two pieces that are both in the vocab is a merge (ordered by the halves' ids),
 * and all merges are sorted by the piece's score, highest first (stable). Splits are found by index;
 * long pieces walk a trie of the pieces and one of their reverses, so the work stays linear in length.
 */
function extractMerges(pieces: readonly { piece: string; score: number }[], vocab: Map<string, number>): string[] {
  let tries: { fwd: ReturnType<typeof buildTrie>; bwd: ReturnType<typeof buildTrie> } | undefined;
  const merges: { l: string; r: string; score: number }[] = [];
  let chars = 0;
  for (const { piece, score } of pieces) {
    const n = piece.length;
    if (n < 2) continue;
    const local: { l: string; r: string; score: number }[] = [];
    const add = (i: number) => {
      local.push({ l: piece.slice(0, i), r: piece.slice(i), score });
      chars += n + 1;
    };
    if (n <= SHORT_PIECE) {
      // short pieces (all of a real Llama vocabulary): hashing each half is cheapest
      for (let i = 1; i < n; i++) {
        if (!splitsSurrogatePair(piece, i) && vocab.has(piece.slice(0, i)) && vocab.has(piece.slice(i))) add(i);
      }
    } else {
      tries ??= { fwd: buildTrie(vocab.keys(), false), bwd: buildTrie(vocab.keys(), true) };
      const { fwd, bwd } = tries;
      // prefix[i]: piece[0, i) is a piece
      const prefix = new Uint8Array(n);
      for (let i = 0, node = 0; i < n - 1; i++) {
        const child = fwd.next.get(node * 65536 + piece.charCodeAt(i));
        if (child === undefined) break;
        node = child;
        if (fwd.terminal.has(node)) prefix[i + 1] = 1;
      }
      for (let i = n - 1, node = 0; i >= 1; i--) {
        const child = bwd.next.get(node * 65536 + piece.charCodeAt(i));
        if (child === undefined) break;
        node = child;
        // piece[i, n) is a piece; split only between code points, as Array.from(piece) would
        if (prefix[i] && bwd.terminal.has(node) && !splitsSurrogatePair(piece, i)) add(i);
      }
    }
    if (chars > MAX_MERGE_CHARS) {
      throw new UnsupportedFormatError(
        `The tokenizer's merges would exceed ${MAX_MERGE_CHARS} characters; it is not a Llama tokenizer.`,
        {
          code: "TOKENIZER_TOO_LARGE",
        },
      );
    }
    local.sort((a, b) => vocab.get(a.l)! - vocab.get(b.l)! || vocab.get(a.r)! - vocab.get(b.r)!);
    for (const m of local) merges.push(m);
  }
  merges.sort((a, b) => b.score - a.score);
  return merges.map((m) => `${m.l} ${m.r}`);
}

/** True when index i falls between the two halves of a surrogate pair. */
function splitsSurrogatePair(s: string, i: number): boolean {
  const hi = s.charCodeAt(i - 1);
  const lo = s.charCodeAt(i);
  return hi >= 0xd800 && hi <= 0xdbff && lo >= 0xdc00 && lo <= 0xdfff;
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
    throw new UnsupportedFormatError(
      `A Llama tokenizer.json needs a BPE SentencePiece model; this one has model_type ${model.modelType}.`,
    );
  }
  model.pieces.forEach((p, id) => {
    if (p.piece.length > MAX_PIECE_LENGTH) {
      throw new UnsupportedFormatError(
        `Tokenizer piece ${id} is ${p.piece.length} characters long (at most ${MAX_PIECE_LENGTH} are supported); it is not a Llama tokenizer.`,
        {
          code: "TOKENIZER_PIECE_TOO_LONG",
        },
      );
    }
  });
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
  const special = (content: string | undefined, typeId: number) =>
    content ? [{ SpecialToken: { id: content, type_id: typeId } }] : [];
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
