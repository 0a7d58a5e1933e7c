import { toFloat32 } from "../formats/dtype/index.js";
import type { MatMulKernel } from "./load-matmul-kernel.js";
import type { MatMulJob } from "./mat-mul-job.js";

/** Weights widened per kernel call: about 1 MiB of f32, so a block stays in the core's cache for all vectors. */
const BLOCK_BYTES = 1 << 20;
const PAGE = 65536;
const PAD = 64;

/**
 * Rows [r0, r1) of a MatMulJob, on this thread: a block of weight rows at a time is widened to f32 inside the
 * kernel's memory (bf16 by the kernel, f16 by formats/dtype, f32 copied) and multiplied with every vector by the
 * SIMD kernel, f64 accumulation. Each row's sums do not depend on r0/r1, so any split of the rows over threads gives
 * the same numbers. Without a kernel (no WebAssembly SIMD) plain loops compute the same sums in column order.
 */
export function matMulBlock(params: {
  kernel: MatMulKernel | undefined;
  job: MatMulJob;
  r0: number;
  r1: number;
}): void {
  const { kernel, job, r0, r1 } = params;
  const { rows, cols, n, dtype } = job;
  if (r1 <= r0) return;
  const elementBytes = dtype === "F32" ? 4 : 2;
  const blockRows = Math.max(1, Math.min(r1 - r0, Math.floor(BLOCK_BYTES / (cols * 4))));
  if (!kernel) {
    for (let b0 = r0; b0 < r1; b0 += blockRows) {
      const b1 = Math.min(r1, b0 + blockRows);
      const w = toFloat32(job.weights.subarray(b0 * cols * elementBytes, b1 * cols * elementBytes), dtype);
      for (let r = b0; r < b1; r++) {
        const o = (r - b0) * cols;
        for (let t = 0; t < n; t++) {
          let acc = 0;
          for (let c = 0; c < cols; c++) acc += w[o + c]! * job.xs[t * cols + c]!;
          job.out[t * rows + r] = acc;
        }
      }
    }
    return;
  }
  const xPtr = 0;
  const outPtr = align(xPtr + n * cols * 8);
  const wPtr = align(outPtr + n * blockRows * 8);
  const rawPtr = align(wPtr + blockRows * cols * 4);
  const end = align(rawPtr + blockRows * cols * 2);
  const have = kernel.memory.buffer.byteLength;
  if (end > have) kernel.memory.grow(Math.ceil((end - have) / PAGE));
  const mem = kernel.memory.buffer;
  new Float64Array(mem, xPtr, n * cols).set(job.xs.subarray(0, n * cols));
  for (let b0 = r0; b0 < r1; b0 += blockRows) {
    const b1 = Math.min(r1, b0 + blockRows);
    const count = (b1 - b0) * cols;
    const src = job.weights.subarray(b0 * cols * elementBytes, b1 * cols * elementBytes);
    if (dtype === "BF16") {
      new Uint8Array(mem, rawPtr, src.byteLength).set(src);
      kernel.bf16ToF32(rawPtr, wPtr, Math.ceil(count / 8) * 8);
    } else if (dtype === "F32") {
      new Uint8Array(mem, wPtr, src.byteLength).set(src);
    } else {
      new Float32Array(mem, wPtr, count).set(toFloat32(src, "F16"));
    }
    kernel.matMulF32(wPtr, b1 - b0, cols, xPtr, n, outPtr);
    const out = new Float64Array(mem, outPtr, n * (b1 - b0));
    for (let t = 0; t < n; t++) job.out.set(out.subarray(t * (b1 - b0), (t + 1) * (b1 - b0)), t * rows + b0);
  }
}

function align(offset: number): number {
  return Math.ceil((offset + PAD) / PAD) * PAD;
}
