import type { Readable } from "node:stream";

/**
 * Read a response body in flowing mode and hand every chunk to `onChunk` as it arrives. Unlike async
 * iteration, chunks are never re-buffered or concatenated (no copies, no extra allocations). When
 * `onChunk` returns a promise (a batch is being written), the body is paused until it settles; chunks
 * that were already on their way wait and are delivered in order afterwards.
 * Resolves at the end of the body; rejects on the first error (body, `onChunk`, or its promise), or
 * when the body closes before its end (ERR_STREAM_PREMATURE_CLOSE, as async iteration does).
 */
export function pumpBody(body: Readable, onChunk: (chunk: Buffer) => Promise<void> | void): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    let busy = false;
    let ended = false;
    let settled = false;
    let held: Buffer[] = [];
    let heldError: { e: unknown } | undefined;

    const finish = (e?: unknown) => {
      if (settled) return;
      settled = true;
      body.off("data", onData);
      body.off("end", onEnd);
      // "error" stays handled (by this no-op once settled): the caller destroys the body later.
      body.off("close", onClose);
      if (e === undefined) resolve();
      else reject(e);
    };
    const settleAfterWrite = () => {
      busy = false;
      if (settled) return;
      if (heldError) return finish(heldError.e);
      const queued = held;
      held = [];
      for (const c of queued) {
        deliver(c);
        if (settled) return;
        if (busy) {
          // Another write started: keep the rest for after it.
          held = queued.slice(queued.indexOf(c) + 1).concat(held);
          return;
        }
      }
      if (ended) finish();
      else body.resume();
    };
    const deliver = (chunk: Buffer) => {
      let r: Promise<void> | void;
      try {
        r = onChunk(chunk);
      } catch (e) {
        finish(e);
        return;
      }
      if (r) {
        busy = true;
        body.pause();
        r.then(settleAfterWrite, (e: unknown) => {
          busy = false;
          finish(e);
        });
      }
    };
    const onData = (chunk: Buffer) => {
      if (settled) return;
      if (busy) held.push(chunk);
      else deliver(chunk);
    };
    // A body error while a write runs is reported once the write is over: the caller must never
    // see the transfer end while its last batch is still being written.
    const onError = (e: unknown) => {
      if (busy && !settled) heldError ??= { e };
      else finish(e);
    };
    const onEnd = () => {
      ended = true;
      if (!busy) finish();
    };
    const onClose = () => {
      if (!ended) onError(Object.assign(new Error("Premature close"), { code: "ERR_STREAM_PREMATURE_CLOSE" }));
    };
    body.on("data", onData);
    body.on("end", onEnd);
    body.on("error", onError);
    body.on("close", onClose);
  });
}
