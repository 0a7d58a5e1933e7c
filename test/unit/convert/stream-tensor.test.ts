import { describe, expect, it } from "vitest";
import { createCaster, type InDType, type OutDType } from "../../../src/model/create-caster.js";
import { createScratch } from "../../../src/model/create-scratch.js";
import { loadCastKernel } from "../../../src/model/load-cast-kernel.js";
import { streamTensor } from "../../../src/convert/stream-tensor.js";
import { fromFloat32, quantizeQ8_0, toFloat32 } from "../../../src/formats/dtype/index.js";
import type { LazyTensor } from "../../../src/formats/tensor.js";

/** Deterministic pseudo-random floats (xorshift), including tiny values and exact zeros. */
function values(n: number, seed: number): Float32Array {
  let x = seed | 1;
  return Float32Array.from({ length: n }, (_, i) => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    const v = ((x >>> 0) / 2 ** 32 - 0.5) * 0.2;
    return i % 41 === 0 ? 0 : i % 13 === 0 ? v * 1e-6 : v;
  });
}

/** An in-memory slice; with `ranged`, it also offers readInto (as contiguous on-disk tensors do). */
function part(shape: number[], data: Float32Array, dtype: InDType, ranged: boolean): LazyTensor {
  const bytes = fromFloat32(data, dtype);
  const t: LazyTensor = { name: "t", dtype, shape, byteLength: bytes.byteLength, read: async () => bytes.slice() };
  if (ranged) {
    t.readInto = async (dest, offset) => {
      await new Promise((r) => setTimeout(r, offset % 3)); // reads finish out of step with writes
      dest.set(bytes.subarray(offset, offset + dest.byteLength));
    };
  }
  return t;
}

/**
 * The expected output, computed element by element: full[r][c] from the slices by index
 * arithmetic, rows reordered within each head by formats.md §3 (HF row p·hd/2 + i is Meta row
 * 2i + p), then encoded whole with the dtype package.
 */
function expected(
  slices: Float32Array[],
  shapes: [number, number][],
  dim: 0 | 1,
  to: OutDType,
  from: InDType,
  permute?: { headDim: number; direction: "meta-to-hf" | "hf-to-meta" },
): Uint8Array {
  const rows = dim === 0 ? shapes.reduce((n, s) => n + s[0], 0) : shapes[0]![0];
  const cols = dim === 1 ? shapes.reduce((n, s) => n + s[1], 0) : shapes[0]![1];
  // round-trip through the source encoding, as the converter reads encoded bytes
  const src = slices.map((s) => toFloat32(fromFloat32(s, from), from));
  const full = new Float32Array(rows * cols);
  let r0 = 0;
  let c0 = 0;
  src.forEach((s, k) => {
    const [pr, pc] = shapes[k]!;
    for (let r = 0; r < pr; r++) for (let c = 0; c < pc; c++) full[(r0 + r) * cols + c0 + c] = s[r * pc + c]!;
    if (dim === 0) r0 += pr;
    else c0 += pc;
  });
  let ordered = full;
  if (permute) {
    ordered = new Float32Array(full.length);
    const hd = permute.headDim;
    for (let h = 0; h < rows / hd; h++) {
      for (let i = 0; i < hd / 2; i++) {
        for (let p = 0; p < 2; p++) {
          const meta = h * hd + 2 * i + p;
          const hf = h * hd + p * (hd / 2) + i;
          const [a, b] = permute.direction === "meta-to-hf" ? [meta, hf] : [hf, meta];
          ordered.set(full.subarray(a * cols, (a + 1) * cols), b * cols);
        }
      }
    }
  }
  if (to === "Q8_0") return quantizeQ8_0(ordered);
  if (to === "F32") return new Uint8Array(ordered.buffer);
  return fromFloat32(ordered, to);
}

async function collect(run: (sink: (c: Uint8Array) => Promise<void>) => Promise<void>): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let i = 0;
  await run(async (c) => {
    const copy = c.slice(); // the buffer is reused once this promise resolves
    await new Promise((r) => setTimeout(r, i++ % 2));
    chunks.push(copy);
  });
  return Buffer.concat(chunks);
}

