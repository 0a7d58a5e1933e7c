// The public library API of llamagate: named exports only. package.json "exports" points here, so everything
// else under dist/ is internal. docs/library.md has an example per export. Operations load their module on first
// call (loadOnCall / loadOnIterate): importing the API, or starting the CLI, stays cheap whatever it exports.

import { loadOnCall } from "./core/load-on-call.js";
import { loadOnIterate } from "./core/load-on-iterate.js";

// The whole flow: license gate -> download -> verify -> convert -> smoke test.
export const runPipeline = loadOnCall(async () => (await import("./pipeline/run-pipeline.js")).runPipeline);
export const runPipelineIter = loadOnIterate(async () => (await import("./pipeline/run-pipeline.js")).runPipelineIter);
export type {
  RunPipelineParams,
  PipelineEvent,
  PipelineSummary,
  PipelineSource,
  PipelineConvertParams,
  PipelineSmokeParams,
  PipelineSignature,
  StageName,
} from "./pipeline/pipeline-types.js";
export type { SmokeStage, SmokeStageParams, SmokeStageResult, SmokeStageEvent } from "./pipeline/smoke-stage.js";

// License: the pure evaluator and the gate (acceptance + audit log).
export { evaluateLicense, type EvaluateLicenseInput } from "./license/evaluate-license.js";
export type { LicenseGateParams, LicenseGateResult } from "./pipeline/license-gate.js";
export const licenseGate = loadOnCall(async () => (await import("./pipeline/license-gate.js")).licenseGate);
export type { Evaluation, Verdict, Reason, Obligation, LicenseFamily } from "./license/types.js";

// The catalog.
export { CATALOG, type CatalogModel } from "./catalog/models.js";
export { findModel, nearestModelNames } from "./catalog/find-model.js";
export { tryFindModel } from "./catalog/try-find-model.js";

// Downloads: each source alone (no license gate: use runPipeline for that), and the transfer engine.
export type { DownloadMetaParams, MetaDownloadEvent, MetaDownloadSummary } from "./sources/meta/download-meta.js";
export const downloadMeta = loadOnCall(async () => (await import("./sources/meta/download-meta.js")).downloadMeta);
export const downloadMetaIter = loadOnIterate(
  async () => (await import("./sources/meta/download-meta.js")).downloadMetaIter,
);
export type { DownloadHfParams, HfDownloadEvent, HfDownloadSummary } from "./sources/hf/download-hf.js";
export const downloadHf = loadOnCall(async () => (await import("./sources/hf/download-hf.js")).downloadHf);
export const downloadHfIter = loadOnIterate(async () => (await import("./sources/hf/download-hf.js")).downloadHfIter);
export const downloadFiles = loadOnCall(async () => (await import("./download/download-files.js")).downloadFiles);
export const downloadFilesIter = loadOnIterate(
  async () => (await import("./download/download-files.js")).downloadFilesIter,
);
export { createRateLimiter, type RateLimiter } from "./download/create-rate-limiter.js";
// The one connection-pool factory: proxy rules (HTTPS_PROXY / HTTP_PROXY / NO_PROXY or an explicit proxy).
export { createDispatcher } from "./core/http/create-dispatcher.js";
export type {
  DownloadFilesParams,
  DownloadEvent,
  DownloadSummary,
  EngineOptions,
  TransferFile,
  ExpectedHash,
} from "./download/types.js";

