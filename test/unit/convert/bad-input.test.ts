import { cp, mkdir, mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { convertCheckpoint, convertCheckpointIter } from "../../../src/convert/convert-checkpoint.js";
import { detectCheckpoint } from "../../../src/model/detect-checkpoint.js";
import { loadReferenceModel } from "../../../src/infer/load-reference-model.js";
import { writeTinyMetaCheckpoint } from "../../helpers/tiny-llama-checkpoint.js";
import { TINY_SPEC } from "../../helpers/tiny-llama-model.js";
import { writeTorchCheckpoint } from "../../../src/demo/write-torch-checkpoint.js";

const FIXTURE = join(__dirname, "../../fixtures/torch/tiny-llama-mp2");

describe("conversion bad input", () => {
  let work: string;
  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), "lg-conv-bad-"));
  });
  afterAll(async () => rm(work, { recursive: true, force: true }));

  it("detects Meta and HF folders and explains anything else", async () => {
    expect(await detectCheckpoint({ dir: FIXTURE })).toBe("meta");
    const d = join(work, "detect");
    await mkdir(d);
    await expect(detectCheckpoint({ dir: d })).rejects.toMatchObject({
      code: "NOT_A_CHECKPOINT",
      category: "conversion",
    });
    await writeFile(join(d, "consolidated.00.pth"), "");
    await expect(detectCheckpoint({ dir: d })).rejects.toMatchObject({ code: "MISSING_PARAMS" });
    await rm(join(d, "consolidated.00.pth"));
    await writeFile(join(d, "config.json"), "{}");
    await writeFile(join(d, "pytorch_model.bin"), "");
    await expect(detectCheckpoint({ dir: d })).rejects.toMatchObject({ code: "UNSUPPORTED_INPUT" });
    await writeFile(join(d, "model.safetensors"), "");
    expect(await detectCheckpoint({ dir: d })).toBe("hf");
    await expect(detectCheckpoint({ dir: join(work, "nope") })).rejects.toMatchObject({
      category: "not-found",
      code: "INPUT_NOT_FOUND",
    });
    await expect(detectCheckpoint({ dir: join(d, "config.json") })).rejects.toMatchObject({ category: "usage" });
  });

  it("refuses non-llama HF snapshots and HF configs without the needed fields", async () => {
    const hf = join(work, "hf-src");
    await convertCheckpoint({ input: FIXTURE, to: "hf", out: hf });
    const bad = join(work, "hf-bad");
    await cp(hf, bad, { recursive: true });
    await writeFile(join(bad, "config.json"), JSON.stringify({ model_type: "mistral" }));
    await expect(convertCheckpoint({ input: bad, to: "gguf", out: join(work, "x.gguf") })).rejects.toMatchObject({
      code: "NOT_LLAMA",
    });
    await writeFile(join(bad, "config.json"), JSON.stringify({ model_type: "llama", hidden_size: 32 }));
    await expect(convertCheckpoint({ input: bad, to: "gguf", out: join(work, "x.gguf") })).rejects.toMatchObject({
      code: "BAD_HF_CONFIG",
    });
    await writeFile(join(bad, "config.json"), "not json");
    await expect(convertCheckpoint({ input: bad, to: "gguf", out: join(work, "x.gguf") })).rejects.toMatchObject({
      code: "BAD_HF_CONFIG",
    });
  });

  it("refuses q/k shards that are not whole heads, and integer tensors", async () => {
    const d = join(work, "half-heads");
    // params say 2 heads of 32 rows, but each shard holds 16 rows of wq: half a head
    await writeFile(
      join(await mkdir(d, { recursive: true }).then(() => d), "params.json"),
      JSON.stringify({ dim: 64, n_layers: 1, n_heads: 2, multiple_of: 32 }),
    );
    const t = (name: string, shape: number[]) => ({
      name,
      dtype: "BF16" as const,
      shape,
      data: new Uint8Array(shape.reduce((a, b) => a * b, 1) * 2),
    });
    for (const i of [0, 1, 2, 3]) {
      writeTorchCheckpoint(join(d, `consolidated.0${i}.pth`), [
        t("tok_embeddings.weight", [8, 16]),
        t("layers.0.attention.wq.weight", [16, 64]),
      ]);
    }
    await expect(convertCheckpoint({ input: d, to: "hf", out: join(work, "hh") })).rejects.toMatchObject({
      code: "SHARD_MISMATCH",
      message: expect.stringContaining("whole 32-row heads"),
    });
    const ints = join(work, "ints");
    await mkdir(ints);
    await writeFile(join(ints, "params.json"), JSON.stringify({ dim: 64, n_layers: 1, n_heads: 2, multiple_of: 32 }));
    writeTorchCheckpoint(join(ints, "consolidated.00.pth"), [
      { name: "tok_embeddings.weight", dtype: "I64", shape: [8, 64], data: new Uint8Array(8 * 64 * 8) },
    ]);
    await expect(convertCheckpoint({ input: ints, to: "hf", out: join(work, "ii") })).rejects.toMatchObject({
      code: "UNSUPPORTED_DTYPE",
      message: expect.stringContaining("I64"),
    });
    await writeFile(join(ints, "consolidated.00.pth"), "PK\x03\x04 truncated");
    await expect(convertCheckpoint({ input: ints, to: "hf", out: join(work, "ii") })).rejects.toMatchObject({
      category: "conversion",
    });
    expect((await readdir(work)).filter((n) => n.startsWith("ii") || n.includes(".partial-"))).toEqual([]);
  });

  it("an interrupted conversion leaves neither the output nor a temp file", async () => {
    const dir = join(work, "interrupt");
    await writeTinyMetaCheckpoint({ dir, spec: TINY_SPEC, shards: 2, dtype: "F32", seed: 3 });
    const controller = new AbortController();
    const out = join(work, "interrupted.gguf");
    const it = convertCheckpointIter({ input: dir, to: "gguf", out, signal: controller.signal });
    await expect(
      (async () => {
        for await (const e of it) if (e.type === "tensor" && e.index === 3) controller.abort();
      })(),
    ).rejects.toMatchObject({ category: "interrupted" });
    expect((await readdir(work)).filter((n) => n.startsWith("interrupted") || n.includes(".partial-"))).toEqual([]);
  });

  it("an interrupted HF conversion (tokenizer files built alongside the tensors) leaves nothing either", async () => {
    const dir = join(work, "interrupt-hf");
    await writeTinyMetaCheckpoint({ dir, spec: TINY_SPEC, shards: 2, dtype: "F32", seed: 5 });
    const controller = new AbortController();
    const out = join(work, "interrupted-hf");
    const it = convertCheckpointIter({ input: dir, to: "hf", out, signal: controller.signal });
    await expect(
      (async () => {
        for await (const e of it) if (e.type === "tensor" && e.index === 2) controller.abort();
      })(),
    ).rejects.toMatchObject({ category: "interrupted" });
    expect((await readdir(work)).filter((n) => n.startsWith("interrupted-hf") || n.includes(".partial-"))).toEqual([]);
  });

  it("a consumer that stops iterating early also leaves no temp output", async () => {
    const dir = join(work, "early");
    await writeTinyMetaCheckpoint({ dir, spec: TINY_SPEC, shards: 1, dtype: "F32", seed: 4 });
    const it = convertCheckpointIter({ input: dir, to: "hf", out: join(work, "early-out") });
    await it.next(); // plan
    await it.return(undefined as never);
    // return() waits for the writer to stop, so the temp output is already gone
    expect((await readdir(work)).filter((n) => n.startsWith("early-out") || n.includes(".partial-"))).toEqual([]);
  });

  it("loadReferenceModel takes a GGUF file or a model folder", async () => {
    const dir = join(work, "ref");
    await writeTinyMetaCheckpoint({ dir, spec: TINY_SPEC, shards: 2, dtype: "BF16", seed: 8 });
    const gguf = await convertCheckpoint({ input: dir, to: "gguf", out: join(work, "ref.gguf") });
    const a = await loadReferenceModel({ path: dir });
    const b = await loadReferenceModel({ path: gguf.output });
    const { normEps: ea, ...ra } = a.config;
    const { normEps: eb, ...rb } = b.config;
    expect(ra).toEqual(rb);
    expect(eb).toBe(Math.fround(ea)); // GGUF stores eps as f32, as gguf-py does
    expect(a.ropeLayout).toBe("interleaved");
    expect(Array.from(b.weights.layers[1]!.wk.data)).toEqual(Array.from(a.weights.layers[1]!.wk.data));
  });
});
