import { Agent, type Dispatcher } from "undici";

/**
 * Run `fn` with the caller's dispatcher, or with a keep-alive Agent owned by this call (closed after
 * `fn` settles) when there is none: no request of llamagate goes through undici's global dispatcher.
 */
export async function withDispatcher<T>(
  dispatcher: Dispatcher | undefined,
  fn: (d: Dispatcher) => Promise<T>,
): Promise<T> {
  if (dispatcher) return fn(dispatcher);
  const own = new Agent({ keepAliveTimeout: 10_000, connectTimeout: 30_000 });
  try {
    return await fn(own);
  } finally {
    await own.close().catch(() => {});
  }
}
