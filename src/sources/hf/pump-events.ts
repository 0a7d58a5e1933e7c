/**
 * Run a promise-returning step that reports through a callback (e.g. "rate limited, retrying in 30 s")
 * and yield those reports as they happen, not after the step: a long Retry-After wait is announced
 * before it starts. Returns the step's value (or throws its error) once it is done.
 */
export async function* pumpEvents<E, T>(start: (emit: (e: E) => void) => Promise<T>): AsyncGenerator<E, T> {
  const queue: E[] = [];
  let wake: (() => void) | undefined;
  let settled = false;
  const emit = (e: E) => {
    queue.push(e);
    wake?.();
  };
  const work = start(emit).finally(() => {
    settled = true;
    wake?.();
  });
  work.catch(() => {}); // observed below; avoids an unhandled rejection while events are drained
  for (;;) {
    while (queue.length > 0) yield queue.shift()!;
    if (settled) break;
    // Set the waker and re-check in one step, so an emit between the check and the wait is not lost.
    await new Promise<void>((resolve) => {
      wake = resolve;
      if (queue.length > 0 || settled) resolve();
    });
    wake = undefined;
  }
  return await work;
}
