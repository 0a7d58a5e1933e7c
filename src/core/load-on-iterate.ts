/**
 * An `...Iter` operation (an async generator) whose module is imported when iteration starts: the same events, and
 * the loaded generator's return value (the summary) is this one's return value. `return()`/`throw()` reach it too.
 */
export function loadOnIterate<A extends unknown[], Y, R>(
  load: () => Promise<(...args: A) => AsyncGenerator<Y, R>>,
): (...args: A) => AsyncGenerator<Y, R> {
  return async function* (...args) {
    return yield* (await load())(...args);
  };
}
