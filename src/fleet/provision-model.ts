/**
 * One manifest model through the pipeline: Meta and Hugging Face models run runPipelineIter (license gate →
 * download → convert → smoke test); an OCI artifact runs the OCI source (as pull: check, plan, the license-gate
 * selection `pull` uses on what they found, fetch), with credentials looked up for its own registry.
 * A manifest may ask for several outputs: the pipeline makes the first (the GGUF one when the smoke test is asked
 * for), further ones are converted here. A dry run is the same sources stopped after their plan (check and plan,
 * with the license gate where the real run has it, checking without prompting or recording), before any weight
 * byte: a check that would stop the real run fails the dry run too. provision-models.ts only sees
 * ProvisionModelReport.
 */
import { readFile, stat } from "node:fs/promises";
import { basename, dirname, join, resolve } from "node:path";
import { findModel } from "../catalog/find-model.js";
import type { CatalogModel } from "../catalog/models.js";
import { convertCheckpoint } from "../convert/convert-checkpoint.js";
import { recordConversion } from "../pipeline/record-conversion.js";
import type { OutDType } from "../model/create-caster.js";
import { LlamagateError, UsageError } from "../core/errors.js";
import type { EngineOptions } from "../download/types.js";
import type { RegistryCredentials } from "../sources/oci/create-registry-session.js";
import type { SourcePlanFacts } from "../sources/model-source.js";
import { sourceFor } from "../sources/source-for.js";
import { bindSource, type BoundSource } from "../pipeline/bind-source.js";
import type { PipelineSource } from "../pipeline/pipeline-types.js";
import { runPipelineIter } from "../pipeline/run-pipeline.js";
import { licenseGate, type LicenseGateParams } from "../pipeline/license-gate.js";
import type { ProvisionModelSpec } from "./parse-provision-manifest.js";
import { provisionHint } from "./provision-hint.js";
import { ociSourceParams } from "./oci-source-params.js";
import type { SignatureTrust } from "./choose-model-signature.js";
import { selectOciLicenseModels } from "./select-oci-license-models.js";
import { loadEcKey } from "../provenance/oms/load-signing-key.js";
import { parseOciReference } from "../sources/oci/parse-oci-reference.js";
import { drainIter } from "../core/drain-iter.js";
import { tryFindModel } from "../catalog/try-find-model.js";

export interface ProvisionModelParams {
  spec: ProvisionModelSpec;
  /** The license inputs (the manifest's `license`), without the model. */
  license: Omit<LicenseGateParams, "model" | "command" | "signal">;
  /** The signed URL read from spec.metaUrlEnv (meta). */
  metaUrl?: string;
  /** The private key (PEM) read from spec.sign.privateKeyEnv (secret: never reported). */
  signKeyPem?: string;
  hf: { cacheDir: string; endpoint: string; token?: string };
  /**
   * The registry credential lookup, asked once per OCI model with that model's registry host[:port]
   * (resolveRegistryCredentials): a registry never gets another registry's credentials.
   */
  registryCredentials?: (registry: string) => Promise<RegistryCredentials | undefined>;
  /** Registry session settings: metadata time limit (ms), token-service hosts allowed on another host. */
  registry?: { metadataTimeoutMs?: number; allowTokenRealmHosts?: readonly string[] };
  engine?: Omit<EngineOptions, "signal">;
  /**
   * Plan only: the same checks as the real run (license verdict and acceptance, access), then files and disk
   * needed; no weight byte is transferred, nothing is written or recorded. A check that fails fails the model.
   */
  dryRun?: boolean;
  /** The environment the smoke test's llama.cpp child starts from (its allow-listed variables). @default process.env */
  env?: NodeJS.ProcessEnv;
  signal?: AbortSignal;
}

