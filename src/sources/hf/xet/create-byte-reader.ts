/** Exact-length reads over a stream of Buffers (an HTTP body): what the chunk and multipart parsers need. */
export interface ByteReader {
  /** Exactly `n` bytes; throws `eof()` when the stream ends first. */
  read(n: number): Promise<Buffer>;
  /** One line without its CRLF (at most `max` bytes); throws `eof()` at the end, or when the line is longer. */
  readLine(max: number): Promise<string>;
  /** Bytes taken from the stream so far. */
  readonly received: number;
}

/**
 * Wrap an async iterable of Buffers. `onData` is told each piece as it arrives (the rate limiter, progress of the
 * network); `eof` makes the error thrown when the stream ends early (a dropped connection: retried by the caller).
 */
export function createByteReader(
  source: AsyncIterable<Buffer>,
  eof: () => Error,
  onData?: (n: number) => Promise<void> | void,
  /** Maps an error of the stream itself (a reset connection) to the caller's error. */
  mapError: (e: unknown) => unknown = (e) => e,
): ByteReader {
  const it = source[Symbol.asyncIterator]();
  const queue: Buffer[] = [];
  let queued = 0;
  let received = 0;
  let done = false;
  const more = async (): Promise<boolean> => {
    if (done) return false;
    let r: IteratorResult<Buffer>;
    try {
      r = await it.next();
    } catch (e) {
      throw mapError(e);
    }
    if (r.done) {
      done = true;
      return false;
    }
    const b = r.value;
    if (b.length) {
      queue.push(b);
      queued += b.length;
      received += b.length;
      await onData?.(b.length);
    }
    return true;
  };
  const take = (n: number): Buffer => {
    const first = queue[0]!;
    if (first.length >= n) {
      const out = first.subarray(0, n);
      if (first.length === n) queue.shift();
      else queue[0] = first.subarray(n);
      queued -= n;
      return out;
    }
    const out = Buffer.allocUnsafe(n);
    let at = 0;
    while (at < n) {
      const b = queue[0]!;
      const k = Math.min(b.length, n - at);
      b.copy(out, at, 0, k);
      at += k;
      if (k === b.length) queue.shift();
      else queue[0] = b.subarray(k);
    }
    queued -= n;
    return out;
  };
  return {
    get received() {
      return received;
    },
    async read(n) {
      if (n === 0) return Buffer.alloc(0);
      while (queued < n) if (!(await more())) throw eof();
      return take(n);
    },
    async readLine(max) {
      for (;;) {
        let seen = 0;
        for (const b of queue) {
          const i = b.indexOf(10);
          if (i >= 0) {
            const line = take(seen + i + 1).toString("latin1");
            return line.replace(/\r?\n$/, "");
          }
          seen += b.length;
        }
        if (seen > max || !(await more())) throw eof();
      }
    },
  };
}
