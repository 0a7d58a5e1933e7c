import type { Descriptor } from "./build-model-artifact.js";
import { buildReferrerManifest } from "./build-referrer-manifest.js";
import type { RegistrySession } from "./create-registry-session.js";
import { OCI_INDEX, OCI_MANIFEST } from "./media-types.js";
import { pushBlob } from "./push-blob.js";
import { pushManifest } from "./push-manifest.js";
import { readReferrersTagIndex } from "./read-referrers-tag-index.js";

/** How a referrer was made findable: the registry's referrers API, or the `sha256-<hex>` tag index. */
export type ReferrerMode = "referrers-api" | "tag-schema";

/**
 * Attach one file to a manifest as an OCI 1.1 referrer: upload the empty config and the file, PUT the referrer
 * manifest by its digest; when the registry does not answer `OCI-Subject` (no referrers API: CNCF distribution
 * 2.8/3.x), add it to the index under the fallback tag `sha256-<hex of the subject>` (read, add, PUT: the spec's
 * referrers tag schema; a referrer already listed is not added twice).
 */
export async function attachReferrer(params: {
  session: RegistrySession;
  /** The manifest the file is about (the model's). */
  subject: Descriptor;
  artifactType: string;
  bytes: Buffer;
  fileName: string;
  createdAt: string;
  signal?: AbortSignal;
}): Promise<{ digest: string; mode: ReferrerMode }> {
  const { session } = params;
  const ref = buildReferrerManifest(params);
  await pushBlob({
    session,
    digest: ref.configDescriptor.digest,
    size: ref.config.length,
    source: { bytes: ref.config },
    signal: params.signal,
  });
  await pushBlob({
    session,
    digest: ref.layer.digest,
    size: ref.layer.size,
    source: { bytes: params.bytes },
    signal: params.signal,
  });
  const put = await pushManifest({ session, reference: ref.digest, manifest: ref.manifest });
  if (put.ociSubject) return { digest: ref.digest, mode: "referrers-api" };

  const tag = `${params.subject.digest.replace(":", "-")}`;
  const index = (await readReferrersTagIndex({ session, subjectDigest: params.subject.digest })) ?? {
    schemaVersion: 2,
    mediaType: OCI_INDEX,
    manifests: [],
  };
  if (!index.manifests.some((d) => d.digest === ref.digest)) {
    index.manifests.push({
      mediaType: OCI_MANIFEST,
      digest: ref.digest,
      size: ref.manifest.length,
      artifactType: params.artifactType,
      annotations: { "org.opencontainers.image.created": params.createdAt },
    });
    await pushManifest({
      session,
      reference: tag,
      manifest: Buffer.from(JSON.stringify(index)),
      mediaType: OCI_INDEX,
    });
  }
  return { digest: ref.digest, mode: "tag-schema" };
}
