/**
 * Sort key that puts canonical (Meta) tensor names in model order: embeddings, then layers by
 * number in Meta's within-layer order, then the final norm and the output head.
 */
const WITHIN = [
  "attention.wq.weight",
  "attention.wk.weight",
  "attention.wv.weight",
  "attention.wo.weight",
  "feed_forward.w1.weight",
  "feed_forward.w2.weight",
  "feed_forward.w3.weight",
  "attention_norm.weight",
  "ffn_norm.weight",
];

export function canonicalOrder(a: string, b: string): number {
  const key = (n: string): [number, number, string] => {
    if (n === "tok_embeddings.weight") return [-1, 0, n];
    if (n === "norm.weight") return [1e9, 0, n];
    if (n === "output.weight") return [1e9, 1, n];
    const m = /^layers\.(\d+)\.(.*)$/.exec(n);
    if (!m) return [2e9, 0, n];
    const w = WITHIN.indexOf(m[2]!);
    return [Number(m[1]), w < 0 ? WITHIN.length : w, n];
  };
  const ka = key(a);
  const kb = key(b);
  return ka[0] - kb[0] || ka[1] - kb[1] || (ka[2] < kb[2] ? -1 : ka[2] > kb[2] ? 1 : 0);
}
