import { join } from "node:path";
import type { CatalogModel } from "../catalog/models.js";
import { LlamagateError, UsageError } from "../core/errors.js";
import { checkLicenseFile } from "../license/check-license-file.js";
import type { SourcePlanFacts } from "../sources/model-source.js";
import { sourceFor } from "../sources/source-for.js";
import { bindSource, type BoundSource } from "./bind-source.js";
import { licenseGate } from "./license-gate.js";
import type {
  PipelineConvertOutput,
  PipelineDownloadResult,
  PipelineEvent,
  PipelineSource,
  PipelineSummary,
  PipelineVerifyResult,
  RunPipelineParams,
  StageName,
} from "./pipeline-types.js";
import { recordSmokeResult } from "../provenance/lineage/record-smoke-result.js";
import { ggufCacheDir } from "../core/defaults/llamagate-paths.js";
import { drainIter } from "../core/drain-iter.js";
import { mapEvents } from "../core/map-events.js";

/**
 * The whole flow as one operation: license gate → resolve the source → download → verify → convert →
 * smoke test. The gate runs first, before the source's first request, for every caller; the other stages
 * after the download are optional. Reruns are idempotent: finished files are not transferred again,
 * verified unchanged files are not re-hashed, an output newer than its inputs is not converted again, and
 * the summary's `upToDate` names the stages that found nothing to do.
 */
export async function* runPipelineIter(p: RunPipelineParams): AsyncGenerator<PipelineEvent, PipelineSummary> {
  const started = performance.now();
  const signal = p.signal;
  const upToDate: StageName[] = [];
  const timed = (stage: StageName, t0: number, done: boolean): PipelineEvent => ({
    type: "stage-done",
    stage,
    upToDate: done,
    seconds: (performance.now() - t0) / 1000,
  });
  if (p.sign && p.source.kind === "hf" && !p.source.localDir) {
    throw new UsageError("Signing a Hugging Face download needs a folder of its own, not the cache.", {
      code: "SIGN_NEEDS_LOCAL_DIR",
      hint: "Download into a plain folder (download --local-dir, setup --dir, a manifest's dir): the cache's snapshot holds links, which OMS signatures do not cover.",
    });
  }
  if (p.source.kind === "hf" && p.models.length > 1) {
    throw new UsageError(`A Hugging Face download takes one repo, got ${p.models.length} models.`, {
      hint: "Run one download per repo.",
    });
  }

  // 1. License gate: nothing has been requested yet. A source whose check makes no request (Meta's link: shape,
  // expiry, family) is checked first, so a bad link is reported before the user answers license questions.
  let t0 = performance.now();
  yield { type: "stage-start", stage: "license" };
  const license: PipelineSummary["license"] = [];
  let shippedLicense: string | undefined;
  // Each stage's code loads when the run reaches it: an up-to-date Hub download never loads the converter.
  const engine = { ...p.engine, ...(signal ? { signal } : {}) };
  const source = await bindPipelineSource(p, engine);
  if (source.checkIsOffline) yield* source.check();
  if (p.source.kind === "meta") {
    // On a rerun the LICENSE shipped with the weights is already there: the audit entry records its sha256.
    const family = p.models[0]?.license;
    if (family) {
      const check = await checkLicenseFile({ path: join(p.source.dir, "LICENSE"), family, signal }).catch(
        () => undefined,
      );
      shippedLicense = check?.sha256;
    }
  }
  for (const model of dedupe(p.models)) {
    const gate = await licenseGate({
      ...p.license,
      model,
      command: p.command,
      licenseTextSha256: shippedLicense,
      signal,
    });
    license.push({ model: model.name, gate });
    yield { type: "license-passed", model: model.name, gate };
  }
  if (p.source.kind === "hf" && p.models.length === 0)
    yield { type: "license-not-applicable", repoId: p.source.repoId };
  yield timed("license", t0, false);

  // 2. Resolve and download: the source's plan and fetch.
  t0 = performance.now();
  yield { type: "stage-start", stage: "download" };
  const download = yield* source.fetch(); // its check too, unless made above
  const transferred =
    download.source === "meta" ? download.result.totals.bytesTransferred : download.result.bytesTransferred;
  if (transferred === 0) upToDate.push("download");
  yield timed("download", t0, transferred === 0);

  // 3. Verify.
  let verify: PipelineVerifyResult | null = null;
  if (p.verify === false) {
    yield { type: "stage-skipped", stage: "verify", reason: "not asked for" };
  } else {
    t0 = performance.now();
    yield { type: "stage-start", stage: "verify" };
    const { verifyHfStage, verifyMetaStage } = await import("./verify-stage.js");
    verify =
      download.source === "meta"
        ? yield* verifyMetaStage({ dir: download.result.dir, signal })
        : verifyHfStage(download.result);
    if (verify.ok !== verify.files) {
      const bad = verify.results.filter((r) => r.status !== "OK").map((r) => `${r.path} (${r.status})`);
      throw new LlamagateError(
        "VERIFY_FAILED",
        "integrity",
        `${bad.length} file(s) failed verification: ${bad.slice(0, 5).join(", ")}.`,
        {
          hint: "Run the same command again: files that fail their checksum are fetched again.",
          details: { files: bad },
        },
      );
    }
    // Nothing re-hashed after a download that moved nothing: the verification is from an earlier run.
    const verifiedBefore = verify.rehashed === 0 && upToDate.includes("download");
    if (verifiedBefore) upToDate.push("verify");
    yield timed("verify", t0, verifiedBefore);
  }

  // 3b. Sign what was verified, before anything is made from it; the digests come from the download's records.
  const signatures: PipelineSummary["signatures"] = [];
  if (p.sign) {
    const { signStage } = await import("./sign-stage.js");
    for (const path of convertInputs(download, p.models)) {
      signatures.push(
        await signStage({
          path,
          privateKeyPem: p.sign.privateKeyPem,
          // A --local-dir's own bookkeeping (huggingface_hub's metadata and locks) is not model content.
          ...(download.source === "hf" ? { ignorePaths: [".cache/huggingface"] } : {}),
          ...(signal ? { signal } : {}),
        }),
      );
      yield { type: "signed", ...signatures[signatures.length - 1]! };
    }
  }

  // 4. Convert.
  let convert: PipelineSummary["convert"] = null;
  if (!p.convert) {
    yield { type: "stage-skipped", stage: "convert", reason: "no output format asked for" };
  } else {
    t0 = performance.now();
    yield { type: "stage-start", stage: "convert" };
    const { convertStage } = await import("./convert-stage.js");
    const outputs: PipelineConvertOutput[] = [];
    for (const input of convertInputs(download, p.models)) {
      const hfCache = download.source === "hf" && download.result.mode === "cache";
      const repoName = download.source === "hf" ? download.result.repoId.split("/").pop()! : undefined;
      outputs.push(
        yield* convertStage({
          input,
          to: p.convert.to,
          ...(p.convert.dtype ? { dtype: p.convert.dtype } : {}),
          ...(p.convert.out ? { out: p.convert.out } : {}),
          ...(hfCache
            ? { outDir: p.convert.outDir ?? ".", name: repoName }
            : p.convert.outDir
              ? { outDir: p.convert.outDir }
              : {}),
          ...(signal ? { signal } : {}),
        }),
      );
    }
    const fresh = outputs.every((o) => !o.converted);
    if (fresh) upToDate.push("convert");
    convert = { outputs, seconds: (performance.now() - t0) / 1000 };
    yield timed("convert", t0, fresh);
  }

  // 5. Smoke test: on the first GGUF output; with only a Hugging Face output, through its cached GGUF (as
  // `llamagate smoke-test <hf folder>` runs it), cross-checked against the source weights either way.
  let smokeTest: PipelineSummary["smokeTest"] = null;
  const gguf = convert?.outputs.find((o) => o.format === "gguf");
  const hfOut = convert?.outputs.find((o) => o.format === "hf");
  if (!p.smokeTest) {
    yield { type: "stage-skipped", stage: "smoke-test", reason: "not asked for" };
  } else if (!gguf && !hfOut) {
    yield { type: "stage-skipped", stage: "smoke-test", reason: "no converted output to run (--to gguf or hf)" };
  } else {
    t0 = performance.now();
    yield { type: "stage-start", stage: "smoke-test" };
    let path = gguf?.path;
    if (!path) {
      const { cachedGgufIter } = await import("./cached-gguf.js");
      const cacheDir = p.smokeTest.cacheDir ?? ggufCacheDir(p.smokeTest.env);
      const cached = cachedGgufIter({ dir: hfOut!.path, cacheDir, ...(signal ? { signal } : {}) });
      path = (await drainIter(cached)).path;
    }
    const stage = p.smokeStage ?? (await import("./llama-smoke-stage.js")).llamaSmokeStage;
    const source = gguf?.input ?? hfOut!.input;
    const { cacheDir: _cacheDir, ...smokeParams } = p.smokeTest;
    const it = stage({ path, sourceDir: source, ...smokeParams, ...(signal ? { signal } : {}) });
    const result = yield* mapEvents(it, (event) => ({ type: "smoke-event" as const, event }));
    smokeTest = { ...result, path };
    await recordSmokeResult({ gguf: path, result }); // for the BOM (issue 19)
    yield timed("smoke-test", t0, false);
  }

  return {
    ok: true,
    models: p.models.map((m) => m.name),
    license,
    download,
    verify,
    convert,
    smokeTest,
    signatures,
    upToDate,
    seconds: (performance.now() - started) / 1000,
  };
}

