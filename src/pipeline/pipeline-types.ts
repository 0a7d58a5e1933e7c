/**
 * Public types of the pipeline (src/pipeline/run-pipeline.ts): its parameters, its progress events and
 * its summary. The per-source and per-stage shapes are the libraries' own; the pipeline adds stage
 * boundaries and what a rerun found already done.
 */
import type { CatalogModel } from "../catalog/models.js";
import type { ConvertEvent } from "../convert/convert-events.js";
import type { OutDType } from "../model/create-caster.js";
import type { EngineOptions } from "../download/types.js";
import type { DownloadHfParams, HfDownloadEvent, HfDownloadSummary } from "../sources/hf/download-hf.js";
import type { DownloadMetaParams, MetaDownloadEvent, MetaDownloadSummary } from "../sources/meta/download-meta.js";
import type { LicenseGateParams, LicenseGateResult } from "./license-gate.js";
import type { SmokeStage, SmokeStageEvent, SmokeStageResult } from "./smoke-stage.js";

/**
 * Where the weights come from: a source's own download parameters, less the engine options and the models (and a
 * dry run's checkOnly: the pipeline always fetches).
 */
export type PipelineSource =
  | ({ kind: "meta" } & Omit<DownloadMetaParams, keyof EngineOptions | "models" | "statfsImpl">)
  | ({ kind: "hf" } & Omit<DownloadHfParams, keyof EngineOptions | "checkOnly">);

/** The license gate's inputs: the pipeline fills in the model, the command and the LICENSE hash itself. */
export type PipelineLicenseParams = Omit<LicenseGateParams, "model" | "command" | "licenseTextSha256" | "signal">;

export interface PipelineConvertParams {
  /** Output format. */
  to: "hf" | "gguf";
  /** Element type written; default: the source's. */
  dtype?: OutDType | Lowercase<OutDType>;
  /** Output path (hf folder or gguf file); default beside the model folder, or `outDir` for a Hub cache snapshot. */
  out?: string;
  /** Folder for the default output name when the input is a Hub cache snapshot. @default the current folder */
  outDir?: string;
}

export interface PipelineSmokeParams {
  /** Prompt text ("" = BOS alone). */
  prompt?: string;
  /** Tokens to generate. */
  maxTokens?: number;
  /** auto, gpu or cpu. */
  device?: "auto" | "gpu" | "cpu";
  /** Force the cross-check against the pure-TS reference. */
  reference?: boolean;
  /** Where the GGUF made to smoke-test a Hugging Face output is cached. @default ggufCacheDir(env) */
  cacheDir?: string;
  /**
   * The environment the llama.cpp child starts from (only its allow-listed variables pass: llama-child-env.ts).
   * @default process.env
   */
  env?: NodeJS.ProcessEnv;
}

export interface RunPipelineParams {
  /**
   * Catalog models to fetch. Meta: one family, one or more; Hugging Face: the catalog model the repo is
   * (license-gated), or none for a repo outside the catalog (no Llama license applies; say so).
   */
  models: readonly CatalogModel[];
  source: PipelineSource;
  /** License inputs and acceptance; the gate runs before the source's first request, always. */
  license: PipelineLicenseParams;
  /** The command recorded in the audit log ("download", "setup", "demo", "provision"). */
  command: string;
  /** Transfer engine options (concurrency, parts, retry, dispatcher, ...). */
  engine?: Omit<EngineOptions, "signal">;
  /** Re-check the files against their checksums (verified, unchanged files are not re-hashed). @default true */
  verify?: boolean;
  /** Convert after the download (false/undefined: no conversion). */
  convert?: PipelineConvertParams | false;
  /** Smoke-test the converted output (needs a GGUF; false/undefined: no smoke test). */
  smokeTest?: PipelineSmokeParams | false;
  /** The smoke-test implementation. @default the library's (see smoke-stage.ts) */
  smokeStage?: SmokeStage;
  /**
   * Sign what was downloaded and verified (OMS v1.0, `model.sig` in each Meta model folder, or in the Hub
   * `--local-dir`) with this ECDSA private key (PEM), after verification and before conversion.
   */
  sign?: { privateKeyPem: string | Buffer };
  signal?: AbortSignal;
}

/** One signature the pipeline wrote. */
export interface PipelineSignature {
  /** The signed model folder. */
  path: string;
  signaturePath: string;
  /** Files the signature covers. */
  files: number;
  /** Files read again to sign them (0 after a fresh download: every digest came from its verification record). */
  hashed: number;
}

export type StageName = "license" | "download" | "verify" | "convert" | "smoke-test";

/** Events of runPipelineIter: stage boundaries, the license result, and each stage's own events. */
export type PipelineEvent =
  | { type: "stage-start"; stage: StageName }
  | { type: "stage-done"; stage: StageName; upToDate: boolean; seconds: number }
  | { type: "stage-skipped"; stage: StageName; reason: string }
  | { type: "license-passed"; model: string; gate: LicenseGateResult }
  | { type: "license-not-applicable"; repoId: string }
  | { type: "verify-file"; path: string; status: string; rehashed: boolean; index: number }
  | { type: "convert-event"; event: ConvertEvent }
  | { type: "smoke-event"; event: SmokeStageEvent }
  | ({ type: "signed" } & PipelineSignature)
  | MetaDownloadEvent
  | HfDownloadEvent;

export type PipelineDownloadResult =
  { source: "meta"; result: MetaDownloadSummary } | { source: "hf"; result: HfDownloadSummary };

export interface PipelineVerifyResult {
  /** Files checked against a checksum (Meta: checklist md5; Hugging Face: LFS sha256 / git blob sha1). */
  files: number;
  ok: number;
  failed: number;
  missing: number;
  /** Hashed from disk in this stage. */
  rehashed: number;
  /** Trusted without hashing: verified earlier and unchanged since (size, mtime and the recorded hash). */
  reused: number;
  /** Every file verified, each with its status. */
  results: { path: string; status: string; rehashed: boolean }[];
  seconds: number;
}

export interface PipelineConvertOutput {
  path: string;
  format: "hf" | "gguf";
  dtype: OutDType;
  bytes: number;
  /** The model folder it was converted from. */
  input: string;
  /** False when the output was already newer than its verified inputs and kept as it was. */
  converted: boolean;
}

export interface PipelineSummary {
  ok: true;
  /** Catalog names of the models. */
  models: string[];
  /** One gate result per model (empty for a repo outside the catalog). */
  license: { model: string; gate: LicenseGateResult }[];
  download: PipelineDownloadResult;
  verify: PipelineVerifyResult | null;
  convert: { outputs: PipelineConvertOutput[]; seconds: number } | null;
  smokeTest: (SmokeStageResult & { path: string }) | null;
  /** The signatures written (`sign`); empty when none was asked for. */
  signatures: PipelineSignature[];
  /** Which stages found nothing to do (a rerun). */
  upToDate: StageName[];
  seconds: number;
}
