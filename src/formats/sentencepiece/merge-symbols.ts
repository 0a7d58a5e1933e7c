/**
 * SentencePiece's BPE merge loop (bpe_model.cc): symbols in a linked list, candidate pairs in a
 * max-heap keyed by (score, then leftmost position); stale candidates are skipped when popped.
 * `scoreOf` returns the score of a mergeable piece, or undefined when the joined text is not one.
 * Returns the final symbol texts and, for every merge done, the two texts it joined.
 */
export function mergeSymbols(
  initial: readonly { text: string; frozen: boolean }[],
  scoreOf: (text: string) => number | undefined,
): { symbols: string[]; revMerge: Map<string, [string, string]> } {
  const text = initial.map((s) => s.text);
  const frozen = initial.map((s) => s.frozen);
  const prev = initial.map((_, i) => i - 1);
  const next = initial.map((_, i) => (i + 1 < initial.length ? i + 1 : -1));
  const revMerge = new Map<string, [string, string]>();
  interface Cand {
    left: number;
    right: number;
    score: number;
    joined: string;
  }
  const heap: Cand[] = [];
  const better = (a: Cand, b: Cand) => a.score > b.score || (a.score === b.score && a.left < b.left);
  const pushCand = (c: Cand) => {
    heap.push(c);
    for (let i = heap.length - 1; i > 0;) {
      const parent = (i - 1) >> 1;
      if (!better(heap[i]!, heap[parent]!)) break;
      [heap[i], heap[parent]] = [heap[parent]!, heap[i]!];
      i = parent;
    }
  };
  const popCand = (): Cand | undefined => {
    const top = heap[0];
    const last = heap.pop()!;
    if (heap.length > 0) {
      heap[0] = last;
      for (let i = 0; ;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < heap.length && better(heap[l]!, heap[m]!)) m = l;
        if (r < heap.length && better(heap[r]!, heap[m]!)) m = r;
        if (m === i) break;
        [heap[i], heap[m]] = [heap[m]!, heap[i]!];
        i = m;
      }
    }
    return top;
  };
  const consider = (left: number, right: number) => {
    if (left < 0 || right < 0 || frozen[left] || frozen[right]) return;
    const joined = text[left]! + text[right]!;
    const score = scoreOf(joined);
    if (score !== undefined) pushCand({ left, right, score, joined });
  };
  for (let i = 0; i + 1 < initial.length; i++) consider(i, i + 1);
  while (heap.length > 0) {
    const c = popCand()!;
    // stale: one side was merged away or changed since this candidate was queued
    if (
      next[c.left] !== c.right ||
      text[c.left]!.length === 0 ||
      text[c.right]!.length === 0 ||
      text[c.left]! + text[c.right]! !== c.joined
    )
      continue;
    revMerge.set(c.joined, [text[c.left]!, text[c.right]!]);
    text[c.left] = c.joined;
    text[c.right] = "";
    next[c.left] = next[c.right]!;
    if (next[c.right]! >= 0) prev[next[c.right]!] = c.left;
    consider(prev[c.left]!, c.left);
    consider(c.left, next[c.left]!);
  }
  return { symbols: text.filter((t) => t.length > 0), revMerge };
}
