import { describe, expect, it } from "vitest";
import { createCaster } from "../../../src/model/create-caster.js";
import { createScratch } from "../../../src/model/create-scratch.js";
import { loadCastKernel } from "../../../src/model/load-cast-kernel.js";
import { fromFloat32, toFloat32 } from "../../../src/formats/dtype/index.js";

describe("the WebAssembly bf16 → f16 kernel", () => {
  const kernel = loadCastKernel();

  it("loads on Node 20 (WebAssembly SIMD)", () => {
    expect(kernel).toBeDefined();
  });

  it("gives the dtype package's round-to-nearest-even result for every one of the 65536 bf16 values", () => {
    const caster = createCaster({ kernel: kernel! });
    const mem = createScratch({ memory: kernel!.memory }).take(4 * 65536 + 16);
    const all = Uint16Array.from({ length: 65536 }, (_, i) => i);
    const want = new Uint16Array(fromFloat32(toFloat32(new Uint8Array(all.buffer), "BF16"), "F16").buffer);
    // unaligned source and destination, and a count that is not a multiple of 8 (the tail uses the table)
    for (const [srcAt, dstAt, count] of [
      [0, 2 * 65536, 65536],
      [2, 2 * 65536 + 6, 65533],
    ] as const) {
      const src = mem.subarray(srcAt, srcAt + 2 * count);
      src.set(new Uint8Array(all.buffer, 0, 2 * count));
      const dst = mem.subarray(dstAt, dstAt + 2 * count);
      caster.castInto(src, "BF16", "F16", dst);
      const got = new Uint16Array(dst.slice().buffer);
      let bad = 0;
      for (let i = 0; i < count; i++) if (got[i] !== want[i]) bad++;
      expect(bad).toBe(0);
    }
  });

  it("is used only for buffers in its memory (others take the table path, with the same result)", () => {
    const caster = createCaster({ kernel: kernel! });
    const src = new Uint8Array(Uint16Array.from([0x3f80, 0x0001, 0x7fc1, 0xc780]).buffer);
    expect(Array.from(new Uint16Array(caster.cast(src, "BF16", "F16").buffer))).toEqual([
      0x3c00, 0x0000, 0x7e08, 0xfc00,
    ]);
  });
});
