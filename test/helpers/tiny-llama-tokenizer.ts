/**
 * Writes a small SentencePiece `tokenizer.model` (protobuf ModelProto, formats.md §6.1) by hand:
 * <unk>, <s>, </s>, then `size - 3` NORMAL pieces with decreasing scores, BPE model type,
 * unk/bos/eos ids 0/1/2 and pad -1, identity normalizer with add_dummy_prefix.
 */

function varint(n: number | bigint): number[] {
  let v = BigInt.asUintN(64, BigInt(n));
  const out: number[] = [];
  do {
    let b = Number(v & 0x7fn);
    v >>= 7n;
    if (v > 0n) b |= 0x80;
    out.push(b);
  } while (v > 0n);
  return out;
}
const key = (field: number, wire: number) => varint((field << 3) | wire);
const lenDelim = (field: number, bytes: number[]) => [...key(field, 2), ...varint(bytes.length), ...bytes];
const str = (field: number, s: string) => lenDelim(field, [...Buffer.from(s, "utf8")]);
const vint = (field: number, n: number) => [...key(field, 0), ...varint(n)];
const f32 = (field: number, x: number) => {
  const b = Buffer.alloc(4);
  b.writeFloatLE(x, 0);
  return [...key(field, 5), ...b];
};

export interface TinyPiece {
  piece: string;
  score: number;
  /** NORMAL=1, UNKNOWN=2, CONTROL=3, USER_DEFINED=4, UNUSED=5, BYTE=6 */
  type: number;
}

/** The pieces written for a vocabulary of `size`. */
export function tinyPieces(size: number): TinyPiece[] {
  const pieces: TinyPiece[] = [
    { piece: "<unk>", score: 0, type: 2 },
    { piece: "<s>", score: 0, type: 3 },
    { piece: "</s>", score: 0, type: 3 },
  ];
  const letters = "abcdefghijklmnopqrstuvwxyz";
  for (let i = 3; i < size; i++) {
    const j = i - 3;
    const text =
      j < 26
        ? `\u2581${letters[j]}`
        : j < 52
          ? letters[j - 26]!
          : `${letters[j % 26]}${letters[Math.floor(j / 26) % 26]}${j}`;
    pieces.push({ piece: text, score: -j, type: 1 });
  }
  return pieces;
}

/** Serialize a ModelProto with `size` pieces. */
export function buildTinyTokenizerModel(size: number): Uint8Array {
  return serializeTokenizerModel(tinyPieces(size));
}

/**
 * Pieces llama.cpp can load: like tinyPieces, plus a bare "▁" and the byte piece <0x0A> right after
 * the control tokens. Without them node-llama-cpp's load-time tokenization of "\n" + text falls
 * back to missing byte tokens and llama.cpp aborts the process (std::out_of_range in byte_to_token).
 */
export function llamaCppTinyPieces(size: number): TinyPiece[] {
  const base = tinyPieces(size);
  return [
    ...base.slice(0, 3),
    { piece: "\u2581", score: 0, type: 1 },
    { piece: "<0x0A>", score: 0, type: 6 },
    ...base.slice(3, size - 2),
  ];
}

/**
 * tokenizer.model bytes llama.cpp loads (see llamaCppTinyPieces). `otherModel`: the same specials and
 * size, but the ordinary pieces in reverse order (another model's tokenizer of the same size).
 */
export function buildLlamaCppTinyTokenizerModel(size: number, otherModel = false): Uint8Array {
  const pieces = llamaCppTinyPieces(size);
  if (otherModel) pieces.splice(5, pieces.length - 5, ...pieces.slice(5).reverse());
  return serializeTokenizerModel(pieces);
}

function serializeTokenizerModel(pieces: TinyPiece[]): Uint8Array {
  const size = pieces.length;
  const bytes: number[] = [];
  for (const p of pieces) bytes.push(...lenDelim(1, [...str(1, p.piece), ...f32(2, p.score), ...vint(3, p.type)]));
  bytes.push(
    ...lenDelim(2, [
      ...vint(3, 2),
      ...vint(4, size),
      ...vint(35, 0),
      ...vint(40, 0),
      ...vint(41, 1),
      ...vint(42, 2),
      ...vint(43, -1),
    ]),
  );
  bytes.push(...lenDelim(3, [...str(1, "identity"), ...vint(3, 1), ...vint(4, 0), ...vint(5, 1)]));
  return Uint8Array.from(bytes);
}
