import { mkdtemp, readdir, readFile, rm, writeFile, mkdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CorruptFileError, UnsupportedFormatError } from "../../../src/formats/errors.js";
import {
  openSafetensors,
  planShards,
  writeSafetensors,
  writeSafetensorsIndex,
  type TensorToWrite,
} from "../../../src/formats/safetensors/index.js";
import type { DType } from "../../../src/formats/tensor.js";

const FIX = join(import.meta.dirname, "../../fixtures/safetensors");
const NP_DTYPE: Record<string, DType> = { float32: "F32", float16: "F16", int64: "I64", uint8: "U8" };
const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");
const fromHex = (h: string) => new Uint8Array(Buffer.from(h, "hex"));

let tmp: string;
beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), "st-test-"));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

/** A file with a hand-written header: u64 length + JSON (+ optional raw buffer). */
async function rawFile(name: string, header: unknown, buffer: Uint8Array, lenOverride?: bigint): Promise<string> {
  const json = new TextEncoder().encode(typeof header === "string" ? header : JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + buffer.length);
  new DataView(out.buffer).setBigUint64(0, lenOverride ?? BigInt(json.length), true);
  out.set(json, 8);
  out.set(buffer, 8 + json.length);
  const p = join(tmp, name);
  await writeFile(p, out);
  return p;
}

describe("safetensors reader and writer against the reference implementation", async () => {
  const expected = JSON.parse(await readFile(join(FIX, "reference.json"), "utf8")) as Record<
    string,
    { dtype: string; shape: number[]; hex: string }
  >;
  it("reads every tensor of a file written by the safetensors package", async () => {
    const src = await openSafetensors({ path: join(FIX, "reference.safetensors") });
    expect(src.metadata).toEqual({ format: "pt" });
    expect(src.tensors.map((t) => t.name).sort()).toEqual(Object.keys(expected).sort());
    for (const [name, e] of Object.entries(expected)) {
      const t = src.get(name)!;
      expect(t.dtype).toBe(NP_DTYPE[e.dtype]);
      expect(t.shape).toEqual(e.shape);
      expect(hex(await t.read())).toBe(e.hex);
    }
    await src.close();
  });
  it("writes byte-identical output for the same tensors", async () => {
    const tensors: TensorToWrite[] = Object.entries(expected).map(([name, e]) => ({
      name,
      dtype: NP_DTYPE[e.dtype]!,
      shape: e.shape,
      data: async () => fromHex(e.hex),
    }));
    const p = join(tmp, "mine.safetensors");
    const { bytes } = await writeSafetensors({ path: p, tensors, metadata: { format: "pt" } });
    const ref = await readFile(join(FIX, "reference.safetensors"));
    expect(hex(await readFile(p))).toBe(hex(ref));
    expect(bytes).toBe(ref.length);
  });
  it("writes an empty file as exactly 16 bytes", async () => {
    const p = join(tmp, "empty.safetensors");
    await writeSafetensors({ path: p, tensors: [] });
    expect(hex(await readFile(p))).toBe("0800000000000000" + hex(new TextEncoder().encode("{}      ")));
  });
  it("leaves nothing under the final name when a tensor fails", async () => {
    const dir = join(tmp, "fail");
    await mkdir(dir);
    const bad: TensorToWrite = { name: "x", dtype: "F32", shape: [2], data: async () => new Uint8Array(4) };
    await expect(writeSafetensors({ path: join(dir, "x.safetensors"), tensors: [bad] })).rejects.toThrow(
      /produced 4 bytes, expected 8/,
    );
    expect(await readdir(dir)).toEqual([]);
  });
  it("reports an unwritable destination as a filesystem error", async () => {
    const err = await writeSafetensors({ path: join(tmp, "no", "such", "dir.safetensors"), tensors: [] }).catch(
      (e: unknown) => e,
    );
    expect((err as { category: string }).category).toBe("filesystem");
  });
});

