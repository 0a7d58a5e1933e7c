import type { Dispatcher } from "undici";
import { createDispatcher } from "./create-dispatcher.js";

/**
 * Run `fn` with the caller's dispatcher, or with a keep-alive dispatcher owned by this call (createDispatcher:
 * the proxy variables of this process apply; closed after `fn` settles) when there is none: no request of
 * llamagate goes through undici's global dispatcher.
 */
export async function withDispatcher<T>(
  dispatcher: Dispatcher | undefined,
  fn: (d: Dispatcher) => Promise<T>,
): Promise<T> {
  if (dispatcher) return fn(dispatcher);
  const own = createDispatcher();
  try {
    return await fn(own);
  } finally {
    await own.close().catch(() => {});
  }
}
