/** A reusable output buffer: see createScratch(). */
export interface Scratch {
  /** A view of `bytes` bytes; valid until the next take(). Contents are not cleared. */
  take(bytes: number): Uint8Array;
}

/**
 * One growing buffer reused for every tensor a writer produces. Writers consume a tensor's bytes
 * before asking for the next, so one buffer suffices; reusing it avoids re-faulting hundreds of
 * MB of fresh pages per tensor and keeps peak memory at the largest tensor, not a GC's worth.
 */
export function createScratch(): Scratch {
  let buf = new ArrayBuffer(0);
  return {
    take(bytes) {
      if (bytes > buf.byteLength) buf = new ArrayBuffer(bytes);
      return new Uint8Array(buf, 0, bytes);
    },
  };
}
