/**
 * Run an `...Iter` operation to its end and return its summary (the generator's return value), handing each event
 * to `onEvent` when given: what every non-iterating twin (`runPipeline`, `convertCheckpoint`, ...) does.
 */
export async function drainIter<E, R>(it: AsyncGenerator<E, R>, onEvent?: (event: E) => void): Promise<R> {
  for (;;) {
    const r = await it.next();
    if (r.done) return r.value;
    onEvent?.(r.value);
  }
}
