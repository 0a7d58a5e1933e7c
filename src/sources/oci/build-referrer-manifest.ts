import { createHash } from "node:crypto";
import type { Descriptor } from "./build-model-artifact.js";
import { ANNOTATION_TITLE, OCI_EMPTY, OCI_MANIFEST } from "./media-types.js";

/** A referrer manifest (OCI 1.1): one file attached to a subject manifest. */
export interface ReferrerManifest {
  /** The manifest's exact bytes. */
  manifest: Buffer;
  /** "sha256:<hex>" of the manifest. */
  digest: string;
  /** The empty config blob (`{}`) it names. */
  config: Buffer;
  configDescriptor: Descriptor;
  /** The file's layer descriptor. */
  layer: Descriptor;
}

/**
 * Describe one file (a signature, a BOM) as an OCI 1.1 artifact that refers to `subject`: an image manifest with
 * `artifactType`, the empty config, the file as its only layer (name in `org.opencontainers.image.title`), and
 * `subject` = the model manifest's descriptor. Pure: no I/O.
 */
export function buildReferrerManifest(params: {
  /** The manifest it is attached to (the model's). */
  subject: Descriptor;
  /** What it is, e.g. application/vnd.dev.sigstore.bundle.v0.3+json. */
  artifactType: string;
  /** The file's bytes. */
  bytes: Buffer;
  /** The file's name (title annotation), e.g. model.sig. */
  fileName: string;
  /** ISO time recorded as org.opencontainers.image.created. */
  createdAt: string;
}): ReferrerManifest {
  const config = Buffer.from("{}");
  const configDescriptor: Descriptor = { mediaType: OCI_EMPTY, digest: sha256Digest(config), size: config.length };
  const layer: Descriptor = {
    mediaType: params.artifactType,
    digest: sha256Digest(params.bytes),
    size: params.bytes.length,
    annotations: { [ANNOTATION_TITLE]: params.fileName },
  };
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      artifactType: params.artifactType,
      config: configDescriptor,
      layers: [layer],
      subject: { mediaType: params.subject.mediaType, digest: params.subject.digest, size: params.subject.size },
      annotations: { "org.opencontainers.image.created": params.createdAt },
    }),
  );
  return { manifest, digest: sha256Digest(manifest), config, configDescriptor, layer };
}

function sha256Digest(b: Buffer): string {
  return `sha256:${createHash("sha256").update(b).digest("hex")}`;
}
