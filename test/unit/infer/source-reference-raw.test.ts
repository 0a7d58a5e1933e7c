import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { toFloat32 } from "../../../src/formats/dtype/index.js";
import { sourceReferenceWeights } from "../../../src/infer/source-reference-weights.js";
import { openSourceModel } from "../../../src/model/open-source-model.js";
import type { SourceModel } from "../../../src/model/source-model.js";
import { writeTinyMetaCheckpoint } from "../../helpers/tiny-llama-checkpoint.js";
import { TINY_SPEC } from "../../helpers/tiny-llama-model.js";

describe("sourceReferenceWeights.getRaw: a 2-shard bf16 Meta checkpoint in its stored encoding, in shared memory", () => {
  let work: string;
  let source: SourceModel;
  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), "lg-raw-"));
    const dir = join(work, "ck");
    await writeTinyMetaCheckpoint({ dir, spec: TINY_SPEC, shards: 2, dtype: "BF16", seed: 11, shareStorage: true });
    source = await openSourceModel({ dir });
  });
  afterAll(async () => {
    await source.close();
    await rm(work, { recursive: true, force: true });
  });

  it("every tensor (slices of rows read in place, slices of columns merged) widens to what get() returns", async () => {
    const w = sourceReferenceWeights({ source });
    const names = source.tensors.map((t) => t.canonical);
    expect(names).toEqual(expect.arrayContaining(["tok_embeddings.weight", "layers.0.attention.wo.weight"]));
    for (const name of names) {
      const raw = (await w.getRaw!(name))!;
      const wide = (await w.get(name))!;
      expect(raw.dtype, name).toBe("BF16");
      expect(raw.shape, name).toEqual(wide.shape);
      expect(raw.bytes.buffer instanceof SharedArrayBuffer, name).toBe(true);
      expect(toFloat32(raw.bytes, raw.dtype), name).toEqual(wide.data);
    }
    expect(await w.getRaw!("no.such.weight")).toBeUndefined();
  });
});