export interface ProvisionModelReport {
  name: string;
  source: "meta" | "hf" | "oci";
  status: "provisioned" | "up-to-date" | "failed" | "planned";
  bytesDownloaded: number;
  /** Where the weights are, then every conversion output. */
  outputs: string[];
  license: { verdict: string; model: string } | null;
  /** Dry run: bytes the weights would take (already present files excluded where known). */
  diskNeeded?: number;
  /** Dry run: what would be fetched and converted. */
  plan?: { files: number; convert: string[] };
  /** The signatures written (`sign`): one `model.sig` path per signed model folder. */
  signatures?: string[];
  notes: string[];
  error?: { code: string; category: string; message: string; hint?: string };
}

/** Run one model; never throws for the model's own failures (they are reported), only for aborts. */
export async function provisionModel(p: ProvisionModelParams): Promise<ProvisionModelReport> {
  const { spec } = p;
  const report: ProvisionModelReport = {
    name: spec.name,
    source: spec.source,
    status: "failed",
    bytesDownloaded: 0,
    outputs: [],
    license: null,
    notes: [],
  };
  try {
    const converts = (spec.convert ?? []).map(parseConvert);
    let weightsDir: string;
    let plannedFiles = 0;
    let planned = 0;
    const plannedReport = () => {
      report.status = "planned";
      report.diskNeeded = planned;
      report.plan = { files: plannedFiles, convert: spec.convert ?? [] };
      return report;
    };
    // The gate of the real run; a dry run checks the same (same errors) without prompting or recording.
    const gate = async (model: CatalogModel) => {
      const g = await licenseGate({
        ...p.license,
        model,
        command: "provision",
        hintsFor: "manifest",
        checkOnly: p.dryRun,
        signal: p.signal,
      });
      report.license = { verdict: g.verdict, model: model.name };
    };
    const engine = { ...p.engine, signal: p.signal };
    const sign = spec.sign ? signKeyOf(spec, p.signKeyPem) : undefined;
    const pipelineOutputs: string[] = [];
    let pipelineConverted = false;
    if (spec.source === "meta" || spec.source === "hf") {
      const model = spec.source === "meta" ? findModel({ name: spec.name }) : tryFindModel({ name: spec.name });
      let source: PipelineSource;
      if (spec.source === "meta") {
        if (!p.metaUrl)
          throw new UsageError(`${spec.name}: the environment variable ${spec.metaUrlEnv} (metaUrlEnv) is not set.`, {
            code: "META_URL_ENV_UNSET",
            hint: `Export ${spec.metaUrlEnv} with the signed URL from Meta's email.`,
          });
        source = { kind: "meta", url: p.metaUrl, dir: resolve(spec.dir ?? ".") };
      } else {
        const repoId = spec.name.includes("/") ? spec.name : (model?.hfRepo ?? spec.name);
        const localDir = spec.dir ? resolve(spec.dir) : undefined;
        if (!localDir && converts.length)
          throw new UsageError(
            `models: ${spec.name} converts, so it needs a dir (the Hugging Face cache is not a place for outputs).`,
            { code: "BAD_MANIFEST" },
          );
        if (!model) report.notes.push(`${repoId} is not in llamagate's catalog: no Llama license check applies.`);
        source = {
          kind: "hf",
          repoId,
          revision: spec.revision,
          include: spec.include,
          exclude: spec.exclude,
          localDir,
          cacheDir: p.hf.cacheDir,
          endpoint: p.hf.endpoint,
          token: p.hf.token,
        };
      }
      if (p.dryRun) {
        // Check and plan, then stop, in the real run's order: a check that makes no request (Meta's link) comes
        // before the gate (which checks without prompting or recording), the Hub's after it.
        const bound = await boundDownload(source, model, engine);
        try {
          if (bound.checkIsOffline) await drainIter(bound.check());
          if (model) await gate(model);
          const plan = await drainIter(bound.plan());
          plannedFiles = plan.files;
          planned = plan.bytesNeeded;
        } finally {
          await bound.discard();
        }
        return plannedReport();
      }
      // The pipeline makes one output: the GGUF one when the smoke test needs it, else the first asked for.
      const first = (spec.smokeTest ? converts.find((c) => c.to === "gguf") : undefined) ?? converts[0];
      const it = runPipelineIter({
        models: model ? [model] : [],
        source,
        license: p.license,
        command: "provision",
        engine: p.engine,
        verify: false,
        ...(sign ? { sign } : {}),
        convert: first ? { to: first.to, dtype: first.dtype, out: undefined } : false,
        smokeTest: spec.smokeTest ? { ...(p.env ? { env: p.env } : {}) } : false,
        signal: p.signal,
      });
      const s = await drainIter(it);
      for (const l of s.license) report.license = { verdict: l.gate.verdict, model: l.model };
      if (s.signatures.length) report.signatures = s.signatures.map((x) => x.signaturePath);
      if (s.download.source === "meta") {
        report.bytesDownloaded = s.download.result.totals.bytesTransferred;
        weightsDir = join(s.download.result.dir, model!.meta!.folder);
      } else {
        report.bytesDownloaded = s.download.result.bytesTransferred;
        weightsDir = s.download.result.path;
      }
      for (const o of s.convert?.outputs ?? []) {
        pipelineOutputs.push(o.path);
        if (o.converted) pipelineConverted = true;
        weightsDir = o.input;
      }
      if (first) converts.splice(converts.indexOf(first), 1);
      if (s.smokeTest) {
        report.notes.push(
          `smoke test: ${s.smokeTest.tokens.length} tokens on ${s.smokeTest.backend}, ` +
            `${s.smokeTest.tokensPerSecond.toFixed(1)} tokens/s (${s.smokeTest.path})`,
        );
      }
    } else {
      const dir = resolve(spec.dir!);
      const registry = parseOciReference(spec.name).registry;
      const bound = bindSource(
        await sourceFor("oci"),
        ociSourceParams({
          ...engine,
          ref: spec.name,
          dir,
          plainHttp: spec.plainHttp,
          ...(spec.signature ? { requireSignature: await readSignatureTrust(spec.signature) } : {}),
          credentials: await p.registryCredentials?.(registry),
          ...p.registry,
        }),
        (summary) => summary,
      );
      try {
        // Check (manifest, config, signature, LICENSE) and plan, then the license gate on what they found; a dry
        // run stops there.
        const plan = await drainIter(bound.plan());
        // The one license-gate selection pull uses: config model or family, and the LICENSE file's family.
        const { models, notes } = selectOciLicenseModels({
          ref: plan.info.ref,
          config: plan.info.config,
          ...(plan.info.licenseText !== undefined ? { licenseText: plan.info.licenseText } : {}),
        });
        report.notes.push(...notes);
        for (const model of models) await gate(model);
        plannedFiles = plan.files;
        planned = plan.bytesNeeded;
        if (p.dryRun) return plannedReport();
        const s = await drainIter(bound.fetch());
        report.bytesDownloaded = s.bytesTransferred;
        weightsDir = s.dir;
      } finally {
        await bound.discard();
      }
    }
    report.outputs.push(weightsDir, ...pipelineOutputs);
    let converted = pipelineConverted;
    for (const c of converts) {
      const out = defaultOut(weightsDir, c);
      if (await upToDate(out, weightsDir)) {
        report.outputs.push(out);
        continue;
      }
      const r = await convertCheckpoint({
        input: weightsDir,
        to: c.to,
        dtype: c.dtype,
        out,
        force: true,
        signal: p.signal,
      });
      await recordConversion({ result: r, input: weightsDir, signal: p.signal });
      converted = true;
      report.outputs.push(r.output);
    }
    if (spec.smokeTest && spec.source === "oci")
      report.notes.push("smokeTest: not run for OCI artifacts yet; run `llamagate smoke-test` on the GGUF output.");
    report.status = report.bytesDownloaded === 0 && !converted ? "up-to-date" : "provisioned";
    return report;
  } catch (e) {
    if (p.signal?.aborted) throw e;
    const err =
      e instanceof LlamagateError ? e : new LlamagateError("INTERNAL", "internal", String((e as Error)?.message ?? e));
    report.status = "failed";
    report.error = {
      code: err.code,
      category: err.category,
      message: err.message,
      ...(err.hint ? { hint: provisionHint(err.hint) } : {}),
    };
    return report;
  }
}

