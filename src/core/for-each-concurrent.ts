/**
 * Run `fn` on every item with at most `concurrency` calls in flight, items taken in order. The first error stops
 * new items from starting; the calls already running are waited for, then that error is thrown (nothing is left
 * running behind the caller's back). `stopWhen` ends the run early, without an error (e.g. a cancelled run).
 */
export async function forEachConcurrent<T>(
  items: readonly T[],
  concurrency: number,
  fn: (item: T, index: number) => Promise<void>,
  opts: { stopWhen?: () => boolean } = {},
): Promise<void> {
  let next = 0;
  let failed = false;
  let failure: unknown;
  const worker = async () => {
    while (next < items.length && !failed && !opts.stopWhen?.()) {
      const i = next++;
      try {
        await fn(items[i]!, i);
      } catch (e) {
        if (!failed) failure = e;
        failed = true;
      }
    }
  };
  const n = Math.max(1, Math.min(Math.floor(concurrency) || 1, items.length));
  await Promise.all(Array.from({ length: n }, worker));
  if (failed) throw failure;
}
