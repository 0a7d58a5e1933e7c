import type { RegistrySession } from "./create-registry-session.js";
import { OCI_MANIFEST } from "./media-types.js";
import { registryFailure } from "./registry-failure.js";

/**
 * PUT the manifest under a tag (after every blob it names is on the registry). Returns the digest the
 * registry reports (Docker-Content-Digest), and the `OCI-Subject` header a registry with the referrers API sends
 * back for a manifest that has a `subject` (absent: the client must keep the `sha256-<hex>` tag index itself).
 */
export async function pushManifest(params: {
  session: RegistrySession;
  /** Tag (or digest) to store it under. */
  reference: string;
  /** The exact bytes. */
  manifest: Buffer;
  /** @default the OCI image manifest type */
  mediaType?: string;
}): Promise<{ digest?: string; ociSubject?: string }> {
  const { session } = params;
  const r = await session.request({
    method: "PUT",
    path: `/v2/${session.repository}/manifests/${params.reference}`,
    access: "push",
    headers: { "content-type": params.mediaType ?? OCI_MANIFEST, "content-length": String(params.manifest.length) },
    body: () => params.manifest,
    idempotent: true,
  });
  if (r.status !== 201 && r.status !== 200)
    throw registryFailure(r, `upload of the manifest ${params.reference}`, session);
  const one = (h: string | string[] | undefined) => (Array.isArray(h) ? h[0] : h);
  const digest = one(r.headers["docker-content-digest"]);
  const ociSubject = one(r.headers["oci-subject"]);
  return { ...(digest ? { digest } : {}), ...(ociSubject ? { ociSubject } : {}) };
}
