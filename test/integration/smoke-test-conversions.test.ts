import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { convertCheckpoint } from "../../src/convert/convert-checkpoint.js";
import { smokeTestModel } from "../../src/pipeline/smoke-test-model.js";
import { writeLlama3TokenizerModel } from "../helpers/llama3-tokenizer.js";
import { runMain } from "../helpers/run-main.js";
import { breakGguf, realisticFolder, type GgufBreakage } from "../helpers/smoke-fixtures.js";
import { writeTinyMetaCheckpoint } from "../helpers/tiny-llama-checkpoint.js";

// Each llama.cpp run is a child process (~2 s on an idle 2-core machine, far more under load): generous timeouts.

/** Run `smoke-test GGUF --source DIR --json` in-process; return the exit code and the parsed error, if any. */
async function smoke(gguf: string, source: string, env: Record<string, string>, prompt = "the quick brown fox jumps") {
  const r = await runMain(["smoke-test", gguf, "--source", source, "--prompt", prompt, "--max-tokens", "8", "--json"], {
    env,
  });
  const out = JSON.parse(r.stdout);
  expect(r.stderr).not.toMatch(/\n\s+at /);
  return { code: r.code, out, error: out.error as { code: string; message: string; hint: string } | undefined };
}

describe(
  "smoke-test --source catches conversions broken the way converters break (exit 10, names the cause)",
  {
    timeout: 600_000,
  },
  () => {
    let work: string;
    let source: string;
    const env = () => ({ LLAMAGATE_DATA_DIR: join(work, "data") });
    const ggufs: Record<string, string> = {};
    beforeAll(async () => {
      work = await mkdtemp(join(tmpdir(), "lg-smoke-conv-"));
      source = await realisticFolder(work);
      for (const dtype of ["F16", "Q8_0"] as const)
        ggufs[dtype] = (
          await convertCheckpoint({ input: source, to: "gguf", dtype, out: join(work, `ok-${dtype}.gguf`) })
        ).output;
    }, 300_000);
    afterAll(() => rm(work, { recursive: true, force: true }));

    const BROKEN: [string, GgufBreakage, RegExp][] = [
      [
        "ffn gate/up swapped",
        { swap: ["blk.1.ffn_gate.weight", "blk.1.ffn_up.weight"] },
        /Cause: blk\.1\.ffn_gate\.weight holds the source's ffn_up of layer 1 \(ffn_gate\/ffn_up swapped\)/,
      ],
      [
        "q/k not permuted",
        { unpermuteQk: { layer: 1, headDim: 16 } },
        /Cause: blk\.1\.attn_q\.weight has its rows in the other RoPE layout \(the q\/k permutation .* was not applied\)/,
      ],
      [
        "wrong RoPE theta",
        { f32: { "llama.rope.freq_base": 500000 } },
        /Cause: the RoPE base \(theta\) is 500000 in the GGUF, 10000 in the source/,
      ],
      [
        "a layer's norm dropped",
        { fillF32: { "blk.1.attn_norm.weight": 1 } },
        /Cause: blk\.1\.attn_norm\.weight is all ones: the layer's norm weights were dropped/,
      ],
    ];
    for (const dtype of ["F16", "Q8_0"] as const) {
      for (const [what, breakage, cause] of BROKEN) {
        it(`${dtype}, ${what}: exit 10 REFERENCE_MISMATCH naming the measure, the position, the range and the cause`, async () => {
          const bad = await breakGguf(
            ggufs[dtype]!,
            join(work, `${dtype}-${what.replace(/\W+/g, "-")}.gguf`),
            breakage,
          );
          const r = await smoke(bad, source, env());
          expect(r.code, r.error?.message).toBe(10);
          expect(r.error).toMatchObject({ code: "REFERENCE_MISMATCH" });
          expect(r.error!.message).toMatch(
            new RegExp(
              `disagree on .*\\.gguf: (KL divergence \\S+ at generated position \\d|mean KL divergence \\S+ over 8 positions|the top token differs|the perplexity).* ${dtype} `,
            ),
          );
          expect(r.error!.message).toMatch(cause);
          expect(r.error!.hint).toMatch(/convert again/);
        });
      }
    }

    it("a tokenizer from another model: exit 10 TOKENIZER_MISMATCH naming the first differing token", async () => {
      const other = await realisticFolder(work, "other-tokenizer", true);
      const gguf = (await convertCheckpoint({ input: other, to: "gguf", dtype: "Q8_0", out: join(work, "tok.gguf") }))
        .output;
      const r = await smoke(gguf, source, env());
      expect(r.code).toBe(10);
      expect(r.error!.code).toBe("TOKENIZER_MISMATCH");
      expect(r.error!.message).toMatch(
        /The tokenizer in .*tok\.gguf is not the one of .*realistic: token 5 is "\S+" in the GGUF and "\S+" in the source/,
      );
      expect(r.error!.hint).toMatch(/another model's tokenizer/);
    });

    it("the same files unbroken pass for every prompt, with the statistics in --json", async () => {
      for (const dtype of ["F16", "Q8_0"] as const) {
        for (const prompt of ["", "the quick brown fox jumps", "hello world"]) {
          const r = await smoke(ggufs[dtype]!, source, env(), prompt);
          expect(r.code, r.error?.message).toBe(0);
          expect(r.out.reference).toMatchObject({
            weights: "source",
            comparedPositions: 8,
            limits: { measured: true },
          });
          expect(r.out.reference.failure).toBeUndefined();
          expect(r.out.reference.findings).toBeUndefined();
        }
      }
    });

    it("--source on a folder argument, or a --source that is not a folder: exit 2", async () => {
      const a = await runMain(["smoke-test", source, "--source", source, "--json"], { env: env() });
      expect(a.code).toBe(2);
      expect(JSON.parse(a.stdout).error.message).toMatch(/--source is for a \.gguf argument/);
      const b = await runMain(["smoke-test", ggufs.F16!, "--source", join(work, "nope"), "--json"], { env: env() });
      expect(b.code).toBe(2);
    });
  },
);

describe(
  "Llama 3 shape (tiktoken vocabulary, GQA, RoPE theta 500000 with 3.1 scaling): correct files pass",
  {
    timeout: 600_000,
  },
  () => {
    let work: string;
    let dir: string;
    beforeAll(async () => {
      work = await mkdtemp(join(tmpdir(), "lg-smoke-l3-"));
      dir = join(work, "Llama-3.1-Tiny");
      await writeTinyMetaCheckpoint({
        dir,
        spec: {
          dim: 64,
          nLayers: 2,
          nHeads: 4,
          nKvHeads: 2,
          hiddenDim: 192,
          vocabSize: 128256,
          normEps: 1e-5,
          ropeTheta: 500000,
        },
        shards: 1,
        dtype: "BF16",
        seed: 31,
        embeddingSplitDim: 0,
        tokenizerPieces: 0,
        normSpread: 0.9,
        extraParams: { vocab_size: 128256, use_scaled_rope: true, rope_theta: 500000 },
      });
      await writeLlama3TokenizerModel(dir);
    }, 300_000);
    afterAll(() => rm(work, { recursive: true, force: true }));

    // One prompt per dtype ("" and a text prompt between them): each run's reference over the 128,256-token
    // vocabulary is the slow part, and the unbroken-file cases above already cover every prompt for each dtype.
    // One run each, through the pipeline's entry (what `smoke-test FILE --source DIR` calls: it compares the
    // tiktoken vocabularies, then runs smokeTest on the file with the source): a load of this vocabulary in
    // llama.cpp takes seconds.
    for (const [dtype, prompt] of [
      ["BF16", ""],
      ["Q8_0", "Hello, world"],
    ] as const) {
      it(`${dtype}: passes against the Meta folder for ${JSON.stringify(prompt)}`, async () => {
        const g = await convertCheckpoint({ input: dir, to: "gguf", dtype, out: join(work, `l3-${dtype}.gguf`) });
        const r = await smokeTestModel({ path: g.output, source: dir, prompt, maxTokens: 8, device: "cpu" });
        expect(r.source).toEqual({ path: dir, from: "argument" });
        expect(r.reference, prompt).toMatchObject({ weights: "source", comparedPositions: 8 });
        expect(r.reference!.failure).toBeUndefined();
      });
    }
  },
);
