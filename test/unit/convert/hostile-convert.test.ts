// Issue 13: hostile checkpoints and configs at the converter (items 3, 7, 8, 9, 16). Every refusal is a
// conversion error (exit 9) with one line naming the problem, and leaves no output or temp file behind.
import { cp, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { convertCheckpoint } from "../../../src/convert/convert-checkpoint.js";
import { writeSafetensors } from "../../../src/formats/safetensors/index.js";
import { MAX_CONFIG_JSON_BYTES } from "../../../src/formats/io/read-capped-text.js";
import { writeTinyMetaCheckpoint } from "../../helpers/tiny-llama-checkpoint.js";
import { TINY_SPEC, type F32Tensor } from "../../helpers/tiny-llama-model.js";
import { writeTorchCheckpoint } from "../../../src/demo/write-torch-checkpoint.js";
import { runMain } from "../../helpers/run-main.js";
import { useTempDir } from "../../helpers/temp-dir.js";
import { PickleBuilder } from "../formats/helpers/build-pickle.js";
import { buildZip } from "../formats/helpers/build-zip.js";
import { openPth } from "../../../src/formats/pth/index.js";

const tmp = useTempDir("hostile-convert");
const f32 = (shape: number[]): F32Tensor => ({ shape, data: new Float32Array(shape.reduce((a, b) => a * b, 1)) });

/** Convert `input` and return the error, checking that nothing was left beside the output. */
async function refused(
  input: string,
  to: "hf" | "gguf" = "gguf",
): Promise<{ code: string; category: string; message: string }> {
  const out = join(tmp(), `out-${to}`);
  const err = await convertCheckpoint({ input, to, out: to === "gguf" ? `${out}.gguf` : out }).catch((e: unknown) => e);
  expect(err, "the conversion should have been refused").toBeInstanceOf(Error);
  expect((await readdir(tmp())).filter((n) => n.startsWith("out-"))).toEqual([]);
  return err as { code: string; category: string; message: string };
}

let base: string;
let hfBase: string;
beforeAll(async () => {
  base = await mkdtemp(join(tmpdir(), "llamagate-hostile-convert-base-"));
  await writeTinyMetaCheckpoint({ dir: join(base, "meta"), spec: TINY_SPEC, shards: 1, dtype: "F32", seed: 5 });
  hfBase = join(base, "hf");
  await convertCheckpoint({ input: join(base, "meta"), to: "hf", out: hfBase });
});
afterAll(async () => rm(base, { recursive: true, force: true }));

let copies = 0;
async function metaCopy(edit?: (params: Record<string, unknown>) => void): Promise<string> {
  const dir = join(tmp(), `meta${copies++}`);
  await cp(join(base, "meta"), dir, { recursive: true });
  if (edit) {
    const params = JSON.parse(await readFile(join(dir, "params.json"), "utf8")) as Record<string, unknown>;
    edit(params);
    await writeFile(join(dir, "params.json"), JSON.stringify(params));
  }
  return dir;
}
async function hfCopy(edit?: (config: Record<string, unknown>) => void): Promise<string> {
  const dir = join(tmp(), `hf${copies++}`);
  await cp(hfBase, dir, { recursive: true });
  if (edit) {
    const config = JSON.parse(await readFile(join(dir, "config.json"), "utf8")) as Record<string, unknown>;
    edit(config);
    await writeFile(join(dir, "config.json"), JSON.stringify(config));
  }
  return dir;
}
/** Add a safetensors file of zero-filled F32 tensors to an HF snapshot. */
async function addHfTensors(dir: string, tensors: Record<string, number[]>): Promise<void> {
  await writeSafetensors({
    path: join(dir, "extra.safetensors"),
    tensors: Object.entries(tensors).map(([name, shape]) => ({
      name,
      dtype: "F32" as const,
      shape,
      data: async () => new Uint8Array(shape.reduce((a, b) => a * b, 1) * 4),
    })),
  });
}

describe("item 8: tensors with unknown names", () => {
  it("a Meta checkpoint with one or two unknown tensors is refused, naming the first", async () => {
    const one = join(tmp(), "one");
    await writeTinyMetaCheckpoint({
      dir: one,
      spec: TINY_SPEC,
      shards: 1,
      dtype: "F32",
      extraTensors: new Map([["adapter.lora_a", f32([4, 4])]]),
    });
    expect(await refused(one, "hf")).toMatchObject({
      code: "UNKNOWN_TENSOR",
      category: "conversion",
      message: expect.stringContaining('"adapter.lora_a"'),
    });
    const two = join(tmp(), "two");
    const extra = new Map([
      ["layers.0.attention.wq.bias", f32([64])],
      ["layers.1.attention.wq.bias", f32([64])],
    ]);
    await writeTinyMetaCheckpoint({ dir: two, spec: TINY_SPEC, shards: 1, dtype: "F32", extraTensors: extra });
    expect(await refused(two)).toMatchObject({ code: "UNKNOWN_TENSOR", message: expect.stringContaining("wq.bias") });
  });
  it("an HF snapshot with an unknown tensor is refused by its HF name; rotary_emb.inv_freq is still dropped", async () => {
    const dir = await hfCopy();
    await addHfTensors(dir, { "model.layers.0.self_attn.q_proj.bias": [64] });
    expect(await refused(dir)).toMatchObject({
      code: "UNKNOWN_TENSOR",
      message: expect.stringContaining('"model.layers.0.self_attn.q_proj.bias"'),
    });
    const ok = join(tmp(), "hf-inv");
    await cp(hfBase, ok, { recursive: true });
    await writeSafetensors({
      path: join(ok, "extra.safetensors"),
      tensors: [
        {
          name: "model.layers.0.self_attn.rotary_emb.inv_freq",
          dtype: "F32",
          shape: [8],
          data: async () => new Uint8Array(32),
        },
      ],
    });
    await convertCheckpoint({ input: ok, to: "gguf", out: join(tmp(), "inv.gguf") });
  });
});

describe("item 16: the tensor set matches n_layers / num_hidden_layers", () => {
  it("n_layers 1,000,000 with two layers of tensors is refused at once, naming the first missing tensor", async () => {
    // (n_layers >= 2^31 is refused earlier, as absurd params)
    const dir = await metaCopy((p) => (p["n_layers"] = 1_000_000));
    expect(await refused(dir)).toMatchObject({
      code: "MISSING_TENSOR",
      message: expect.stringMatching(/no layers\.2\.attention\.wq\.weight .*1000000 layers; the checkpoint holds 2/),
    });
  });
  it("one layer too many or too few in the config is refused, naming what is extra or missing", async () => {
    expect(await refused(await metaCopy((p) => (p["n_layers"] = 1)))).toMatchObject({
      code: "PARAMS_MISMATCH",
      message: expect.stringContaining("layers.1."),
    });
    expect(await refused(await hfCopy((c) => (c["num_hidden_layers"] = 3)))).toMatchObject({
      code: "MISSING_TENSOR",
      message: expect.stringContaining("layers.2."),
    });
  });
  it("a layer missing one weight is refused by name", async () => {
    const dir = join(tmp(), "gap");
    await writeTinyMetaCheckpoint({ dir, spec: TINY_SPEC, shards: 1, dtype: "F32" });
    // rewrite the shard without layers.1.ffn_norm.weight
    const src = await openPth({ path: join(dir, "consolidated.00.pth") });
    const kept = await Promise.all(
      src.tensors
        .filter((t) => t.name !== "layers.1.ffn_norm.weight")
        .map(async (t) => ({ name: t.name, dtype: "F32" as const, shape: [...t.shape], data: await t.read() })),
    );
    await src.close();
    writeTorchCheckpoint(join(dir, "consolidated.00.pth"), kept);
    expect(await refused(dir)).toMatchObject({
      code: "MISSING_TENSOR",
      message: expect.stringContaining("layers.1.ffn_norm.weight"),
    });
  });
});

describe("item 9: config.json is checked against the tensors", () => {
  it("vocab_size 2x the embedding rows is refused (it would give an unloadable GGUF)", async () => {
    const dir = await hfCopy((c) => (c["vocab_size"] = 2 * TINY_SPEC.vocabSize));
    expect(await refused(dir)).toMatchObject({
      code: "CONFIG_MISMATCH",
      message: expect.stringContaining("tok_embeddings.weight has shape [96, 64]"),
    });
  });
  it("a head count or head size that does not fit the q/k/v shapes is refused (it would scramble q/k)", async () => {
    // 4 heads of 16 with 2 kv heads: wk is [32, 64]. 2 heads of 32 would need [64, 64].
    expect(await refused(await hfCopy((c) => (c["num_attention_heads"] = 2)))).toMatchObject({
      code: "CONFIG_MISMATCH",
      message: expect.stringContaining("attention.wk.weight"),
    });
    expect(await refused(await hfCopy((c) => (c["num_key_value_heads"] = 4)))).toMatchObject({
      code: "CONFIG_MISMATCH",
    });
    expect(await refused(await hfCopy((c) => (c["head_dim"] = 32)))).toMatchObject({ code: "UNSUPPORTED_CONFIG" });
    expect(await refused(await hfCopy((c) => (c["num_attention_heads"] = 3)))).toMatchObject({ code: "BAD_CONFIG" });
  });
  it("a hidden or feed-forward size that does not match is refused", async () => {
    expect(await refused(await hfCopy((c) => (c["hidden_size"] = 128)))).toMatchObject({ code: "CONFIG_MISMATCH" });
    expect(await refused(await hfCopy((c) => (c["intermediate_size"] = 96)))).toMatchObject({
      code: "CONFIG_MISMATCH",
      message: expect.stringContaining("feed_forward"),
    });
  });
});

describe("item 3 and 7 at the converter", () => {
  it("a stride-0 view in a shard is refused before any output exists", async () => {
    const dir = await metaCopy();
    // the embedding as a stride-0 view over one element: 96 x 64 elements from 4 bytes
    const pkl = new PickleBuilder()
      .raw(0x7d, 0x28)
      .str("tok_embeddings.weight")
      .tensor({ type: "FloatStorage", key: "0", numel: 1, offset: 0, shape: [96, 64], stride: [0, 0] })
      .raw(0x75)
      .build();
    await writeFile(
      join(dir, "consolidated.00.pth"),
      buildZip([
        { name: "c/data.pkl", data: pkl },
        { name: "c/data/0", data: new Uint8Array(4) },
      ]),
    );
    expect(await refused(dir)).toMatchObject({ code: "OVERLAPPING_VIEW", category: "conversion" });
  });
  it("config.json and params.json past 1 MiB are refused before parsing", async () => {
    const hf = await hfCopy();
    const cfg = await readFile(join(hf, "config.json"), "utf8");
    await writeFile(join(hf, "config.json"), cfg + " ".repeat(MAX_CONFIG_JSON_BYTES + 1 - Buffer.byteLength(cfg)));
    expect(await refused(hf)).toMatchObject({
      code: "BAD_HF_CONFIG",
      message: expect.stringContaining("larger than 1048576 bytes"),
    });
    const meta = await metaCopy();
    await writeFile(join(meta, "params.json"), `{}${" ".repeat(MAX_CONFIG_JSON_BYTES)}`);
    expect(await refused(meta)).toMatchObject({ code: "BAD_PARAMS", message: expect.stringContaining("larger than") });
  });
  it("the CLI ends each refusal with exit 9 and a one-line error, never 'internal error'", async () => {
    const dir = await metaCopy((p) => (p["n_layers"] = 1_000_000));
    const r = await runMain(["convert", dir, "--to", "gguf", "--out", join(tmp(), "out-cli.gguf")]);
    expect(r.code).toBe(9);
    const [line] = r.stderr.split("\n").filter((l) => l.startsWith("error:"));
    expect(line).toMatch(/^error: The checkpoint has no layers\.2\.attention\.wq\.weight/);
    expect(r.stderr).not.toMatch(/internal/i);
    const j = await runMain([
      "convert",
      await hfCopy((c) => (c["vocab_size"] = 64000)),
      "--to",
      "gguf",
      "--json",
      "--out",
      join(tmp(), "out-cli.gguf"),
    ]);
    expect(j.code).toBe(9);
    expect(JSON.parse(j.stdout)).toMatchObject({
      ok: false,
      error: { code: "CONFIG_MISMATCH", category: "conversion" },
    });
    expect((await readdir(tmp())).filter((n) => n.startsWith("out-"))).toEqual([]);
  });
});
