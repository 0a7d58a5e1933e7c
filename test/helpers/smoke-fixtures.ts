import { cp, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { openGguf } from "../../src/formats/gguf/index.js";
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
