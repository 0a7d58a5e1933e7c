import type { RegistrySession } from "./create-registry-session.js";
import type { ReferrerMode } from "./attach-referrer.js";
import { OCI_INDEX } from "./media-types.js";
import { parseReferrersIndex, readReferrersTagIndex, type ReferrerDescriptor } from "./read-referrers-tag-index.js";

/**
 * The referrers of a manifest with the given artifactType: `GET /v2/<name>/referrers/<digest>` where the registry
 * has the referrers API, else the `sha256-<hex>` fallback tag's index (a registry without the API answers 404, or
 * anything but 200). Empty when none is attached.
 */
export async function listReferrers(params: {
  session: RegistrySession;
  /** "sha256:<hex>" of the subject manifest. */
  subjectDigest: string;
  /** Only referrers of this type. */
  artifactType: string;
}): Promise<{ referrers: ReferrerDescriptor[]; via: ReferrerMode }> {
  const { session } = params;
  const r = await session.request({
    method: "GET",
    path: `/v2/${session.repository}/referrers/${params.subjectDigest}`,
    access: "pull",
    headers: { accept: OCI_INDEX },
    followRedirects: true,
  });
  const ct = String(r.headers["content-type"] ?? "");
  if (r.status === 200 && ct.startsWith(OCI_INDEX)) {
    const index = parseReferrersIndex(r.body, r.truncated, "referrers list");
    return { referrers: index.manifests.filter((d) => d.artifactType === params.artifactType), via: "referrers-api" };
  }
  const index = await readReferrersTagIndex({ session, subjectDigest: params.subjectDigest });
  return {
    referrers: (index?.manifests ?? []).filter((d) => d.artifactType === params.artifactType),
    via: "tag-schema",
  };
}
