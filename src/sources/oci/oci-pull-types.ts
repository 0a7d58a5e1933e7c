import type { DownloadEvent, EngineOptions } from "../../download/types.js";
import type { RegistryCredentials } from "./create-registry-session.js";
import type { ModelConfigSummary } from "./parse-model-config.js";
import type { ModelLayer } from "./parse-model-artifact.js";

/** What the license gate learns between the OCI source's plan and fetch: the artifact's config, before any layer. */
export interface OciFetchInfo {
  ref: string;
  manifestDigest: string;
  config: ModelConfigSummary;
  layers: readonly ModelLayer[];
  /** The text of the artifact's LICENSE file (read before any weight layer), when it has one. */
  licenseText?: string;
}

/**
 * A required signature's two steps, handed in by the caller (src/fleet's ociSourceParams): signatures are
 * provenance, which the sources layer does not import. Each is bound to the trust (key or CA) the caller requires.
 */
export interface OciSignatureSteps {
  /**
   * Before any layer: of the signatures attached to the manifest (`candidates`), the one that verifies and lists
   * exactly the manifest's files. Throws SignatureNotAttachedError when there are none, SignatureError otherwise.
   */
  choose(p: {
    candidates: readonly Buffer[];
    files: readonly ModelLayer[];
    ref: string;
    manifestDigest: string;
    signal?: AbortSignal;
  }): Promise<Buffer>;
  /**
   * After the layers arrived in `staging`: verify the signature over exactly those files and only then move them
   * (and model.sig) into `dir`. A signature that does not hold removes the staging folder, and the folders this
   * pull made when `dirExisted` is false, then throws.
   */
  publish(p: {
    staging: string;
    dir: string;
    dirExisted: boolean;
    paths: readonly string[];
    signature: Buffer;
    ref: string;
    signal?: AbortSignal;
  }): Promise<void>;
}

/** What a pull records in its destination for `llamagate verify DIR` (the copy record, the caller's step writes it). */
export interface OciCopyRecordInput {
  dir: string;
  source: { kind: "oci"; ref: string; digest: string; configDigest: string };
  files: readonly { path: string; size: number; sha256: string }[];
  extra: readonly string[];
}

/** The OCI source's parameters. */
export interface OciSourceParams extends EngineOptions {
  /** `<registry>/<repository>:<tag>` or `...@sha256:<hex>`. */
  ref: string;
  /** Destination folder (files land at their `org.cncf.model.filepath`). */
  dir: string;
  /** http:// instead of https:// (loopback and test registries). */
  plainHttp?: boolean;
  /** Credentials for this registry only (resolveRegistryCredentials looks them up per host). */
  credentials?: RegistryCredentials;
  /** Time limit of each metadata exchange (manifest, config, tokens), in ms. @default 60000 */
  metadataTimeoutMs?: number;
  /** Token-service hosts allowed although on another host than the registry, or plain http. */
  allowTokenRealmHosts?: readonly string[];
  /** Require the model's signature, with these steps (see OciSignatureSteps); absent: none is required. */
  signature?: OciSignatureSteps;
  /** Writes the copy record once every file is in place (the caller's step: the record is provenance). */
  recordCopy: (record: OciCopyRecordInput) => Promise<void>;
}

export type PullOciEvent =
  | DownloadEvent
  | { type: "oci-resolved"; ref: string; digest: string; layers: number; totalBytes: number; model: string | null };

export interface PullOciSummary {
  ref: string;
  digest: string;
  dir: string;
  model: string | null;
  licenseFamily: string | null;
  files: { path: string; size: number; sha256: string; downloaded: boolean }[];
  bytesTransferred: number;
  /** With requireSignature: the signature referrer that verified (its manifest digest); it is written as model.sig. */
  signature?: { digest: string };
  seconds: number;
}