describe("safetensors validation (reference rules)", () => {
  const f32 = (n: number) => new Uint8Array(4 * n);
  const entry = (b: number, e: number, shape = [(e - b) / 4]) => ({ dtype: "F32", shape, data_offsets: [b, e] });
  const cases: [string, () => Promise<string>, RegExp][] = [
    [
      "too small",
      async () => {
        const p = join(tmp, "small");
        await writeFile(p, new Uint8Array(5));
        return p;
      },
      /too short/,
    ],
    ["huge header length", () => rawFile("huge", {}, new Uint8Array(0), 100_000_001n), /100 MB/],
    ["header past EOF", () => rawFile("past", {}, new Uint8Array(0), 500n), /runs past the end/],
    ["not JSON", () => rawFile("nojson", "{nope", new Uint8Array(0)), /not valid JSON/],
    ["not an object", () => rawFile("arr", [1, 2], new Uint8Array(0)), /not a JSON object/],
    ["overlap", () => rawFile("overlap", { a: entry(0, 8), b: entry(4, 12) }, f32(3)), /overlapping or gapped/],
    ["gap", () => rawFile("gap", { a: entry(0, 4), b: entry(8, 12) }, f32(3)), /overlapping or gapped/],
    ["out of range", () => rawFile("oor", { a: entry(0, 16) }, f32(2)), /cover 16 bytes/],
    ["trailing bytes", () => rawFile("trail", { a: entry(0, 4) }, f32(2)), /cover 4 bytes/],
    ["shape mismatch", () => rawFile("shape", { a: entry(0, 8, [3]) }, f32(2)), /need 12/],
    [
      "end before begin",
      () => rawFile("rev", { a: { dtype: "F32", shape: [0], data_offsets: [4, 0] } }, f32(1)),
      /end before/,
    ],
    ["non-string metadata", () => rawFile("meta", { __metadata__: { n: 1 } }, new Uint8Array(0)), /not a string/],
    [
      "negative dims",
      () => rawFile("neg", { a: { dtype: "F32", shape: [-1], data_offsets: [0, 0] } }, new Uint8Array(0)),
      /invalid shape/,
    ],
    [
      "overflow",
      () => rawFile("ovf", { a: { dtype: "F64", shape: [2 ** 40, 2 ** 40], data_offsets: [0, 0] } }, new Uint8Array(0)),
      /overflows/,
    ],
  ];
  for (const [label, make, msg] of cases) {
    it(`refuses ${label}`, async () => {
      const err = await openSafetensors({ path: await make() }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(CorruptFileError);
      expect((err as Error).message).toMatch(msg);
    });
  }
  it("refuses unknown dtypes as unsupported", async () => {
    const p = await rawFile("dt", { a: { dtype: "F4", shape: [1], data_offsets: [0, 1] } }, new Uint8Array(1));
    await expect(openSafetensors({ path: p })).rejects.toBeInstanceOf(UnsupportedFormatError);
  });
  it("accepts zero-size and rank-0 tensors", async () => {
    const p = await rawFile(
      "zero",
      {
        a: { dtype: "F32", shape: [0, 3], data_offsets: [0, 0] },
        b: { dtype: "F32", shape: [], data_offsets: [0, 4] },
      },
      f32(1),
    );
    const src = await openSafetensors({ path: p });
    expect(src.get("a")!.byteLength).toBe(0);
    expect(src.get("b")!.shape).toEqual([]);
    await src.close();
  });
});

describe("sharded safetensors", () => {
  it("plans shards with transformers' names and writes a readable index", async () => {
    const sizes = [
      ["a", 40],
      ["b", 40],
      ["c", 100],
      ["d", 8],
    ] as const;
    const plan = planShards({ tensors: sizes.map(([name, byteLength]) => ({ name, byteLength })), maxShardBytes: 90 });
    expect(plan.shards.map((s) => [s.fileName, s.tensors])).toEqual([
      ["model-00001-of-00003.safetensors", ["a", "b"]],
      ["model-00002-of-00003.safetensors", ["c"]],
      ["model-00003-of-00003.safetensors", ["d"]],
    ]);
    expect(plan.totalSize).toBe(188);
    expect(plan.needsIndex).toBe(true);
    expect(planShards({ tensors: [{ name: "x", byteLength: 4 }], maxShardBytes: 90 }).shards[0]!.fileName).toBe(
      "model.safetensors",
    );

    const dir = join(tmp, "sharded");
    await mkdir(dir);
    const byName = Object.fromEntries(sizes.map(([n, b]) => [n, new Uint8Array(b).fill(n.charCodeAt(0))]));
    for (const s of plan.shards) {
      await writeSafetensors({
        path: join(dir, s.fileName),
        tensors: s.tensors.map((n) => ({
          name: n,
          dtype: "U8" as const,
          shape: [byName[n]!.length],
          data: async () => byName[n]!,
        })),
        metadata: { format: "pt" },
      });
    }
    await writeSafetensorsIndex({
      path: join(dir, "model.safetensors.index.json"),
      weightMap: plan.weightMap,
      totalSize: plan.totalSize,
    });
    const index = JSON.parse(await readFile(join(dir, "model.safetensors.index.json"), "utf8"));
    expect(index).toEqual({ metadata: { total_size: 188 }, weight_map: plan.weightMap });
    for (const path of [dir, join(dir, "model.safetensors.index.json")]) {
      const src = await openSafetensors({ path });
      expect(src.tensors.map((t) => t.name).sort()).toEqual(["a", "b", "c", "d"]);
      expect(Array.from(await src.get("c")!.read())).toEqual(Array.from(byName.c!));
      await src.close();
    }
  });
  it("refuses index entries that escape the directory or name missing tensors", async () => {
    const dir = join(tmp, "badindex");
    await mkdir(dir);
    await writeFile(
      join(dir, "model.safetensors.index.json"),
      JSON.stringify({ weight_map: { a: "../x.safetensors" } }),
    );
    await expect(openSafetensors({ path: dir })).rejects.toThrow(/unsafe or invalid file/);
    await writeSafetensors({ path: join(dir, "s.safetensors"), tensors: [] });
    await writeFile(join(dir, "model.safetensors.index.json"), JSON.stringify({ weight_map: { a: "s.safetensors" } }));
    await expect(openSafetensors({ path: dir })).rejects.toThrow(/does not contain a/);
  });
});