describe("streamTensor", () => {
  const caster = createCaster();
  const cases: {
    dim: 0 | 1;
    shapes: [number, number][];
    flat?: boolean;
    from: InDType;
    to: OutDType;
    permute?: { headDim: number; direction: "meta-to-hf" | "hf-to-meta" };
  }[] = [
    {
      dim: 0,
      shapes: [
        [12, 32],
        [12, 32],
      ],
      from: "BF16",
      to: "BF16",
    },
    {
      dim: 0,
      shapes: [
        [12, 32],
        [12, 32],
      ],
      from: "BF16",
      to: "F16",
    },
    {
      dim: 0,
      shapes: [
        [8, 32],
        [8, 32],
      ],
      from: "BF16",
      to: "BF16",
      permute: { headDim: 4, direction: "meta-to-hf" },
    },
    {
      dim: 0,
      shapes: [
        [8, 32],
        [8, 32],
      ],
      from: "BF16",
      to: "F32",
      permute: { headDim: 4, direction: "meta-to-hf" },
    },
    { dim: 0, shapes: [[16, 64]], from: "F32", to: "F16", permute: { headDim: 8, direction: "hf-to-meta" } },
    { dim: 0, shapes: [[16, 64]], from: "F16", to: "Q8_0", permute: { headDim: 8, direction: "hf-to-meta" } },
    {
      dim: 1,
      shapes: [
        [9, 16],
        [9, 16],
      ],
      from: "BF16",
      to: "BF16",
    },
    {
      dim: 1,
      shapes: [
        [9, 16],
        [9, 16],
      ],
      from: "BF16",
      to: "Q8_0",
    }, // slices narrower than a block
    {
      dim: 1,
      shapes: [
        [7, 10],
        [7, 6],
        [7, 16],
      ],
      from: "F32",
      to: "F16",
    },
    { dim: 0, shapes: [[1, 48]], flat: true, from: "BF16", to: "F32" }, // a 1-D tensor (a norm)
    {
      dim: 1,
      shapes: [
        [5, 24],
        [5, 24],
      ],
      from: "BF16",
      to: "F16",
    },
  ];
  for (const c of cases) {
    for (const chunkBytes of [1, 100, 1 << 20]) {
      for (const ranged of [true, false]) {
        const label = `${c.shapes.map((s) => s.join("×")).join(" + ")} along ${c.dim}, ${c.from} → ${c.to}${c.permute ? `, ${c.permute.direction}` : ""}, ${chunkBytes} B chunks${ranged ? ", readInto" : ""}`;
        it(label, async () => {
          const slices = c.shapes.map(([r, k], i) => values(r * k, 7 + i * 31));
          const parts = c.shapes.map((s, i) => part(c.flat ? [s[1]] : s, slices[i]!, c.from, ranged));
          const got = await collect((sink) =>
            streamTensor({
              name: "t",
              parts,
              concatDim: c.dim,
              from: c.from,
              to: c.to,
              caster,
              sink,
              chunkBytes,
              scratch: createScratch(),
              ...(c.permute ? { permute: c.permute } : {}),
            }),
          );
          expect(Buffer.from(got).equals(Buffer.from(expected(slices, c.shapes, c.dim, c.to, c.from, c.permute)))).toBe(
            true,
          );
        });
      }
    }
  }

  it("gives the same bytes with the WebAssembly cast kernel working in its own memory", async () => {
    const kernel = loadCastKernel()!;
    const withKernel = createCaster({ kernel });
    for (const c of cases.filter((x) => x.from === "BF16" && x.to !== "BF16")) {
      for (const chunkBytes of [1, 100, 1 << 20]) {
        const slices = c.shapes.map(([r, k], i) => values(r * k, 7 + i * 31));
        const parts = c.shapes.map((sh, i) => part(c.flat ? [sh[1]] : sh, slices[i]!, c.from, true));
        const scratch = createScratch({ memory: kernel.memory });
        const got = await collect((sink) =>
          streamTensor({
            name: "t",
            parts,
            concatDim: c.dim,
            from: c.from,
            to: c.to,
            caster: withKernel,
            sink,
            chunkBytes,
            scratch,
            ...(c.permute ? { permute: c.permute } : {}),
          }),
        );
        expect(Buffer.from(got).equals(Buffer.from(expected(slices, c.shapes, c.dim, c.to, c.from, c.permute)))).toBe(
          true,
        );
      }
    }
    // the kernel path itself (bf16 → f16 bands in its memory), on a tensor with many 8-element vectors
    const big = values(64 * 40, 5);
    const got = await collect((sink) =>
      streamTensor({
        name: "t",
        parts: [part([64, 40], big, "BF16", true)],
        concatDim: 0,
        from: "BF16",
        to: "F16",
        caster: withKernel,
        sink,
        chunkBytes: 800,
        scratch: createScratch({ memory: kernel.memory }),
      }),
    );
    expect(Buffer.from(got).equals(Buffer.from(expected([big], [[64, 40]], 0, "F16", "BF16")))).toBe(true);
  });

  it("waits for every write in flight before it rejects, and reports the sink's error", async () => {
    const parts = [part([64, 32], values(64 * 32, 3), "BF16", true)];
    let pending = 0;
    let calls = 0;
    const run = streamTensor({
      name: "t",
      parts,
      concatDim: 0,
      from: "BF16",
      to: "BF16",
      caster,
      chunkBytes: 64,
      sink: async () => {
        pending++;
        // Which write this is, taken before awaiting: under load other writes start meanwhile, and reading the
        // shared counter after the await made the third write's failure depend on the scheduler (a flake at load 7+).
        const n = ++calls;
        await new Promise((r) => setTimeout(r, 5));
        pending--;
        if (n === 3) throw new Error("disk full");
      },
    });
    await expect(run).rejects.toThrow("disk full");
    expect(pending).toBe(0);
    expect(calls).toBeLessThan(64); // it stopped early
  });

  it("rejects slices whose byte length does not match their shape, and q/k slices that are not whole heads", async () => {
    const bad: LazyTensor = { ...part([2, 2], values(4, 1), "F32", true), byteLength: 12 };
    await expect(
      streamTensor({
        name: "t",
        parts: [bad, bad],
        concatDim: 0,
        from: "F32",
        to: "F16",
        caster,
        sink: async () => undefined,
      }),
    ).rejects.toMatchObject({ code: "TENSOR_SIZE" });
    const q = part([6, 4], values(24, 1), "F32", true);
    await expect(
      streamTensor({
        name: "q",
        parts: [q],
        concatDim: 0,
        from: "F32",
        to: "F32",
        caster,
        permute: { headDim: 4, direction: "meta-to-hf" },
        sink: async () => undefined,
      }),
    ).rejects.toMatchObject({ code: "SHARD_MISMATCH" });
    await expect(
      streamTensor({
        name: "t",
        parts: [part([2, 10], values(20, 1), "F32", true)],
        concatDim: 0,
        from: "F32",
        to: "Q8_0",
        caster,
        sink: async () => undefined,
      }),
    ).rejects.toMatchObject({
      code: "Q8_0_ROW_SIZE",
    });
  });
});
