import type { RegistrySession } from "./create-registry-session.js";
import { NotAModelArtifactError } from "./errors.js";
import { fetchVerifiedBytes } from "./fetch-verified-bytes.js";
import { listReferrers } from "./list-referrers.js";
import { OCI_MANIFEST } from "./media-types.js";

/** Signature files larger than this are not fetched (an OMS bundle is a few KiB). */
const MAX_SIGNATURE_BYTES = 16 << 20;
/** At most this many signature referrers are fetched (the newest: listed last); a registry may list thousands. */
const MAX_CANDIDATES = 16;

/**
 * The files of a manifest's referrers of one artifactType (a model's signatures, newest listed last): each
 * referrer manifest and its file are fetched by digest and checked against it, and a referrer whose `subject` is not
 * this manifest is skipped (anyone who may push can add entries to the fallback tag's index); at most the last 16
 * are fetched. Empty when none.
 */
export async function fetchSignatureReferrers(params: {
  session: RegistrySession;
  /** "sha256:<hex>" of the model manifest. */
  subjectDigest: string;
  artifactType: string;
}): Promise<{ digest: string; bytes: Buffer }[]> {
  const { session } = params;
  const { referrers } = await listReferrers(params);
  const out: { digest: string; bytes: Buffer }[] = [];
  for (const d of referrers.slice(-MAX_CANDIDATES)) {
    const m = await fetchVerifiedBytes({
      session,
      path: `/v2/${session.repository}/manifests/${d.digest}`,
      accept: OCI_MANIFEST,
      digest: d.digest,
      what: "signature manifest",
    });
    let parsed: { subject?: { digest?: unknown }; layers?: { digest?: unknown; size?: unknown }[] };
    try {
      parsed = JSON.parse(m.bytes.toString("utf8"));
    } catch {
      throw new NotAModelArtifactError(`The signature manifest ${d.digest} is not JSON.`);
    }
    if (parsed?.subject?.digest !== params.subjectDigest) continue;
    const layer = Array.isArray(parsed.layers) ? parsed.layers[0] : undefined;
    if (
      typeof layer?.digest !== "string" ||
      !/^sha256:[a-f0-9]{64}$/.test(layer.digest) ||
      typeof layer.size !== "number" ||
      layer.size > MAX_SIGNATURE_BYTES
    )
      continue;
    const blob = await fetchVerifiedBytes({
      session,
      path: `/v2/${session.repository}/blobs/${layer.digest}`,
      digest: layer.digest,
      what: "signature",
    });
    out.push({ digest: d.digest, bytes: blob.bytes });
  }
  return out;
}
