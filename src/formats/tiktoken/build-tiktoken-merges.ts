/**
 * Rebuild BPE merges from tiktoken ranks as transformers' TikTokenConverter does
 * (`extract_vocab_merges_from_model`): for every token longer than one byte, each split (l, r) with l
 * and r both tokens gives a merge; a token's merges are sorted by (rank l, rank r), and all merges by
 * the merged token's rank. Returns [left, right] index pairs into `tokens`, in merge order.
 */
export function buildTiktokenMerges(params: {
  /** tokens[rank] = bytes. */
  tokens: readonly Uint8Array[];
}): [number, number][] {
  const { tokens } = params;
  // latin1 strings are a cheap exact key for byte strings
  const key = (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString("latin1");
  const keys = tokens.map(key);
  const rank = new Map<string, number>();
  keys.forEach((k, i) => rank.set(k, i));
  const merges: [number, number][] = [];
  for (let t = 0; t < keys.length; t++) {
    const k = keys[t]!;
    if (k.length < 2) continue;
    const local: [number, number][] = [];
    for (let s = 1; s < k.length; s++) {
      const l = rank.get(k.slice(0, s));
      const r = rank.get(k.slice(s));
      if (l !== undefined && r !== undefined) local.push([l, r]);
    }
    local.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    for (const m of local) merges.push(m);
  }
  return merges;
}
