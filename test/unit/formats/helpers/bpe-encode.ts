/**
 * Test helper: a small encoder over a tokenizer.json BPE model, written from the HF tokenizers
 * semantics (normalizer Prepend/Replace, per-character symbols, byte fallback, lowest-rank merge
 * first, leftmost on ties). It knows nothing of SentencePiece scores: it only uses the JSON.
 * Added tokens are not split out of the input (the SentencePiece fixtures treat "<s>" as text).
 */
interface TokJson {
  normalizer: {
    type: string;
    normalizers: { type: string; prepend?: string; pattern?: { String: string }; content?: string }[];
  };
  model: { vocab: Record<string, number>; merges: string[]; byte_fallback: boolean; unk_token: string };
}

export function bpeEncode(tok: TokJson, text: string): number[] {
  let s = text;
  for (const n of tok.normalizer.normalizers) {
    if (n.type === "Prepend" && s.length > 0) s = n.prepend! + s;
    else if (n.type === "Replace") s = s.split(n.pattern!.String).join(n.content!);
  }
  if (s.length === 0) return [];
  const { vocab, merges } = tok.model;
  const rank = new Map(merges.map((m, i) => [m, i]));
  let syms = Array.from(s).flatMap((ch) => {
    if (ch in vocab) return [ch];
    if (!tok.model.byte_fallback) return [tok.model.unk_token];
    return Array.from(new TextEncoder().encode(ch), (b) => `<0x${b.toString(16).toUpperCase().padStart(2, "0")}>`);
  });
  for (;;) {
    let best = -1;
    let bestRank = Infinity;
    for (let i = 0; i + 1 < syms.length; i++) {
      const r = rank.get(`${syms[i]} ${syms[i + 1]}`);
      if (r !== undefined && r < bestRank) {
        bestRank = r;
        best = i;
      }
    }
    if (best < 0) break;
    syms = [...syms.slice(0, best), syms[best]! + syms[best + 1]!, ...syms.slice(best + 2)];
  }
  return syms.map((t) => vocab[t] ?? vocab[tok.model.unk_token]!);
}
