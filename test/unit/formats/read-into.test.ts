import { createHash } from "node:crypto";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeGguf } from "../../../src/formats/gguf/index.js";
import { openPth } from "../../../src/formats/pth/index.js";
import { openSafetensors, writeSafetensors } from "../../../src/formats/safetensors/index.js";

const TORCH = join(import.meta.dirname, "../../fixtures/torch");
const ST = join(import.meta.dirname, "../../fixtures/safetensors");
const sha = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");

let tmp: string;
beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), "lg-read-into-"));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

describe("LazyTensor.readInto", () => {
  it("reads any byte range of a contiguous .pth tensor; pieces give the sha256 torch recorded", async () => {
    const expected = JSON.parse(await readFile(join(TORCH, "expected.json"), "utf8")).files[
      "dict-bfloat16.pth"
    ] as Record<string, { sha256_le_bytes: string }>;
    const src = await openPth({ path: join(TORCH, "dict-bfloat16.pth") });
    try {
      for (const t of src.tensors) {
        expect(t.readInto, t.name).toBeDefined();
        const whole = new Uint8Array(t.byteLength);
        for (let off = 0; off < t.byteLength; off += 6)
          await t.readInto!(whole.subarray(off, Math.min(off + 6, t.byteLength)), off);
        expect(sha(whole), t.name).toBe(expected[t.name]!.sha256_le_bytes);
      }
      const t = src.tensors[0]!;
      await expect(t.readInto!(new Uint8Array(4), t.byteLength - 2)).rejects.toThrow(RangeError);
      await expect(t.readInto!(new Uint8Array(1), -1)).rejects.toThrow(RangeError);
    } finally {
      await src.close();
    }
  });

  it("is absent for strided views (they are gathered by read())", async () => {
    const src = await openPth({ path: join(TORCH, "views-float32.pth") });
    try {
      expect(src.get("transposed")!.readInto).toBeUndefined();
      expect(src.get("row2")!.readInto).toBeDefined(); // a contiguous row of the same storage
      const row = new Uint8Array(24);
      await src.get("row2")!.readInto!(row, 0);
      expect(Array.from(new Float32Array(row.buffer))).toEqual([12, 13, 14, 15, 16, 17]);
    } finally {
      await src.close();
    }
  });

  it("reads byte ranges of safetensors tensors, equal to read()", async () => {
    const src = await openSafetensors({ path: join(ST, "reference.safetensors") });
    try {
      for (const t of src.tensors) {
        if (t.byteLength < 2) continue;
        const part = new Uint8Array(t.byteLength - 1);
        await t.readInto!(part, 1);
        expect(Buffer.from(part).equals(Buffer.from((await t.read()).subarray(1))), t.name).toBe(true);
      }
    } finally {
      await src.close();
    }
  });
});

describe("writers fed by produce(sink)", () => {
  it("safetensors: chunks in flight together land in order; too many or too few bytes are refused", async () => {
    const data = Uint8Array.from({ length: 64 }, (_, i) => i);
    const p = join(tmp, "chunks.safetensors");
    await writeSafetensors({
      path: p,
      tensors: [
        {
          name: "x",
          dtype: "U8",
          shape: [64],
          // all chunks submitted before any is awaited; the writer reserves positions in call order
          produce: async (sink) => {
            await Promise.all([0, 1, 2, 3].map((k) => sink(data.subarray(k * 16, (k + 1) * 16))));
          },
        },
      ],
    });
    const src = await openSafetensors({ path: p });
    expect(Array.from(await src.get("x")!.read())).toEqual(Array.from(data));
    await src.close();
    await expect(
      writeSafetensors({
        path: join(tmp, "short.safetensors"),
        tensors: [{ name: "x", dtype: "U8", shape: [64], produce: (sink) => sink(data.subarray(0, 60)) }],
      }),
    ).rejects.toMatchObject({ code: "TENSOR_SIZE_MISMATCH" });
    await expect(
      writeSafetensors({
        path: join(tmp, "long.safetensors"),
        tensors: [{ name: "x", dtype: "U8", shape: [4], produce: (sink) => sink(data.subarray(0, 8)) }],
      }),
    ).rejects.toMatchObject({ code: "TENSOR_SIZE_MISMATCH" });
  });

  it("gguf: a streamed tensor is padded to the alignment like a whole one", async () => {
    const a = new Uint8Array(Float32Array.from([1, 2, 3]).buffer);
    const write = (path: string, streamed: boolean) =>
      writeGguf({
        path,
        metadata: [{ key: "general.architecture", type: "string", value: "llama" }],
        tensors: [
          streamed
            ? {
                name: "a",
                ggmlType: "F32",
                ne: [3],
                produce: async (sink) => {
                  await sink(a.subarray(0, 4));
                  await sink(a.subarray(4));
                },
              }
            : { name: "a", ggmlType: "F32", ne: [3], data: async () => a },
          { name: "b", ggmlType: "F32", ne: [3], data: async () => a },
        ],
      });
    await write(join(tmp, "whole.gguf"), false);
    await write(join(tmp, "streamed.gguf"), true);
    expect(Buffer.compare(await readFile(join(tmp, "whole.gguf")), await readFile(join(tmp, "streamed.gguf")))).toBe(0);
  });
});