/** Drain runPipelineIter and return its summary. */
export async function runPipeline(
  p: RunPipelineParams & { onEvent?: (e: PipelineEvent) => void },
): Promise<PipelineSummary> {
  return drainIter(runPipelineIter(p), p.onEvent);
}

/** The model folders to convert: each Meta model's folder, or the Hugging Face snapshot / local dir. */
function convertInputs(download: PipelineDownloadResult, models: readonly CatalogModel[]): string[] {
  if (download.source === "hf") return [download.result.path];
  return dedupe(models).map((m) => join(download.result.dir, m.meta?.folder ?? m.name));
}

/** The run's source (its code loaded now), with the parameters of its download. */
async function bindPipelineSource(
  p: RunPipelineParams,
  engine: RunPipelineParams["engine"] & { signal?: AbortSignal },
): Promise<BoundSource<PipelineEvent, SourcePlanFacts, PipelineDownloadResult>> {
  const { kind, ...params } = p.source;
  if (kind === "meta") {
    const meta = params as Omit<Extract<PipelineSource, { kind: "meta" }>, "kind">;
    return bindSource(await sourceFor("meta"), { ...engine, ...meta, models: p.models }, (result) => ({
      source: "meta" as const,
      result,
    }));
  }
  const hf = params as Omit<Extract<PipelineSource, { kind: "hf" }>, "kind">;
  return bindSource(await sourceFor("hf"), { ...engine, ...hf }, (result) => ({ source: "hf" as const, result }));
}

function dedupe(models: readonly CatalogModel[]): CatalogModel[] {
  return [...new Map(models.map((m) => [m.name, m])).values()];
}
