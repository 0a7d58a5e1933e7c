import { mkdtemp, readdir, rm, utimes } from "node:fs/promises";
// Each llama.cpp run is a child process (~2 s on an idle 2-core machine, 40 s seen under heavy load):
// generous timeouts.
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { convertCheckpoint } from "../../src/convert/convert-checkpoint.js";
import { smokeTest } from "../../src/infer/smoke-test/smoke-test.js";
import { runCli } from "../helpers/run-cli.js";
import { runMain } from "../helpers/run-main.js";
import { generatedFolder, torchFixtureFolder } from "../helpers/smoke-fixtures.js";
import { expectDocumentedShape } from "../helpers/json-docs.js";

const DTYPES = ["F32", "F16", "BF16", "Q8_0"] as const;
/** "" starts from BOS alone. */
const PROMPTS = ["", "the quick brown fox", "a b c"];

describe(
  "correct converter GGUFs pass the KL cross-check against the original Meta weights, for every prompt",
  { timeout: 400_000 },
  () => {
    let work: string;
    let torchDir: string;
    let genDir: string;
    beforeAll(async () => {
      work = await mkdtemp(join(tmpdir(), "lg-smoke-"));
      torchDir = await torchFixtureFolder(work);
      genDir = await generatedFolder(work);
    });
    afterAll(() => rm(work, { recursive: true, force: true }));

    for (const dtype of DTYPES) {
      it(`${dtype}: the generated model (Llama 2 shape, grouped-query attention) and the torch.save fixture`, async () => {
        for (const [name, dir] of [
          ["gen", genDir],
          ["torch", torchDir],
        ] as const) {
          const g = await convertCheckpoint({
            input: dir,
            to: "gguf",
            dtype,
            out: join(work, `${name}-${dtype}.gguf`),
          });
          for (const prompt of PROMPTS) {
            const r = await smokeTest({ gguf: g.output, sourceDir: dir, prompt, maxTokens: 8, device: "cpu" });
            const ref = r.reference!;
            expect(r.weightType).toBe(dtype);
            expect(ref, `${name} ${JSON.stringify(prompt)}`).toMatchObject({
              weights: "source",
              comparedPositions: 8,
              limits: { measured: true },
            });
            expect(ref.failure).toBeUndefined();
            // far inside the limits, not just under them (measured values: docs/smoke-test.md)
            expect(ref.klMean).toBeLessThan(ref.limits.klMean / 2);
            expect(ref.klMax).toBeLessThan(ref.limits.klMax / 2);
            expect(ref.topTokenAgreement).toBeGreaterThanOrEqual(0.75);
            expect(Math.abs(Math.log(ref.perplexityRatio))).toBeLessThan(ref.limits.lnPerplexityRatio);
          }
          // without the source the reference runs on the GGUF's own weights, and agrees too
          const own = await smokeTest({ gguf: g.output, prompt: "the cat sat", maxTokens: 8, device: "cpu" });
          expect(own.reference).toMatchObject({ weights: "gguf" });
          expect(own.reference!.failure).toBeUndefined();
        }
      });
    }
  },
);

