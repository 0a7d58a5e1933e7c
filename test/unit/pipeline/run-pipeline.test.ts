import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { mkdtemp, readdir, rm, utimes } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { findModel } from "../../../src/catalog/find-model.js";
import { generateMetaRelease } from "../../../src/demo/generate-meta-release.js";
import { serveSignedCdn, type SignedCdn } from "../../../src/demo/serve-signed-cdn.js";
import type { PipelineEvent, RunPipelineParams } from "../../../src/pipeline/pipeline-types.js";
import { runPipeline } from "../../../src/pipeline/run-pipeline.js";
import type { SmokeStage, SmokeStageParams } from "../../../src/pipeline/smoke-stage.js";

// The pipeline in-process against the real local CDN; only the smoke stage is a fake (it has its own tests).
describe("runPipeline", () => {
  const model = findModel({ name: "llama-2-7b" });
  let work: string;
  let cdn: SignedCdn;
  let hub: Server;
  let hubRequests: string[];
  let hubEndpoint: string;
  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), "llamagate-pipeline-unit-"));
    await generateMetaRelease({ root: join(work, "cdn"), models: [model] });
    cdn = await serveSignedCdn({ root: join(work, "cdn"), secret: "unit", keyPairId: "KUNIT" });
    hubRequests = [];
    hub = createServer((req, res) => {
      hubRequests.push(`${req.method} ${req.url}`);
      res.writeHead(500).end();
    });
    await new Promise<void>((r) => hub.listen(0, "127.0.0.1", r));
    hubEndpoint = `http://127.0.0.1:${(hub.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await cdn.close();
    await new Promise((r) => hub.close(r));
    await rm(work, { recursive: true, force: true });
  });

  /** The environment a caller hands the smoke test's llama.cpp child (the stage gets it as given). */
  const SMOKE_ENV = { PATH: "/usr/bin", GGML_MARK: "from-the-caller" };
  const smokeCalls: SmokeStageParams[] = [];
  /** This test's own folder: its downloads and its license audit log (an acceptance one test records is its own). */
  let t: string;
  beforeEach(async () => {
    t = await mkdtemp(join(work, "test-"));
    smokeCalls.length = 0;
    hubRequests = [];
  });
  const fakeSmoke: SmokeStage = async function* (p) {
    smokeCalls.push(p);
    yield { type: "smoke-phase", phase: "load" };
    return {
      backend: "fake",
      device: "none",
      promptTokens: [1],
      tokens: [5, 6],
      text: "ok",
      loadSeconds: 0,
      firstTokenSeconds: 0,
      tokensPerSecond: 1,
    };
  };
  const meta = (dir: string, license: RunPipelineParams["license"]): RunPipelineParams => ({
    models: [model],
    source: { kind: "meta", url: cdn.signUrl({ expiresAt: new Date(Date.now() + 3600_000) }), dir, spaceCheck: false },
    license: { auditLogPath: join(t, "audit.jsonl"), ...license },
    command: "test",
    convert: { to: "gguf" },
    smokeTest: { maxTokens: 2, env: SMOKE_ENV },
    smokeStage: fakeSmoke,
  });

  it("the gate blocks before the first request of either source, and nothing is written", async () => {
    const before = cdn.requests.length;
    const dir = join(t, "blocked");
    await expect(runPipeline(meta(dir, { mau: "2B", acceptLicense: true }))).rejects.toMatchObject({
      code: "LICENSE_REQUIRES_META_LICENSE",
    });
    await expect(runPipeline(meta(dir, { mau: 1000 }))).rejects.toMatchObject({ code: "LICENSE_NOT_ACCEPTED" });
    expect(cdn.requests.length).toBe(before);
    await expect(readdir(dir)).rejects.toMatchObject({ code: "ENOENT" });
    const hf: RunPipelineParams = {
      models: [model],
      source: { kind: "hf", repoId: model.hfRepo, cacheDir: join(work, "hf"), endpoint: hubEndpoint },
      license: { mau: "2B", acceptLicense: true },
      command: "test",
    };
    await expect(runPipeline(hf)).rejects.toMatchObject({ category: "license" });
    expect(hubRequests).toEqual([]);
  });

  it("runs every stage in order; a rerun finds download, verify and convert done; a newer input is converted again", async () => {
    const dir = join(t, "ok");
    const stages: string[] = [];
    const onEvent = (e: PipelineEvent) => {
      if (e.type === "stage-start") stages.push(e.stage);
    };
    const first = await runPipeline({ ...meta(dir, { mau: 1000, acceptLicense: true }), onEvent });
    expect(stages).toEqual(["license", "download", "verify", "convert", "smoke-test"]);
    expect(first.upToDate).toEqual([]);
    expect(first.convert?.outputs).toMatchObject([
      { path: join(dir, "llama-2-7b-bf16.gguf"), format: "gguf", dtype: "BF16", converted: true },
    ]);
    expect(smokeCalls.at(-1)).toMatchObject({
      path: join(dir, "llama-2-7b-bf16.gguf"),
      sourceDir: join(dir, "llama-2-7b"),
      maxTokens: 2,
      env: SMOKE_ENV,
    });
    expect(first.smokeTest).toMatchObject({ backend: "fake", path: join(dir, "llama-2-7b-bf16.gguf") });

    const before = cdn.requests.length;
    const second = await runPipeline(meta(dir, { mau: 1000 }));
    expect(cdn.requests.slice(before).filter((q) => q.bytesSent > 0)).toEqual([]);
    expect(second.upToDate).toEqual(["download", "verify", "convert"]);
    expect(second.verify).toMatchObject({ files: 3, ok: 3, rehashed: 0, reused: 3 });
    expect(second.convert?.outputs[0]?.converted).toBe(false);
    expect(second.license[0]?.gate.acceptance.via).toBe("recorded");

    // An input newer than the output (e.g. re-downloaded weights) makes the output stale.
    const later = new Date(Date.now() + 5000);
    await utimes(join(dir, "llama-2-7b", "params.json"), later, later);
    const third = await runPipeline(meta(dir, { mau: 1000 }));
    expect(third.convert?.outputs[0]?.converted).toBe(true);
    expect(third.upToDate).toContain("download");
  });

  it("stages are optional: no verify, no conversion, no smoke test", async () => {
    const r = await runPipeline({
      ...meta(join(t, "ok"), { mau: 1000, acceptLicense: true }),
      verify: false,
      convert: false,
      smokeTest: false,
    });
    expect(r).toMatchObject({ verify: null, convert: null, smokeTest: null });
  });
});
