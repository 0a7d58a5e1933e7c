/**
 * A push/pull queue that turns callbacks fired inside a running task into an async iterator:
 * `run` gets `emit`; the iterator yields each emitted value and ends when the task settles
 * (re-throwing its error). Lets writer callbacks report progress through `*Iter()` APIs.
 * If the consumer stops early, `cancel` is called and the iterator waits for the task to settle,
 * so nothing keeps writing after the caller moved on.
 */
export async function* eventChannel<T, R>(
  run: (emit: (event: T) => void) => Promise<R>,
  cancel?: () => void,
): AsyncGenerator<T, R, undefined> {
  const queue: T[] = [];
  let wake: (() => void) | undefined;
  let settled = false;
  let failure: { error: unknown } | undefined;
  let result: R | undefined;
  const notify = () => {
    const w = wake;
    wake = undefined;
    w?.();
  };
  const task = run((e) => {
    queue.push(e);
    notify();
  }).then(
    (r) => {
      result = r;
      settled = true;
      notify();
    },
    (error: unknown) => {
      failure = { error };
      settled = true;
      notify();
    },
  );
  try {
    for (;;) {
      while (queue.length > 0) yield queue.shift()!;
      if (settled) break;
      await new Promise<void>((r) => (wake = r));
    }
  } finally {
    if (!settled) {
      cancel?.();
      await task;
    }
  }
  if (failure) throw failure.error;
  return result as R;
}
