import type { RegistrySession } from "./create-registry-session.js";
import { NotAModelArtifactError } from "./errors.js";
import { OCI_INDEX } from "./media-types.js";
import { registryFailure } from "./registry-failure.js";

/** One entry of a referrers list (the referrers API's answer or the fallback tag's index). */
export interface ReferrerDescriptor {
  mediaType: string;
  digest: string;
  size: number;
  artifactType?: string;
  annotations?: Record<string, string>;
}

/** An image index listing referrers. */
export interface ReferrersIndex {
  schemaVersion: 2;
  mediaType: typeof OCI_INDEX;
  manifests: ReferrerDescriptor[];
}

/**
 * The index under the referrers fallback tag `sha256-<hex>` of a subject (OCI distribution-spec 1.1 "referrers tag
 * schema"), or undefined when there is none. Entries that are not well-formed descriptors are dropped.
 */
export async function readReferrersTagIndex(params: {
  session: RegistrySession;
  /** "sha256:<hex>" of the subject manifest. */
  subjectDigest: string;
}): Promise<ReferrersIndex | undefined> {
  const { session } = params;
  const tag = params.subjectDigest.replace(":", "-");
  const r = await session.request({
    method: "GET",
    path: `/v2/${session.repository}/manifests/${tag}`,
    access: "pull",
    headers: { accept: OCI_INDEX },
    followRedirects: true,
  });
  if (r.status === 404) return undefined;
  if (r.status !== 200) throw registryFailure(r, `download of the referrers index ${tag}`, session);
  return parseReferrersIndex(r.body, r.truncated, `the referrers index ${tag}`);
}

/** Parse an index of referrers (untrusted JSON): keeps the descriptors with a sha256 digest and a size. */
export function parseReferrersIndex(body: Buffer, truncated: boolean, what: string): ReferrersIndex {
  const bad = (why: string) => new NotAModelArtifactError(`The registry's ${what} is not an image index: ${why}.`);
  if (truncated) throw bad("it is larger than 4 MiB");
  let m: { manifests?: unknown };
  try {
    m = JSON.parse(body.toString("utf8")) as { manifests?: unknown };
  } catch {
    throw bad("it is not JSON");
  }
  if (typeof m !== "object" || m === null || !Array.isArray(m.manifests)) throw bad("it has no manifests list");
  const manifests: ReferrerDescriptor[] = [];
  for (const d of m.manifests as Record<string, unknown>[]) {
    if (typeof d !== "object" || d === null) continue;
    if (typeof d.digest !== "string" || !/^sha256:[a-f0-9]{64}$/.test(d.digest)) continue;
    if (typeof d.size !== "number" || !Number.isSafeInteger(d.size) || d.size < 0) continue;
    manifests.push({
      mediaType: typeof d.mediaType === "string" ? d.mediaType : "",
      digest: d.digest,
      size: d.size,
      ...(typeof d.artifactType === "string" ? { artifactType: d.artifactType } : {}),
      ...(d.annotations && typeof d.annotations === "object"
        ? { annotations: d.annotations as Record<string, string> }
        : {}),
    });
  }
  return { schemaVersion: 2, mediaType: OCI_INDEX, manifests };
}
