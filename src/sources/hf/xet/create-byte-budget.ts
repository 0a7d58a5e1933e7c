/** A cap on bytes in flight shared by every Xet transfer of a run (requested from the storage, not yet written). */
export interface ByteBudget {
  /** Wait until `n` more bytes fit (a request bigger than the whole cap waits until nothing else is in flight). */
  acquire(n: number, signal?: AbortSignal): Promise<void>;
  release(n: number): void;
  /** The most bytes that were in flight at once. */
  readonly peak: number;
}

/** A byte semaphore (FIFO, so a big request is not starved by small ones). */
export function createByteBudget(capBytes: number): ByteBudget {
  let used = 0;
  let peak = 0;
  const waiting: { n: number; go: () => void }[] = [];
  const fits = (n: number) => used === 0 || used + n <= capBytes;
  const pump = () => {
    while (waiting.length && fits(waiting[0]!.n)) {
      const w = waiting.shift()!;
      used += w.n;
      peak = Math.max(peak, used);
      w.go();
    }
  };
  return {
    get peak() {
      return peak;
    },
    acquire(n, signal) {
      if (!waiting.length && fits(n)) {
        used += n;
        peak = Math.max(peak, used);
        return Promise.resolve();
      }
      return new Promise<void>((resolve, reject) => {
        const w = {
          n,
          go: () => {
            signal?.removeEventListener("abort", onAbort);
            resolve();
          },
        };
        const onAbort = () => {
          const i = waiting.indexOf(w);
          if (i >= 0) waiting.splice(i, 1);
          reject(signal?.reason instanceof Error ? signal.reason : new Error("aborted"));
          pump();
        };
        signal?.addEventListener("abort", onAbort, { once: true });
        waiting.push(w);
      });
    },
    release(n) {
      used -= n;
      pump();
    },
  };
}
