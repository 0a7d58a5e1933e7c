import type { RawResponse } from "../core/http/open-raw-response.js";

/** Room for one batch (the caller writes ~1 MiB at a time) and one more read. */
const SLAB = (1 << 20) + (256 << 10);
/** A read goes straight into a slab only when this much room is left (a full read: fewer, larger reads). */
const MIN_INTO = 256 << 10;

/**
 * pumpBody's contract for a raw response: every piece lies in one of two reused buffers (the slabs), handed to
 * `onChunk` as a view of it, and no buffer is allocated per read. A Content-Length body is read straight into a
 * slab's free room (RawResponse.read's `into`), so its bytes are not copied at all; while one slab's batch is being
 * written, reads land in the other. Other pieces (chunked, the bytes that came with the head, a read when neither
 * slab has room) are copied in. When `onChunk` returns a promise (a batch is being written), reading pauses until it
 * settles. A slab starts over once `drained()` says the caller holds none of it (its batch was written) and no piece
 * waits in it; a view still held is never overwritten (a fresh slab is taken instead). Resolves at the end of the
 * body; rejects on the first error (the connection, `onChunk`, or its promise), reported only after a write in
 * progress is over.
 */
export function pumpRawBody(
  raw: RawResponse,
  onChunk: (chunk: Buffer) => Promise<void> | void,
  drained: () => boolean,
): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    // Two slabs in turn: while a batch in one is being written, reads land in the other.
    const slabs = [Buffer.allocUnsafeSlow(SLAB), Buffer.allocUnsafeSlow(SLAB)];
    /** Slab k holds bytes handed to the caller and not yet written by it. */
    const handedOut = [false, false];
    let cur = 0;
    let off = 0; // slabs[cur] is free from here on
    let busy = false;
    let settled = false;
    let ended = false;
    let heldError: { e: unknown } | undefined;
    // Pieces that came while a write ran: views of a slab where the read landed in its free room, else copies
    // (the read buffer is reused).
    const held: Buffer[] = [];

    const finish = (e?: unknown) => {
      if (settled) return;
      settled = true;
      if (e === undefined) resolve();
      else {
        raw.destroy();
        reject(e);
      }
    };
    const slabOf = (piece: Buffer) => slabs.findIndex((b) => b.buffer === piece.buffer);
    /** `piece` was read straight into the free room of the current slab. */
    const atOff = (piece: Buffer) => slabOf(piece) === cur && piece.byteOffset === slabs[cur]!.byteOffset + off;
    const isFree = (k: number) => !handedOut[k] && held.every((h) => h.buffer !== slabs[k]!.buffer);
    /** Make room for `bytes` at `off`: the current slab's rest, the current slab from its start, or the other one. */
    const room = (bytes: number): boolean => {
      if (drained()) handedOut[0] = handedOut[1] = false; // the caller wrote everything it was handed
      if (off > 0 && isFree(cur)) off = 0;
      if (slabs[cur]!.length - off >= bytes) return true;
      if (!isFree(1 - cur)) return false;
      cur = 1 - cur;
      off = 0;
      return true;
    };
    const onData = (piece: Buffer): boolean | void => {
      if (settled) return false;
      if (busy) {
        if (atOff(piece)) {
          off += piece.length; // it stays where it landed, taken by nothing else
          held.push(piece);
        } else held.push(Buffer.from(piece));
        return false;
      }
      return deliver(piece);
    };
    const settleAfterWrite = () => {
      busy = false;
      if (settled) return;
      if (heldError) return finish(heldError.e);
      if (drained()) handedOut[0] = handedOut[1] = false; // the batch is written: its slab is free again
      while (held.length > 0) {
        deliver(held.shift()!);
        if (settled || busy) return; // the rest waits for this write
      }
      if (ended) finish();
      else raw.resume();
    };
    /** Free slab memory for the next socket read, or undefined (the read goes to the read buffer, then copied). */
    const into = (): Buffer | undefined => (!settled && room(MIN_INTO) ? slabs[cur]!.subarray(off) : undefined);
    const deliver = (piece: Buffer): boolean | void => {
      let chunk: Buffer;
      const k = slabOf(piece);
      if (k >= 0) {
        // Read into a slab: at `off` (nothing to move), or held there while a write ran (`off` is already past it).
        if (atOff(piece)) off += piece.length;
        chunk = piece;
        handedOut[k] = true;
      } else {
        if (!room(piece.length)) {
          // Both slabs are taken: a fresh one replaces the current (the bytes in the old one stay valid).
          slabs[cur] = Buffer.allocUnsafeSlow(Math.max(SLAB, piece.length));
          handedOut[cur] = false;
          off = 0;
        }
        piece.copy(slabs[cur]!, off);
        chunk = slabs[cur]!.subarray(off, off + piece.length);
        off += piece.length;
        handedOut[cur] = true;
      }
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
      into,
    );
  });
}
