import { EventQueue } from "./event-queue.js";

/**
 * Turn callbacks fired inside a running task into an async iterator: `run` gets `emit`; the iterator yields each
 * emitted value as it happens (a long Retry-After wait is announced before it starts, writer progress as it is
 * made) and ends when the task settles, returning its value or re-throwing its error. If the consumer stops early,
 * `cancel` is called and the iterator waits for the task to settle, so nothing keeps working after the caller
 * moved on. The one event channel of the library (the engine's many producers use EventQueue directly).
 */
export async function* eventChannel<T, R>(
  run: (emit: (event: T) => void) => Promise<R>,
  cancel?: () => void,
): AsyncGenerator<T, R, undefined> {
  const queue = new EventQueue<T>();
  let settled = false;
  let failure: { error: unknown } | undefined;
  let result: R | undefined;
  const task = run((e) => queue.push(e)).then(
    (r) => {
      result = r;
      settled = true;
      queue.wake();
    },
    (error: unknown) => {
      failure = { error };
      settled = true;
      queue.wake();
    },
  );
  try {
    for (;;) {
      for (const e of queue.drain()) yield e;
      // No await between this check and wait(): a settle cannot slip in unseen.
      if (settled) break;
      await queue.wait();
    }
    for (const e of queue.drain()) yield e;
  } finally {
    if (!settled) {
      cancel?.();
      await task;
    }
  }
  if (failure) throw failure.error;
  return result as R;
}
