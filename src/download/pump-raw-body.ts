import type { RawResponse } from "../core/http/open-raw-response.js";

/** A batch of the body, laid out in one buffer: the caller writes ~1 MiB at a time, reads are at most 256 KiB. */
const SLAB = (1 << 20) + (256 << 10);

/**
 * pumpBody's contract for a raw response: every piece is copied into one reused buffer (the slab) and handed to
 * `onChunk` as a view of it, so the caller's batch is contiguous and no buffer is allocated per read. When
 * `onChunk` returns a promise (a batch is being written), reading pauses until it settles. The slab starts over
 * once `drained()` says the caller holds none of it (its batch was written); a view still held is never
 * overwritten (a new slab is taken instead). Resolves at the end of the body; rejects on the first error (the
 * connection, `onChunk`, or its promise), reported only after a write in progress is over.
 */
export function pumpRawBody(
  raw: RawResponse,
  onChunk: (chunk: Buffer) => Promise<void> | void,
  drained: () => boolean,
): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    let slab = Buffer.allocUnsafeSlow(SLAB);
    let off = 0;
    let busy = false;
    let settled = false;
    let ended = false;
    let heldError: { e: unknown } | undefined;
    const held: Buffer[] = []; // pieces that came while a write ran (copies: the read buffer is reused)

    const finish = (e?: unknown) => {
      if (settled) return;
      settled = true;
      if (e === undefined) resolve();
      else {
        raw.destroy();
        reject(e);
      }
    };
    const onData = (piece: Buffer): boolean | void => {
      if (settled) return false;
      if (busy) {
        held.push(Buffer.from(piece));
        return false;
      }
      return deliver(piece);
    };
    const settleAfterWrite = () => {
      busy = false;
      if (settled) return;
      if (heldError) return finish(heldError.e);
      while (held.length > 0) {
        deliver(held.shift()!);
        if (settled || busy) return; // the rest waits for this write
      }
      if (ended) finish();
      else raw.resume();
    };
    const deliver = (piece: Buffer): boolean | void => {
      if (drained()) off = 0;
      if (off + piece.length > slab.length) {
        slab = Buffer.allocUnsafeSlow(Math.max(SLAB, piece.length));
        off = 0;
      }
      piece.copy(slab, off);
      const chunk = slab.subarray(off, off + piece.length);
      off += piece.length;
      let r: Promise<void> | void;
      try {
        r = onChunk(chunk);
      } catch (e) {
        finish(e);
        return false;
      }
      if (!r) return;
      busy = true;
      r.then(settleAfterWrite, (e: unknown) => {
        busy = false;
        finish(e);
      });
      return false;
    };
    raw.read(
      onData,
      () => {
        ended = true;
        if (!busy && held.length === 0) finish();
      },
      (e) => {
        if (busy) heldError ??= { e };
        else finish(e);
      },
    );
  });
}
