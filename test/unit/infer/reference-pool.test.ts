import { afterAll, describe, expect, it } from "vitest";
import { toFloat32 } from "../../../src/formats/dtype/index.js";
import { createReferencePool } from "../../../src/infer/create-reference-pool.js";
import { loadMatMulKernel } from "../../../src/infer/load-matmul-kernel.js";
import { matMulBlock } from "../../../src/infer/mat-mul-block.js";
import type { MatMulJob, WeightDType } from "../../../src/infer/mat-mul-job.js";
import { matMulRows } from "../../../src/infer/mat-mul-rows.js";

let seed = 987654321;
const rand = () => {
  seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
  return seed / 4294967296 - 0.5;
};

/** A random rows×cols matrix encoded as dtype, its f32 values, and n random f64 vectors, all in shared memory. */
function makeJob(dtype: WeightDType, rows: number, cols: number, n: number): { job: MatMulJob; plain: Float64Array[] } {
  const f32 = new Float32Array(rows * cols).map(() => rand());
  const size = dtype === "F32" ? 4 : 2;
  const weights = new Uint8Array(new SharedArrayBuffer(rows * cols * size));
  if (dtype === "F32") weights.set(new Uint8Array(f32.buffer));
  else {
    // Random 16-bit patterns of finite values (sign, exponents around 1, any mantissa).
    const u16 = new Uint16Array(weights.buffer);
    for (let i = 0; i < u16.length; i++) {
      const bits = Math.floor((rand() + 0.5) * 65536) & 0x83ff;
      u16[i] = dtype === "BF16" ? 0x3c00 | (bits & 0x807f) | ((bits & 0x300) >> 1) : 0x3000 | bits;
    }
  }
  const xs = new Float64Array(new SharedArrayBuffer(n * cols * 8));
  for (let i = 0; i < xs.length; i++) xs[i] = rand();
  const out = new Float64Array(new SharedArrayBuffer(n * rows * 8));
  const data = toFloat32(weights.slice(), dtype);
  const plain = matMulRows(
    { rows, cols, data },
    Array.from({ length: n }, (_, t) => xs.slice(t * cols, (t + 1) * cols)),
  );
  return { job: { weights, dtype, rows, cols, xs, n, out }, plain };
}

function expectClose(job: MatMulJob, plain: Float64Array[]) {
  for (let t = 0; t < job.n; t++) {
    for (let r = 0; r < job.rows; r++) {
      const a = job.out[t * job.rows + r]!;
      const b = plain[t]![r]!;
      expect(Math.abs(a - b)).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(b)));
    }
  }
}

describe("the reference's SIMD matmul kernel equals the plain JavaScript loop", () => {
  const kernel = loadMatMulKernel();

  it("loads (WebAssembly SIMD is in every supported Node)", () => {
    expect(kernel).toBeDefined();
  });

  for (const dtype of ["F32", "BF16", "F16"] as const) {
    it(`${dtype} weights, column counts with and without a tail, 1 to 9 vectors`, () => {
      for (const [rows, cols, n] of [
        [7, 16, 1],
        [13, 37, 4],
        [33, 64, 5],
        [5, 3, 9],
        [40, 130, 6],
      ] as const) {
        const { job, plain } = makeJob(dtype, rows, cols, n);
        matMulBlock({ kernel, job, r0: 0, r1: rows });
        expectClose(job, plain);
        const split = { ...job, out: new Float64Array(job.out.length) };
        matMulBlock({ kernel, job: split, r0: 0, r1: 3 });
        matMulBlock({ kernel, job: split, r0: 3, r1: rows });
        expect(split.out).toEqual(new Float64Array(job.out));
        const loops = { ...job, out: new Float64Array(job.out.length) };
        matMulBlock({ kernel: undefined, job: loops, r0: 0, r1: rows });
        expectClose(loops, plain);
      }
    });
  }

  it("a block larger than the kernel's working set (several widened blocks per share)", () => {
    const { job, plain } = makeJob("BF16", 300, 1024, 3);
    matMulBlock({ kernel, job, r0: 0, r1: 300 });
    expectClose(job, plain);
  });
});

describe("createReferencePool: the rows split over worker threads", () => {
  const one = createReferencePool({ size: 1 });
  const three = createReferencePool({ size: 3 });
  afterAll(async () => {
    await one.close();
    await three.close();
  });

  it("a pool of 1 and a pool of 3 give the same numbers, equal to the plain loop", async () => {
    for (const dtype of ["BF16", "F32", "F16"] as const) {
      const { job, plain } = makeJob(dtype, 301, 260, 5);
      await one.matMul(job);
      const first = job.out.slice();
      job.out.fill(0);
      await three.matMul(job);
      expect(job.out.slice()).toEqual(first);
      expectClose(job, plain);
    }
  });

  it("refuses buffers the workers cannot share", async () => {
    const { job } = makeJob("F32", 4, 4, 1);
    await expect(one.matMul({ ...job, xs: new Float64Array(4) })).rejects.toThrow(/SharedArrayBuffer/);
  });
});