/** A manifest model's Meta or Hub download, its source loaded and bound (the pipeline runs the same one). */
async function boundDownload(
  source: PipelineSource,
  model: CatalogModel | undefined,
  engine: Omit<EngineOptions, "signal"> & { signal?: AbortSignal },
): Promise<BoundSource<unknown, SourcePlanFacts, unknown>> {
  const { kind, ...params } = source;
  if (kind === "meta") {
    const meta = params as Omit<Extract<PipelineSource, { kind: "meta" }>, "kind">;
    return bindSource(await sourceFor("meta"), { ...engine, ...meta, models: model ? [model] : [] }, (r) => r);
  }
  const hf = params as Omit<Extract<PipelineSource, { kind: "hf" }>, "kind">;
  return bindSource(await sourceFor("hf"), { ...engine, ...hf }, (r) => r);
}

function parseConvert(s: string): { to: "hf" | "gguf"; dtype?: OutDType; label: string } {
  const [to, dtype] = s.split(":") as ["hf" | "gguf", string | undefined];
  return { to, dtype: dtype?.toUpperCase() as OutDType | undefined, label: s };
}

/** The output path convert would pick by default, with the dtype in a GGUF name so several can coexist. */
function defaultOut(input: string, c: { to: "hf" | "gguf"; dtype?: string }): string {
  const base = join(dirname(input), basename(input));
  const d = c.dtype?.toLowerCase();
  if (c.to === "hf") return `${base}-hf${d ? `-${d}` : ""}`;
  return d ? `${base}-${d}.gguf` : `${base}.gguf`;
}

