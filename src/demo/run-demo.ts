import { randomBytes } from "node:crypto";
import { mkdtemp, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { findModel } from "../catalog/find-model.js";
import { createDispatcher } from "../core/http/create-dispatcher.js";
import type { PipelineEvent, PipelineSummary } from "../pipeline/pipeline-types.js";
import { runPipelineIter } from "../pipeline/run-pipeline.js";
import type { SmokeStage } from "../pipeline/smoke-stage.js";
import { generateMetaRelease } from "./generate-meta-release.js";
import { serveSignedCdn, type CdnRequestRecord } from "./serve-signed-cdn.js";
import { DEMO_ORG_MAU } from "./demo-defaults.js";

/** The monthly active users the demo declares for its imaginary organisation. */

export interface RunDemoParams {
  /** Where to download to (kept); a temporary folder, removed afterwards, when undefined. */
  dir?: string;
  /** Catalog model (Llama 2 family) whose Meta layout the generated release imitates. @default "llama-2-7b" */
  model?: string;
  /** The CDN drops the connection once in the middle of the first shard, to show the resume. @default true */
  showResume?: boolean;
  /** Convert to GGUF and smoke-test it. @default true */
  convert?: boolean;
  /** Prompt of the smoke test. @default "The capital of France is" */
  prompt?: string;
  /** Tokens the smoke test generates. @default 8 */
  maxTokens?: number;
  /** The smoke-test implementation. @default the pipeline's */
  smokeStage?: SmokeStage;
  /** The environment the smoke test's llama.cpp child starts from (its allow-listed variables). @default process.env */
  env?: NodeJS.ProcessEnv;
  /** Cancels the demo. */
  signal?: AbortSignal;
}

export type DemoEvent =
  | {
      type: "demo-release";
      files: number;
      bytes: number;
      weightBytes: number;
      origin: string;
      expiresAt: Date;
      dir: string;
      dropAt?: { path: string; afterBytes: number };
      /** `dir` already holds the release from an earlier run: nothing will be fetched (and no resume shown). */
      alreadyDownloaded?: boolean;
    }
  | PipelineEvent;

export interface DemoSummary {
  /** The pipeline's summary: license, download, verify, convert, smoke test. */
  pipeline: PipelineSummary;
  /** Requests the local CDN served (no query strings). */
  requests: CdnRequestRecord[];
  /** The folder downloaded into (null when it was temporary and has been removed). */
  dir: string | null;
}

/**
 * The built-in demo: write a small real Llama checkpoint (torch zip format, the real Llama 2 SentencePiece
 * tokenizer) in Meta's release layout, serve it from a local signed-URL CDN on 127.0.0.1 (HMAC-signed
 * policy, expiry, Range), and run the whole pipeline against it: license check → download (one dropped
 * connection, resumed) → verify → convert to GGUF → smoke test on the CPU with the reference cross-check.
 * Offline; the license acceptance is recorded in a throwaway audit log, never the user's.
 */
export async function* runDemoIter(params: RunDemoParams = {}): AsyncGenerator<DemoEvent, DemoSummary> {
  const model = findModel({ name: params.model ?? "llama-2-7b" });
  const work = await mkdtemp(join(tmpdir(), "llamagate-demo-"));
  const root = join(work, "cdn");
  const dir = params.dir === undefined ? join(work, "download") : resolve(params.dir);
  let cdn: Awaited<ReturnType<typeof serveSignedCdn>> | undefined;
  const direct = createDispatcher({ env: {} });
  try {
    const release = await generateMetaRelease({ root, models: [model] });
    const firstShard = `${model.meta!.folder}/consolidated.00.pth`;
    // A rerun with --dir finds the files complete: nothing is fetched, so there is no resume to show.
    const have = await stat(join(dir, firstShard)).catch(() => undefined);
    const alreadyDownloaded = have?.isFile() === true && have.size === release.files[firstShard];
    const dropAt =
      params.showResume === false || alreadyDownloaded
        ? undefined
        : { path: firstShard, afterBytes: Math.floor(release.files[firstShard]! / 2) };
    cdn = await serveSignedCdn({
      root,
      secret: randomBytes(32).toString("hex"),
      keyPairId: "KDEMO0LLAMAGATE",
      ...(dropAt ? { dropOnce: dropAt } : {}),
    });
    const expiresAt = new Date(Date.now() + 24 * 3600 * 1000);
    yield {
      type: "demo-release",
      files: Object.keys(release.files).length,
      bytes: release.totalBytes,
      weightBytes: release.weightBytes,
      origin: cdn.origin,
      expiresAt,
      dir,
      ...(dropAt ? { dropAt } : {}),
      ...(alreadyDownloaded ? { alreadyDownloaded } : {}),
    };
    const convert = params.convert !== false;
    const pipeline = yield* runPipelineIter({
      models: [model],
      source: { kind: "meta", url: cdn.signUrl({ expiresAt }), dir, weightBytes: release.weightBytes },
      // The real license gate, for a declared small organisation; its audit log stays in the demo's work folder.
      license: { mau: DEMO_ORG_MAU, acceptLicense: true, auditLogPath: join(work, "license-audit.jsonl") },
      command: "demo",
      // The CDN is on this machine: straight to it, whatever HTTPS_PROXY / HTTP_PROXY say.
      engine: { retry: { attempts: 5, baseMs: 100, maxMs: 1000 }, dispatcher: direct },
      verify: true,
      convert: convert ? { to: "gguf" } : false,
      smokeTest: convert
        ? {
            device: "cpu",
            reference: true,
            prompt: params.prompt ?? "The capital of France is",
            maxTokens: params.maxTokens ?? 8,
            ...(params.env ? { env: params.env } : {}),
          }
        : false,
      ...(params.smokeStage ? { smokeStage: params.smokeStage } : {}),
      ...(params.signal ? { signal: params.signal } : {}),
    });
    return { pipeline, requests: cdn.requests, dir: params.dir === undefined ? null : dir };
  } finally {
    await direct.close().catch(() => {});
    await cdn?.close();
    await rm(work, { recursive: true, force: true });
  }
}