describe("llamagate smoke-test (built CLI)", { timeout: 240_000 }, () => {
  let work: string;
  let dataDir: string;
  let folder: string;
  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), "lg-smoke-cli-"));
    dataDir = join(work, "data");
    folder = await torchFixtureFolder(work);
  });
  afterAll(() => rm(work, { recursive: true, force: true }));

  it("a Meta folder: converted to a cached GGUF under the data dir, run on the CPU with a note, one JSON object; a second run reuses the cache", async () => {
    const env = { LLAMAGATE_DATA_DIR: dataDir };
    const r = await runCli(["smoke-test", folder, "--prompt", "the cat sat on a mat", "--max-tokens", "12", "--json"], {
      env,
      timeoutMs: 200_000,
    });
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expectDocumentedShape(out, "smoke-test", ["note", "reference", "referenceSkipped", "cache", "sourceSkipped"]);
    expect(out).toMatchObject({
      ok: true,
      backend: "cpu",
      architecture: "llama",
      weightType: "BF16",
      threads: 1,
      cache: { reused: false },
    });
    expect(out.device).toMatch(/^CPU/);
    expect(out.note).toMatch(/no usable GPU found/);
    expect(r.stderr).toMatch(/note: no usable GPU found/);
    for (const k of ["loadSeconds", "firstTokenSeconds", "tokensPerSecond"]) expect(typeof out[k]).toBe("number");
    expect(out.tokensPerSecond).toBeGreaterThan(0);
    expect(out.promptTokens[0]).toBe(1);
    expect(out.tokens).toHaveLength(12);
    expect(typeof out.text).toBe("string");
    expect(out.memory.deviceBytes).toBe(0);
    expect(out.memory.hostBytes).toBeGreaterThan(1e6);
    expect(out.reference).toMatchObject({ weights: "source", comparedPositions: 8 });
    for (const k of [
      "klMean",
      "klMax",
      "topTokenAgreement",
      "perplexityReference",
      "perplexityEngine",
      "perplexityRatio",
    ])
      expect(typeof out.reference[k], k).toBe("number");
    expect(out.reference.klMean).toBeLessThan(out.reference.limits.klMean);
    expect(out.reference.failure).toBeUndefined();
    expect(out.cache.path.startsWith(join(dataDir, "gguf-cache"))).toBe(true);
    expect(out.gguf).toBe(out.cache.path);
    expect(out.source).toEqual({ path: folder, from: "folder" });

    const again = await runMain(
      ["smoke-test", folder, "--prompt", "the cat sat on a mat", "--max-tokens", "12", "--json"],
      { env },
    );
    expect(again.code, again.stderr).toBe(0);
    const out2 = JSON.parse(again.stdout);
    expect(out2.cache).toEqual({ path: out.cache.path, reused: true });
    expect(out2.tokens).toEqual(out.tokens);

    // a changed source file means a new conversion
    await utimes(join(folder, "params.json"), new Date(), new Date(Date.now() + 5000));
    const third = await runMain(
      ["smoke-test", folder, "--prompt", "the cat", "--max-tokens", "4", "--no-reference", "--json"],
      { env },
    );
    expect(third.code, third.stderr).toBe(0);
    const out3 = JSON.parse(third.stdout);
    expect(out3.cache.reused).toBe(false);
    expect(out3.reference).toBeUndefined();
    expect((await readdir(join(dataDir, "gguf-cache"))).filter((f) => f.endsWith(".gguf"))).toHaveLength(2);
  });

  it("human output on stdout; --device gpu on a machine without a GPU exits 10 and says what is missing", async () => {
    const ok = await runMain(["smoke-test", folder, "--prompt", "", "--max-tokens", "8"], {
      env: { LLAMAGATE_DATA_DIR: dataDir },
    });
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toMatch(/^OK: .*\.gguf ran on cpu/);
    expect(ok.stdout).toMatch(/tokens\/s/);
    expect(ok.stdout).toMatch(
      /reference on the original weights \(8 positions\): mean KLD \S+ \(limit 0\.0150\), max KLD \S+ \(limit 0\.100\), same top token \d\/8, PPL ratio/,
    );
    const gpu = await runMain(["smoke-test", folder, "--device", "gpu", "--json"], {
      env: { LLAMAGATE_DATA_DIR: dataDir },
    });
    expect(gpu.code).toBe(10);
    const err = JSON.parse(gpu.stdout);
    expect(err).toMatchObject({ ok: false, error: { code: "NO_GPU", category: "smoke-test" } });
    expect(err.error.message).toMatch(/CUDA: no NVIDIA driver found/);
    expect(gpu.stderr).toMatch(/^error: --device gpu: no GPU backend is usable/m);
    expect(gpu.stderr).not.toMatch(/\n\s+at /);
  });
});