/** An output newer than every input file is up to date (a rerun does not convert again). */
async function upToDate(out: string, input: string): Promise<boolean> {
  const o = await stat(out).catch(() => undefined);
  if (!o) return false;
  const i = await stat(input).catch(() => undefined);
  return Boolean(i && o.mtimeMs >= i.mtimeMs);
}

/** The manifest's `sign` key, from its environment variable, checked before anything is fetched. */
function signKeyOf(spec: ProvisionModelSpec, pem: string | undefined): { privateKeyPem: string } {
  const env = spec.sign!.privateKeyEnv;
  if (spec.source === "oci")
    throw new UsageError(
      `models: ${spec.name}: sign is for meta and hf models (a pulled model keeps its own signature).`,
      {
        code: "BAD_MANIFEST",
        hint: "Sign the model before pushing it (llamagate sign, then push), and use signature: to require it on pull.",
      },
    );
  if (!pem?.trim())
    throw new UsageError(`${spec.name}: the environment variable ${env} (sign.privateKeyEnv) is not set.`, {
      code: "SIGN_KEY_ENV_UNSET",
      hint: `Export ${env} with the signing key's PEM text (an ECDSA P-256, P-384 or P-521 private key).`,
    });
  loadEcKey(pem, "private", `The key in ${env}`);
  return { privateKeyPem: pem };
}

/** A manifest's `signature` field: the PEM files it names, read (paths as given, like `dir`). */
async function readSignatureTrust(sig: NonNullable<ProvisionModelSpec["signature"]>): Promise<SignatureTrust> {
  const read = (f: string, field: string) =>
    readFile(resolve(f)).catch(() => {
      throw new UsageError(`Cannot read ${field} ${f}.`, {
        code: "KEY_FILE_UNREADABLE",
        hint: `Check the path in the manifest's ${field} (relative paths are taken from the current folder).`,
      });
    });
  if (sig.publicKey) return { publicKeyPem: await read(sig.publicKey, "signature.publicKey") };
  return {
    certificateChainPems: await Promise.all(
      (sig.certificateChain ?? []).map((f) => read(f, "signature.certificateChain")),
    ),
  };
}
