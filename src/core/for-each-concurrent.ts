/**
 * Run `fn` on every item with at most `concurrency` calls in flight, items taken in order. The first error stops
 * new items from starting; the calls already running are waited for, then that error is thrown (nothing is left
 * running behind the caller's back). `stopWhen` ends the run early, without an error (e.g. a cancelled run).
 * `afterLast`: a slot that finds no item left calls it until it resolves false (the end of a run, where an idle
 * slot helps a slower item finish; its errors count as an item's).
 */
export async function forEachConcurrent<T>(
  items: readonly T[],
  concurrency: number,
  fn: (item: T, index: number) => Promise<void>,
  opts: { stopWhen?: () => boolean; afterLast?: () => Promise<boolean> } = {},
): Promise<void> {
  let next = 0;
  let failed = false;
  let failure: unknown;
  const fail = (e: unknown) => {
    if (!failed) failure = e;
    failed = true;
  };
  const worker = async () => {
    while (next < items.length && !failed && !opts.stopWhen?.()) {
      const i = next++;
      try {
        await fn(items[i]!, i);
      } catch (e) {
        fail(e);
      }
    }
    try {
      while (opts.afterLast && !failed && !opts.stopWhen?.() && (await opts.afterLast()));
    } catch (e) {
      fail(e);
    }
  };
  const n = Math.max(1, Math.min(Math.floor(concurrency) || 1, items.length));
  await Promise.all(Array.from({ length: n }, worker));
  if (failed) throw failure;
}
