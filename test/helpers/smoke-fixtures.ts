import { cp, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { openGguf, writeGguf } from "../../src/formats/gguf/index.js";
import type { GgmlWriteType, GgufMetadataEntry } from "../../src/formats/gguf/gguf-types.js";
import { permuteQk } from "../../src/model/permute-qk.js";
import { writeTinyMetaCheckpoint } from "./tiny-llama-checkpoint.js";
import { TINY_SPEC } from "./tiny-llama-model.js";
import { buildLlamaCppTinyTokenizerModel } from "./tiny-llama-tokenizer.js";

const ROOT = join(__dirname, "../..");

/** The torch.save fixture (2 shards, bf16, vocab 64) with a tokenizer llama.cpp can load. */
export async function torchFixtureFolder(work: string, name = "tiny-llama-mp2"): Promise<string> {
  const dir = join(work, name);
  await cp(join(ROOT, "test/fixtures/torch/tiny-llama-mp2"), dir, { recursive: true });
  await writeFile(join(dir, "tokenizer.model"), buildLlamaCppTinyTokenizerModel(64));
  return dir;
}

/** A generated Meta checkpoint (TINY_SPEC, f32, one shard, seed 7) with a tokenizer llama.cpp can load. */
export async function generatedFolder(work: string, name = "gen-llama"): Promise<string> {
  const dir = join(work, name);
  await writeTinyMetaCheckpoint({ dir, spec: TINY_SPEC, shards: 1, dtype: "F32", seed: 7, tokenizerPieces: 0 });
  await writeFile(join(dir, "tokenizer.model"), buildLlamaCppTinyTokenizerModel(TINY_SPEC.vocabSize));
  return dir;
}

/**
 * A generated Llama 2-shaped checkpoint with grouped-query attention (TINY_SPEC: 4 heads, 2 KV heads),
 * f32, whose norm weights spread like a real model's (0.1..1.9), and a tokenizer llama.cpp loads:
 * the model the deliberately broken conversions are made from. `otherTokenizer`: another model's.
 */
export async function realisticFolder(work: string, name = "realistic", otherTokenizer = false): Promise<string> {
  const dir = join(work, name);
  await writeTinyMetaCheckpoint({
    dir,
    spec: TINY_SPEC,
    shards: 1,
    dtype: "F32",
    seed: 7,
    tokenizerPieces: 0,
    normSpread: 0.9,
  });
  await writeFile(join(dir, "tokenizer.model"), buildLlamaCppTinyTokenizerModel(TINY_SPEC.vocabSize, otherTokenizer));
  return dir;
}

/** Find `key` in a GGUF's metadata bytes and return the offset of its value (after the u32 type). */
function valueOffset(buf: Buffer, key: string): number {
  const k = Buffer.concat([Buffer.alloc(8), Buffer.from(key)]);
  k.writeBigUInt64LE(BigInt(key.length));
  const at = buf.indexOf(k);
  if (at < 0) throw new Error(`${key} not in the file`);
  return at + k.length + 4;
}

/** Copy a GGUF, rewriting metadata and/or filling a F32 tensor with one value. */
export async function patchGguf(
  src: string,
  dst: string,
  p: { arch?: string; u32?: Record<string, number>; fillF32?: Record<string, number> },
): Promise<string> {
  const buf = await readFile(src);
  // A hand-patched file is no longer the converter's output: spoil its source record (a relative path is ignored),
  // so the smoke test checks what the test patched, not the file against the folder it came from.
  if (buf.includes("llamagate.source.path")) buf.write("x", valueOffset(buf, "llamagate.source.path") + 8, "latin1");
  if (p.arch !== undefined) {
    const at = valueOffset(buf, "general.architecture");
    if (Number(buf.readBigUInt64LE(at)) !== p.arch.length) throw new Error("arch must keep its length");
    buf.write(p.arch, at + 8, "latin1");
  }
  for (const [key, v] of Object.entries(p.u32 ?? {})) buf.writeUInt32LE(v, valueOffset(buf, key));
  if (p.fillF32) {
    const g = await openGguf({ path: src });
    for (const [name, v] of Object.entries(p.fillF32)) {
      const t = g.get(name)!;
      if (t.ggmlType !== "F32") throw new Error(`${name} is ${t.ggmlType}`);
      for (let o = 0; o < t.byteLength; o += 4) buf.writeFloatLE(v, g.dataOffset + t.offset + o);
    }
    await g.close();
  }
  await writeFile(dst, buf);
  return dst;
}

/** A copy of a GGUF broken the way converters break (the file stays loadable by llama.cpp). */
export type GgufBreakage =
  /** Two same-shaped tensors exchanged (ffn_gate / ffn_up of a layer). */
  | { swap: [string, string] }
  /** q/k rows left in transformers' half-split order (the HF → GGUF permutation not applied). */
  | { unpermuteQk: { layer: number; headDim: number } }
  /** A float metadata value replaced (e.g. llama.rope.freq_base). */
  | { f32: Record<string, number> }
  /** A layer's norm weight written as all ones (the norm dropped). */
  | { fillF32: Record<string, number> };

export async function breakGguf(src: string, dst: string, b: GgufBreakage): Promise<string> {
  const buf = await readFile(src);
  const g = await openGguf({ path: src });
  try {
    const at = (name: string) => {
      const t = g.get(name);
      if (!t) throw new Error(`${name} not in ${src}`);
      return { start: g.dataOffset + t.offset, bytes: t.byteLength, rows: t.ne[1] ?? 1, type: t.ggmlType };
    };
    if ("swap" in b) {
      const [x, y] = b.swap.map(at) as [ReturnType<typeof at>, ReturnType<typeof at>];
      if (x.bytes !== y.bytes) throw new Error("swap needs same-sized tensors");
      const tmp = Buffer.from(buf.subarray(x.start, x.start + x.bytes));
      buf.copy(buf, x.start, y.start, y.start + y.bytes);
      tmp.copy(buf, y.start);
    } else if ("unpermuteQk" in b) {
      for (const name of ["attn_q", "attn_k"]) {
        const t = at(`blk.${b.unpermuteQk.layer}.${name}.weight`);
        const data = new Uint8Array(buf.subarray(t.start, t.start + t.bytes));
        const out = permuteQk({
          data,
          rowBytes: t.bytes / t.rows,
          headDim: b.unpermuteQk.headDim,
          direction: "meta-to-hf",
        });
        buf.set(out, t.start);
      }
    } else if ("f32" in b) {
      for (const [key, v] of Object.entries(b.f32)) buf.writeFloatLE(v, valueOffset(buf, key));
    } else {
      for (const [name, v] of Object.entries(b.fillF32)) {
        const t = at(name);
        if (t.type !== "F32") throw new Error(`${name} is ${t.type}`);
        for (let o = 0; o < t.bytes; o += 4) buf.writeFloatLE(v, t.start + o);
      }
    }
  } finally {
    await g.close();
  }
  await writeFile(dst, buf);
  return dst;
}

/** Rewrite a llama GGUF as another architecture with the same tensors (e.g. xverse, llama.cpp's llama-shaped arch). */
export async function renameGgufArchitecture(src: string, dst: string, arch: string): Promise<string> {
  const g = await openGguf({ path: src });
  try {
    const metadata = [...g.metadata.values()].map((e) =>
      e.key === "general.architecture"
        ? { ...e, value: arch }
        : e.key.startsWith("llama.")
          ? { ...e, key: `${arch}.${e.key.slice("llama.".length)}` }
          : e,
    ) as GgufMetadataEntry[];
    await writeGguf({
      path: dst,
      metadata: metadata.filter((m) => m.key !== "general.alignment"),
      tensors: g.tensors.map((t) => ({
        name: t.name,
        ggmlType: t.ggmlType as GgmlWriteType,
        ne: t.ne,
        data: () => t.read(),
      })),
    });
  } finally {
    await g.close();
  }
  return dst;
}
