// The public library API of llamagate: named exports only. package.json "exports" points here, so everything
// else under dist/ is internal. docs/library.md has an example per export.

// The whole flow: license gate -> download -> verify -> convert -> smoke test.
export { runPipeline, runPipelineIter } from "./pipeline/run-pipeline.js";
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
export { licenseGate, type LicenseGateParams, type LicenseGateResult } from "./pipeline/license-gate.js";
export type { Evaluation, Verdict, Reason, Obligation, LicenseFamily } from "./license/types.js";

// The catalog.
export { CATALOG, type CatalogModel } from "./catalog/models.js";
export { findModel, nearestModelNames } from "./catalog/find-model.js";

// Downloads: each source alone (no license gate: use runPipeline for that), and the transfer engine.
export {
  downloadMeta,
  downloadMetaIter,
  type DownloadMetaParams,
  type MetaDownloadEvent,
  type MetaDownloadSummary,
} from "./sources/meta/download-meta.js";
export {
  downloadHf,
  downloadHfIter,
  type DownloadHfParams,
  type HfDownloadEvent,
  type HfDownloadSummary,
} from "./sources/hf/download-hf.js";
export { downloadFiles, downloadFilesIter } from "./download/download-files.js";
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
export { signModel, type SignModelParams, type SignModelResult } from "./provenance/oms/sign-model.js";
export type { KnownDigest, KnownDigests } from "./provenance/oms/hash-model-for-signing.js";
export {
  verifyModelSignature,
  type VerifyModelSignatureParams,
  type VerifyModelSignatureResult,
} from "./provenance/oms/verify-model-signature.js";
export { SignatureError, SignatureNotAttachedError } from "./provenance/errors.js";
export { verifyStagedSignature } from "./fleet/verify-staged-signature.js";
export type { SignatureTrust } from "./fleet/choose-model-signature.js";
export { buildModelBom, type BuildModelBomParams } from "./provenance/bom/build-model-bom.js";
export { verifyAgainstBom, type VerifyAgainstBomResult } from "./provenance/verify/verify-against-bom.js";
export type { ReferenceFileResult } from "./provenance/verify/verify-against-digests.js";

// Verify.
export {
  verifyChecklists,
  type VerifyChecklistsResult,
  type VerifyFileResult,
  type VerifyStatus,
} from "./verify/verify-checklists.js";

// Convert.
export {
  convertCheckpoint,
  convertCheckpointIter,
  type ConvertCheckpointParams,
} from "./convert/convert-checkpoint.js";
export type { ConvertEvent, ConvertResult } from "./convert/convert-events.js";

// Format readers.
export { openPth } from "./formats/pth/open-pth.js";
export { openSafetensors, type SafetensorsSource } from "./formats/safetensors/open-safetensors.js";
export { openGguf, type GgufFile, type GgufTensor } from "./formats/gguf/open-gguf.js";
export {
  readSentencePiece,
  parseSentencePiece,
  type SentencePieceModel,
} from "./formats/sentencepiece/read-sentencepiece.js";
export { readTiktoken, parseTiktoken, type TiktokenRanks } from "./formats/tiktoken/read-tiktoken.js";

// Smoke test: a GGUF on llama.cpp (GPU if usable), cross-checked by the pure-TS reference.
export { smokeTest, smokeTestIter } from "./infer/smoke-test/smoke-test.js";
export type {
  SmokeTestParams,
  SmokeTestResult,
  SmokeTestEvent,
  SmokeReferenceResult,
  SmokeDevice,
} from "./infer/smoke-test/types.js";
export { smokeTestModel, smokeTestModelIter } from "./pipeline/smoke-test-model.js";
export type { SmokeTestModelParams, SmokeTestModelResult, SmokeTestModelEvent } from "./pipeline/smoke-test-model.js";
export { probeBackends, type ProbeBackendsResult, type BackendProbe } from "./infer/smoke-test/probe-backends.js";
export { defaultThreads, type ThreadChoice } from "./core/default-threads.js";

// Fleets: manifests, OCI registries, air-gapped bundles.
export { provisionModels, type ProvisionModelsParams, type ProvisionReport } from "./fleet/provision-models.js";
export { pushOciIter, type PushOciParams, type PushOciEvent, type PushOciSummary } from "./fleet/push-oci.js";
export { pullOciIter, type PullOciParams, type PullOciEvent, type PullOciSummary } from "./fleet/pull-oci.js";
export {
  resolveRegistryCredentials,
  type ResolveRegistryCredentialsParams,
  type ResolvedRegistryCredentials,
} from "./sources/oci/resolve-registry-credentials.js";
export { selectOciLicenseModels, type OciLicenseSelection } from "./fleet/select-oci-license-models.js";
export { packBundle, type PackBundleParams, type PackBundleSummary } from "./fleet/pack-bundle.js";
export { unpackBundle, type UnpackBundleResult } from "./formats/tar/unpack-bundle.js";

// Exit codes: the table the CLI maps error categories to (docs/exit-codes.md).
export { EXIT_CODES, exitCodeForCategory } from "./cli/exit-codes.js";

// Errors: one base class (stable `code`, `category`, `hint`) and a subclass per domain.
export { LlamagateError, isLlamagateError } from "./core/errors.js";
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