// Provenance: OpenSSF model signatures (OMS v1.0).
export type { SignModelParams, SignModelResult } from "./provenance/oms/sign-model.js";
export const signModel = loadOnCall(async () => (await import("./provenance/oms/sign-model.js")).signModel);
export type { KnownDigest, KnownDigests } from "./provenance/oms/hash-model-for-signing.js";
export type {
  VerifyModelSignatureParams,
  VerifyModelSignatureResult,
} from "./provenance/oms/verify-model-signature.js";
export const verifyModelSignature = loadOnCall(
  async () => (await import("./provenance/oms/verify-model-signature.js")).verifyModelSignature,
);
export { SignatureError, SignatureNotAttachedError } from "./provenance/errors.js";
export const verifyStagedSignature = loadOnCall(
  async () => (await import("./fleet/verify-staged-signature.js")).verifyStagedSignature,
);
export type { SignatureTrust } from "./fleet/choose-model-signature.js";
export type { BuildModelBomParams } from "./provenance/bom/build-model-bom.js";
export const buildModelBom = loadOnCall(
  async () => (await import("./provenance/bom/build-model-bom.js")).buildModelBom,
);
export type { VerifyAgainstBomResult } from "./provenance/verify/verify-against-bom.js";
export const verifyAgainstBom = loadOnCall(
  async () => (await import("./provenance/verify/verify-against-bom.js")).verifyAgainstBom,
);
export type { ReferenceFileResult, VerifyAgainstDigestsResult } from "./provenance/verify/verify-against-digests.js";
// Verify any copy: a GGUF against its conversion record, a pulled/unpacked folder against its copy record; and the
// records themselves (what convert, pull and unpack write beside their outputs).
export type { VerifyGgufResult } from "./provenance/verify/verify-gguf.js";
export const verifyGguf = loadOnCall(async () => (await import("./provenance/verify/verify-gguf.js")).verifyGguf);
export type { VerifyCopyResult } from "./provenance/verify/verify-copy.js";
export const verifyCopy = loadOnCall(async () => (await import("./provenance/verify/verify-copy.js")).verifyCopy);
export const recordConversion = loadOnCall(
  async () => (await import("./pipeline/record-conversion.js")).recordConversion,
);
export const writeCopyRecord = loadOnCall(
  async () => (await import("./provenance/copy-record/write-copy-record.js")).writeCopyRecord,
);

// Verify.
export type { VerifyChecklistsResult, VerifyFileResult, VerifyStatus } from "./verify/verify-checklists.js";
export const verifyChecklists = loadOnCall(
  async () => (await import("./verify/verify-checklists.js")).verifyChecklists,
);

// Convert.
export type { ConvertCheckpointParams } from "./convert/convert-checkpoint.js";
export const convertCheckpoint = loadOnCall(
  async () => (await import("./convert/convert-checkpoint.js")).convertCheckpoint,
);
export const convertCheckpointIter = loadOnIterate(
  async () => (await import("./convert/convert-checkpoint.js")).convertCheckpointIter,
);
export type { ConvertEvent, ConvertResult } from "./convert/convert-events.js";

// Format readers.
export const openPth = loadOnCall(async () => (await import("./formats/pth/open-pth.js")).openPth);
export type { SafetensorsSource } from "./formats/safetensors/open-safetensors.js";
export const openSafetensors = loadOnCall(
  async () => (await import("./formats/safetensors/open-safetensors.js")).openSafetensors,
);
export type { GgufFile, GgufTensor } from "./formats/gguf/open-gguf.js";
export const openGguf = loadOnCall(async () => (await import("./formats/gguf/open-gguf.js")).openGguf);
export { parseSentencePiece, type SentencePieceModel } from "./formats/sentencepiece/read-sentencepiece.js";
export const readSentencePiece = loadOnCall(
  async () => (await import("./formats/sentencepiece/read-sentencepiece.js")).readSentencePiece,
);
export { parseTiktoken, type TiktokenRanks } from "./formats/tiktoken/read-tiktoken.js";
export const readTiktoken = loadOnCall(async () => (await import("./formats/tiktoken/read-tiktoken.js")).readTiktoken);

// Smoke test: a GGUF on llama.cpp (GPU if usable), cross-checked by the pure-TS reference.
export const smokeTest = loadOnCall(async () => (await import("./infer/smoke-test/smoke-test.js")).smokeTest);
export const smokeTestIter = loadOnIterate(
  async () => (await import("./infer/smoke-test/smoke-test.js")).smokeTestIter,
);
export type {
  SmokeTestParams,
  SmokeTestResult,
  SmokeTestEvent,
  SmokeReferenceResult,
  SmokeDevice,
} from "./infer/smoke-test/types.js";
export const smokeTestModel = loadOnCall(async () => (await import("./pipeline/smoke-test-model.js")).smokeTestModel);
export const smokeTestModelIter = loadOnIterate(
  async () => (await import("./pipeline/smoke-test-model.js")).smokeTestModelIter,
);
export type { SmokeTestModelParams, SmokeTestModelResult, SmokeTestModelEvent } from "./pipeline/smoke-test-model.js";
export type { ProbeBackendsResult, BackendProbe } from "./infer/smoke-test/probe-backends.js";
export const probeBackends = loadOnCall(
  async () => (await import("./infer/smoke-test/probe-backends.js")).probeBackends,
);
export { defaultThreads, type ThreadChoice } from "./core/default-threads.js";

