import { MATMUL_KERNEL_WASM } from "./matmul-kernel-wasm.js";

/** A WebAssembly.Memory (the project's TypeScript libs do not declare WebAssembly). */
interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}

interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object) => { exports: Record<string, unknown> };
}

/** The reference's WebAssembly SIMD matmul kernel (scripts/matmul-kernel.wat) and the memory it works in. */
export interface MatMulKernel {
  /** Every pointer below is a byte offset into this memory. */
  memory: WasmMemory;
  /** out[t·rows + r] = Σ_c w[r·cols + c]·x[t·cols + c]: w f32, x and out f64, accumulated in f64. */
  matMulF32(w: number, rows: number, cols: number, x: number, n: number, out: number): void;
  /** Widen `n` bf16 values (a multiple of 8) at `src` to f32 at `dst`. */
  bf16ToF32(src: number, dst: number, n: number): void;
}

/**
 * Instantiate the matmul kernel: about 9× the plain JavaScript loop (src/infer/mat-mul-rows.ts) on one core, at the
 * same f64 accumulation. Undefined where WebAssembly SIMD is unavailable (callers then use plain loops).
 */
export function loadMatMulKernel(): MatMulKernel | undefined {
  try {
    const wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;
    const instance = new wasm.Instance(new wasm.Module(Buffer.from(MATMUL_KERNEL_WASM, "base64")));
    return instance.exports as unknown as MatMulKernel;
  } catch {
    return undefined;
  }
}
