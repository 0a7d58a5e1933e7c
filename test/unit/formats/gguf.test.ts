import { mkdtemp, readdir, readFile, rm, writeFile, mkdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fromFloat32, quantizeQ8_0 } from "../../../src/formats/dtype/index.js";
import { CorruptFileError, UnsupportedFormatError } from "../../../src/formats/errors.js";
import {
  openGguf,
  writeGguf,
  type GgufMetadataEntry,
  type GgufTensorToWrite,
} from "../../../src/formats/gguf/index.js";

const FIX = join(import.meta.dirname, "../../fixtures/gguf");
const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");
const f32 = (h: string) => new Float32Array(new Uint8Array(Buffer.from(h, "hex")).buffer);

let tmp: string;
beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), "gguf-test-"));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

const REF_META: GgufMetadataEntry[] = [
  { key: "general.architecture", type: "string", value: "llama" },
  { key: "general.name", type: "string", value: "tiny" },
  { key: "llama.block_count", type: "u32", value: 2 },
  { key: "llama.rope.freq_base", type: "f32", value: 10000 },
  { key: "tokenizer.ggml.add_bos_token", type: "bool", value: true },
  { key: "test.u8", type: "u8", value: 200 },
  { key: "test.i8", type: "i8", value: -5 },
  { key: "test.u16", type: "u16", value: 60000 },
  { key: "test.i16", type: "i16", value: -30000 },
  { key: "test.i32", type: "i32", value: -70000 },
  { key: "test.u64", type: "u64", value: 2 ** 40 + 3 },
  { key: "test.i64", type: "i64", value: -(2 ** 40) },
  { key: "test.f64", type: "f64", value: 0.1 },
  { key: "tokenizer.ggml.tokens", type: "array", itemType: "string", value: ["<unk>", "▁a", "<0x0A>"] },
  { key: "tokenizer.ggml.scores", type: "array", itemType: "f32", value: [0, -1.5, 2.25] },
  { key: "tokenizer.ggml.token_type", type: "array", itemType: "i32", value: [2, 1, 6] },
];

describe("GGUF writer against gguf-py (llama.cpp)", async () => {
  const ref = JSON.parse(await readFile(join(FIX, "reference.json"), "utf8")) as {
    inputs: { w32: string; w16: string; norm: string };
    q8_0: string;
    bf16: string;
    f16: string;
  };
  const w32 = f32(ref.inputs.w32);
  const w16 = f32(ref.inputs.w16);
  it("quantizes Q8_0 and rounds BF16/F16 exactly as gguf-py does", () => {
    expect(hex(quantizeQ8_0(w32))).toBe(ref.q8_0);
    expect(hex(fromFloat32(w16, "BF16"))).toBe(ref.bf16);
    expect(hex(fromFloat32(w16, "F16"))).toBe(ref.f16);
  });
  it("writes a byte-identical file (header, KVs, infos, aligned offsets, padding)", async () => {
    const tensors: GgufTensorToWrite[] = [
      { name: "norm.weight", ggmlType: "F32", ne: [7], data: async () => new Uint8Array(f32(ref.inputs.norm).buffer) },
      { name: "w.f16", ggmlType: "F16", ne: [5, 3], data: async () => fromFloat32(w16, "F16") },
      { name: "w.q8_0", ggmlType: "Q8_0", ne: [64, 2], data: async () => quantizeQ8_0(w32) },
      { name: "w.bf16", ggmlType: "BF16", ne: [5, 3], data: async () => fromFloat32(w16, "BF16") },
      { name: "w.f32", ggmlType: "F32", ne: [64, 2], data: async () => new Uint8Array(w32.slice().buffer) },
    ];
    const p = join(tmp, "mine.gguf");
    const { bytes } = await writeGguf({ path: p, metadata: REF_META, tensors });
    const want = await readFile(join(FIX, "reference.gguf"));
    expect(hex(await readFile(p))).toBe(hex(want));
    expect(bytes).toBe(want.length);
  });
  it("reads the gguf-py file back: metadata types and values, dims, offsets, bytes", async () => {
    const g = await openGguf({ path: join(FIX, "reference.gguf") });
    expect(g.version).toBe(3);
    expect(g.alignment).toBe(32);
    // numeric arrays come back typed (as many bytes in memory as in the file)
    const typed = REF_META.map((e) =>
      e.type === "array" && e.itemType === "f32"
        ? { ...e, value: new Float32Array(e.value as number[]) }
        : e.type === "array" && e.itemType === "i32"
          ? { ...e, value: new Int32Array(e.value as number[]) }
          : e,
    );
    expect([...g.metadata.values()]).toEqual(typed);
    expect(g.tensors.map((t) => [t.name, t.ggmlType, t.ne, t.offset, t.byteLength])).toEqual([
      ["norm.weight", "F32", [7], 0, 28],
      ["w.f16", "F16", [5, 3], 32, 30],
      ["w.q8_0", "Q8_0", [64, 2], 64, 136],
      ["w.bf16", "BF16", [5, 3], 224, 30],
      ["w.f32", "F32", [64, 2], 256, 512],
    ]);
    expect(g.dataOffset % 32).toBe(0);
    expect(hex(await g.get("w.q8_0")!.read())).toBe(ref.q8_0);
    expect(hex(await g.get("w.f32")!.read())).toBe(ref.inputs.w32);
    await g.close();
  });
});