// Fleets: manifests, OCI registries, air-gapped bundles.
export type { ProvisionModelsParams, ProvisionReport } from "./fleet/provision-models.js";
export const provisionModels = loadOnCall(async () => (await import("./fleet/provision-models.js")).provisionModels);
export type { PushOciParams, PushOciEvent, PushOciSummary } from "./fleet/push-oci.js";
export const pushOciIter = loadOnIterate(async () => (await import("./fleet/push-oci.js")).pushOciIter);
export type { PullOciParams } from "./fleet/pull-oci.js";
export type { PullOciEvent, PullOciSummary } from "./sources/oci/oci-pull-types.js";
export const pullOciIter = loadOnIterate(async () => (await import("./fleet/pull-oci.js")).pullOciIter);
export type {
  ResolveRegistryCredentialsParams,
  ResolvedRegistryCredentials,
} from "./sources/oci/resolve-registry-credentials.js";
export const resolveRegistryCredentials = loadOnCall(
  async () => (await import("./sources/oci/resolve-registry-credentials.js")).resolveRegistryCredentials,
);
export { selectOciLicenseModels, type OciLicenseSelection } from "./fleet/select-oci-license-models.js";
export type { PackBundleParams, PackBundleSummary } from "./fleet/pack-bundle.js";
export const packBundle = loadOnCall(async () => (await import("./fleet/pack-bundle.js")).packBundle);
export type { UnpackBundleResult } from "./formats/tar/extract-bundle.js";
export const unpackBundle = loadOnCall(async () => (await import("./fleet/unpack-bundle.js")).unpackBundle);

// License building blocks: the parsers the setup wizard and the flags share, acceptance, the audit log, the profile.
export type { AuditEntry } from "./license/audit-entry.js";
export type { OrgProfile } from "./license/org-profile.js";
export { LICENSE_DISCLAIMER, USES, type Rule } from "./license/types.js";
export { LICENSE_FAMILIES } from "./license/families.js";
export const acceptLicense = loadOnCall(async () => (await import("./license/accept-license.js")).acceptLicense);
export type { LicenseFileCheck } from "./license/check-license-file.js";
export const checkLicenseFile = loadOnCall(
  async () => (await import("./license/check-license-file.js")).checkLicenseFile,
);
export { parseMau } from "./license/parse-mau.js";
export { parseRegion } from "./license/parse-region.js";
export { parseUses } from "./license/parse-uses.js";
export const readAuditLog = loadOnCall(async () => (await import("./license/read-audit-log.js")).readAuditLog);
export const readProfile = loadOnCall(async () => (await import("./license/read-profile.js")).readProfile);

// Credentials: the Hub settings and token lookup every command uses, the stored token.
export type { ResolvedToken } from "./credentials/resolve-token.js";
export { checkTokenShape } from "./credentials/check-token-shape.js";
export { hubSettings, resolveHubToken, type HfEnvironment } from "./credentials/hub-settings.js";
export const removeStoredToken = loadOnCall(
  async () => (await import("./credentials/remove-stored-token.js")).removeStoredToken,
);
export type { StoredToken } from "./credentials/store-token.js";
export const storeToken = loadOnCall(async () => (await import("./credentials/store-token.js")).storeToken);

// Defaults and helpers shared by the CLI and the library: data folders, atomic writes, redaction, display formats.
export const readCappedText = loadOnCall(async () => (await import("./formats/io/read-capped-text.js")).readCappedText);
export { INTERRUPTED_HINT } from "./core/errors.js";
export { formatBytes } from "./core/format-bytes.js";
export { formatDuration, formatUtc } from "./sources/meta/format-time.js";
export { ggufCacheDir, licenseAuditLogPath, llamagateDataDir } from "./core/defaults/llamagate-paths.js";
export { redactText } from "./core/redact.js";
export const writeFileAtomic = loadOnCall(async () => (await import("./core/fs/write-file-atomic.js")).writeFileAtomic);

