/**
 * An async operation whose module is imported on its first call, so importing the public API (and starting the CLI)
 * does not load the code of every stage. Same parameters, same result, same errors as the loaded function.
 */
export function loadOnCall<A extends unknown[], R>(
  load: () => Promise<(...args: A) => Promise<R>>,
): (...args: A) => Promise<R> {
  return async (...args) => (await load())(...args);
}
