/** The OpenSSF model signing (OMS v1.0) shapes llamagate reads and writes (ossf/model-signing-spec). */

export const BUNDLE_MEDIA_TYPE = "application/vnd.dev.sigstore.bundle.v0.3+json";
export const INTOTO_PAYLOAD_TYPE = "application/vnd.in-toto+json";
export const STATEMENT_TYPE = "https://in-toto.io/Statement/v1";
export const OMS_PREDICATE_TYPE = "https://model_signing/signature/v1.0";
/** model_signing 0.2's predicate: one subject per file, no root digest. */
export const OMS_V01_PREDICATE_TYPE = "https://model_signing/Digests/v0.1";
/** The reference implementation's default signature file name, inside the model folder. */
export const DEFAULT_SIGNATURE_NAME = "model.sig";
/** Paths model_signing never signs (it records them in ignore_paths). */
export const DEFAULT_IGNORE_PATHS = [".git", ".gitattributes", ".github", ".gitignore"];

/** One signed file: its path relative to the model folder ("." for a single-file model) and its digest. */
export interface OmsResource {
  name: string;
  algorithm: "sha256";
  digest: string;
}

export interface OmsStatement {
  _type: typeof STATEMENT_TYPE;
  subject: { name: string; digest: { sha256: string } }[];
  predicateType: typeof OMS_PREDICATE_TYPE;
  predicate: {
    serialization: { method: "files"; hash_type: "sha256"; allow_symlinks: boolean; ignore_paths: string[] };
    resources: OmsResource[];
  };
}
