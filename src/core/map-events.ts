/**
 * Re-yield another operation's events, each wrapped by `wrap`, and return its summary: how a stage passes on the
 * events of the operation it runs (`yield* mapEvents(convertCheckpointIter(p), (event) => ({ type: ..., event }))`).
 */
export async function* mapEvents<E, W, R>(it: AsyncGenerator<E, R>, wrap: (event: E) => W): AsyncGenerator<W, R> {
  for (;;) {
    const r = await it.next();
    if (r.done) return r.value;
    yield wrap(r.value);
  }
}