describe("GGUF layout by hand", () => {
  it("matches a hand-assembled minimal file", async () => {
    const p = join(tmp, "tiny.gguf");
    await writeGguf({
      path: p,
      metadata: [{ key: "a", type: "u32", value: 7 }],
      tensors: [
        { name: "t", ggmlType: "F32", ne: [3], data: async () => new Uint8Array(new Float32Array([1, 2, 3]).buffer) },
      ],
      alignment: 16,
    });
    // magic, version 3, 1 tensor, 2 kvs (a, then the added general.alignment)
    const want =
      "47475546" +
      "03000000" +
      "0100000000000000" +
      "0200000000000000" +
      "0100000000000000" +
      "61" +
      "04000000" +
      "07000000" +
      "1100000000000000" +
      hex(new TextEncoder().encode("general.alignment")) +
      "04000000" +
      "10000000" +
      "0100000000000000" +
      "74" +
      "01000000" +
      "0300000000000000" +
      "00000000" +
      "0000000000000000";
    // header: 24 + 17 (kv a) + 33 (kv general.alignment) + 33 (info) = 107 bytes -> 5 zeros to 112; 12 data bytes + 4
    // padding
    const data = "0000803f" + "00000040" + "00004040" + "00000000";
    expect(hex(await readFile(p))).toBe(want + "00".repeat(5) + data);
  });
  it("refuses Q8_0 rows that are not whole blocks and leaves no file", async () => {
    const dir = join(tmp, "q8bad");
    await mkdir(dir);
    await expect(
      writeGguf({
        path: join(dir, "x.gguf"),
        metadata: [],
        tensors: [{ name: "t", ggmlType: "Q8_0", ne: [48, 2], data: async () => new Uint8Array(0) }],
      }),
    ).rejects.toBeInstanceOf(UnsupportedFormatError);
    await expect(
      writeGguf({
        path: join(dir, "y.gguf"),
        metadata: [],
        tensors: [{ name: "t", ggmlType: "F32", ne: [2], data: async () => new Uint8Array(4) }],
      }),
    ).rejects.toThrow(/produced 4 bytes, expected 8/);
    expect(await readdir(dir)).toEqual([]);
  });
  it("reports an unwritable output path as a filesystem error", async () => {
    const err = await writeGguf({ path: join(tmp, "missing-dir", "x.gguf"), metadata: [], tensors: [] }).catch(
      (e: unknown) => e,
    );
    expect((err as { category: string }).category).toBe("filesystem");
  });
  it("refuses out-of-range metadata values", async () => {
    await expect(
      writeGguf({ path: join(tmp, "m.gguf"), metadata: [{ key: "k", type: "u8", value: 256 }], tensors: [] }),
    ).rejects.toThrow(/not a u8/);
  });
});

describe("GGUF reader bounds checks", async () => {
  const good = new Uint8Array(await readFile(join(FIX, "reference.gguf")));
  const mutate = async (name: string, f: (b: Uint8Array, v: DataView) => Uint8Array | void) => {
    const b = good.slice();
    const out = f(b, new DataView(b.buffer)) ?? b;
    const p = join(tmp, name);
    await writeFile(p, out);
    return p;
  };
  const cases: [string, (b: Uint8Array, v: DataView) => Uint8Array | void, RegExp, unknown][] = [
    ["truncated data", (b) => b.subarray(0, b.length - 100), /runs past the end/, CorruptFileError],
    ["truncated header", (b) => b.subarray(0, 300), /ends early|truncated/, CorruptFileError],
    ["bad magic", (b) => void (b[0] = 0x48), /not a GGUF/, UnsupportedFormatError],
    ["version 1", (_b, v) => v.setUint32(4, 1, true), /version 1/, UnsupportedFormatError],
    ["big-endian", (_b, v) => v.setUint32(4, 3, false), /big-endian/, UnsupportedFormatError],
    ["huge tensor count", (_b, v) => v.setBigUint64(8, 1n << 40n, true), /implausible/, CorruptFileError],
    ["huge string length", (_b, v) => v.setBigUint64(24, 1n << 50n, true), /ends early|out of range/, CorruptFileError],
  ];
  for (const [label, f, msg, cls] of cases) {
    it(`refuses ${label}`, async () => {
      const err = await openGguf({ path: await mutate(label.replace(/ /g, "-"), f) }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(cls);
      expect((err as Error).message).toMatch(msg);
    });
  }
  it("refuses a tensor offset that is not the running padded total", async () => {
    const p = join(tmp, "badoff.gguf");
    await writeGguf({
      path: p,
      metadata: [],
      tensors: [
        { name: "a", ggmlType: "F32", ne: [1], data: async () => new Uint8Array(4) },
        { name: "b", ggmlType: "F32", ne: [1], data: async () => new Uint8Array(4) },
      ],
    });
    const b = new Uint8Array(await readFile(p));
    // second info's offset is the last 8 bytes before the padding: find it by its value 32
    const infoEnd = 24 + (8 + 1 + 4 + 8 + 4 + 8) * 2;
    new DataView(b.buffer).setBigUint64(infoEnd - 8, 8n, true);
    await writeFile(p, b);
    await expect(openGguf({ path: p })).rejects.toThrow(/expected 32/);
  });
});