// Catalog, model, source and fleet details the CLI shows or parses.
export type { BundleManifest } from "./formats/tar/bundle-manifest.js";
export type { LicenseAcceptancePrompt } from "./pipeline/license-gate.js";
export type { LicenseFamilyId } from "./catalog/models.js";
export type { OciFetchInfo } from "./sources/oci/oci-pull-types.js";
export type { OutDType } from "./model/create-caster.js";
export type { PipelineLicenseParams } from "./pipeline/pipeline-types.js";
export type { RegistryCredentials } from "./sources/oci/create-registry-session.js";
export { DEFAULT_MAX_TOKENS, DEFAULT_PROMPT } from "./infer/smoke-test/smoke-defaults.js";
export { DEMO_ORG_MAU } from "./demo/demo-defaults.js";
export type { DemoEvent } from "./demo/run-demo.js";
export const runDemoIter = loadOnIterate(async () => (await import("./demo/run-demo.js")).runDemoIter);
export { GATED_READ_CHECKBOX } from "./sources/hf/errors.js";
export { LLAMA3_VERSIONS, type Llama3Version } from "./model/llama3-version.js";
export { SIGNATURE_ARTIFACT } from "./sources/oci/media-types.js";
export type { WhoamiInfo } from "./sources/hf/fetch-whoami.js";
export const fetchWhoami = loadOnCall(async () => (await import("./sources/hf/fetch-whoami.js")).fetchWhoami);
export const isHubFolder = loadOnCall(async () => (await import("./sources/hf/verify-hub-folder.js")).isHubFolder);
export const verifyHubFolder = loadOnCall(
  async () => (await import("./sources/hf/verify-hub-folder.js")).verifyHubFolder,
);
export { loadEcKey } from "./provenance/oms/load-signing-key.js";
export { parseOciReference } from "./sources/oci/parse-oci-reference.js";
export const parseProvisionManifest = loadOnCall(
  async () => (await import("./fleet/parse-provision-manifest.js")).parseProvisionManifest,
);

// Exit codes: the table the CLI maps error categories to (docs/exit-codes.md).
export { EXIT_CODES, exitCodeForCategory } from "./core/exit-codes.js";

// Errors: one base class (stable `code`, `category`, `hint`) and a subclass per domain.
export { LlamagateError, isLlamagateError } from "./core/errors.js";
export { ERROR_CODES, type ErrorCode } from "./core/error-codes.js";
export type { ErrorCategory } from "./core/errors.js";
export { CredentialStoreError, MalformedTokenError } from "./credentials/errors.js";
export {
  ChecksumMismatchError,
  HtmlInsteadOfFileError,
  HttpStatusError,
  RangeRefusedError,
  SizeMismatchError,
  TransferNetworkError,
} from "./download/errors.js";
export { CorruptFileError, UnsafeCheckpointError, UnsupportedFormatError } from "./formats/errors.js";
export { BundleError } from "./formats/tar/errors.js";
export { SmokeInputError, SmokeTestFailedError } from "./infer/smoke-test/errors.js";
export { LicenseBlockedError } from "./license/errors.js";
export { ConversionError } from "./model/errors.js";
export {
  EntryNotFoundError,
  GatedRepoLoginRequiredError,
  GatedRepoNotApprovedError,
  GatedRepoPendingError,
  HubAccessDeniedError,
  HubHttpError,
  HubListingMismatchError,
  HubProtocolError,
  InvalidRepoIdError,
  InvalidRevisionError,
  InvalidTokenError,
  NoFilesMatchedError,
  OfflineCacheMissError,
  RateLimitedError,
  RepoNotFoundError,
  RevisionNotFoundError,
  TokenLacksGatedPermissionError,
  UnsafeRepoPathError,
} from "./sources/hf/errors.js";
export {
  MetaHtmlPageError,
  MetaUrlInvalidError,
  SignedUrlExpiredError,
  SignedUrlRejectedError,
} from "./sources/meta/errors.js";
export {
  NotAModelArtifactError,
  RegistryAuthError,
  RegistryDigestMismatchError,
  RegistryNotFoundError,
  RegistryPlainHttpError,
  RegistryProtocolError,
  RegistryTimeoutError,
  RegistryTokenRealmError,
} from "./sources/oci/errors.js";
export { ChecklistError } from "./verify/errors.js";
export { FilesystemError, InterruptedError, UsageError } from "./core/errors.js";
