import { CAST_KERNEL_WASM } from "./cast-kernel-wasm.js";

/** A WebAssembly.Memory (the project's TypeScript libs do not declare WebAssembly). */
export interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}

interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object) => { exports: Record<string, unknown> };
}

/** The WebAssembly SIMD bf16 → f16 kernel (scripts/cast-kernel.wat) and the memory it works in. */
export interface CastKernel {
  /** Buffers must lie in this memory (see createScratch({ memory })). */
  memory: WasmMemory;
  /** Convert `count` elements (a multiple of 8) at byte offset `src` into byte offset `dst`. */
  bf16ToF16(src: number, dst: number, count: number): void;
}

/**
 * Instantiate the cast kernel: about 4× faster than the best lookup-table loop in JavaScript,
 * which matters when converting Meta's bf16 weights to an f16 GGUF (1.3 G elements for 7B per
 * 2.5 GB). Undefined where WebAssembly SIMD is unavailable (callers then use the tables).
 */
export function loadCastKernel(): CastKernel | undefined {
  try {
    const wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;
    const instance = new wasm.Instance(new wasm.Module(Buffer.from(CAST_KERNEL_WASM, "base64")));
    const { memory, bf16ToF16 } = instance.exports as { memory: WasmMemory; bf16ToF16: CastKernel["bf16ToF16"] };
    return { memory, bf16ToF16 };
  } catch {
    return undefined;
  }
}
