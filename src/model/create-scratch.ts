import type { WasmMemory } from "./load-cast-kernel.js";

/** A reusable output buffer: see createScratch(). */
export interface Scratch {
  /** A view of `bytes` bytes; valid until the next take(). Contents are not cleared. */
  take(bytes: number): Uint8Array;
}

const PAGE = 65536;

/**
 * One growing buffer reused for every tensor a writer produces. Writers consume a tensor's bytes
 * before asking for the next, so one buffer suffices; reusing it avoids re-faulting fresh pages
 * per tensor and keeps peak memory flat. With `memory`, the buffer is that WebAssembly memory
 * (so the cast kernel can work in place), falling back to a plain buffer if it cannot grow.
 */
export function createScratch(
  params: { /** WebAssembly memory to hand out (the cast kernel's). */ memory?: WasmMemory } = {},
): Scratch {
  let buf = new ArrayBuffer(0);
  const { memory } = params;
  let wasm = memory !== undefined;
  return {
    take(bytes) {
      if (wasm && memory) {
        try {
          if (bytes > memory.buffer.byteLength) memory.grow(Math.ceil((bytes - memory.buffer.byteLength) / PAGE));
          return new Uint8Array(memory.buffer, 0, bytes);
        } catch {
          wasm = false; // beyond what a 32-bit WebAssembly memory holds: plain memory, table casts
        }
      }
      if (bytes > buf.byteLength) buf = new ArrayBuffer(bytes);
      return new Uint8Array(buf, 0, bytes);
    },
  };
}
