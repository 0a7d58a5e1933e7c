import { createHash } from "node:crypto";
import type { RegistrySession } from "./create-registry-session.js";
import { NotAModelArtifactError, RegistryDigestMismatchError } from "./errors.js";
import { MAX_METADATA_BYTES } from "./media-types.js";
import { registryFailure } from "./registry-failure.js";

/**
 * GET a small document (a manifest or a config blob) into memory, following redirects (credentials stay
 * with the registry's origin), refusing more than 4 MiB, and check its sha256 when the digest is known.
 * Returns the bytes, the content type and the computed digest.
 */
export async function fetchVerifiedBytes(params: {
  session: RegistrySession;
  /** `/v2/<name>/manifests/<ref>` or `/v2/<name>/blobs/<digest>`. */
  path: string;
  /** Accept header (manifests). */
  accept?: string;
  /** "sha256:<hex>" the bytes must have, when known. */
  digest?: string;
  /** What it is, for messages ("manifest", "config"). */
  what: string;
}): Promise<{ bytes: Buffer; contentType: string | undefined; digest: string }> {
  const { session } = params;
  const r = await session.request({
    method: "GET",
    path: params.path,
    access: "pull",
    headers: params.accept ? { accept: params.accept } : {},
    followRedirects: true,
  });
  if (r.status !== 200) throw registryFailure(r, `download of the ${params.what}`, session);
  if (r.truncated)
    throw new NotAModelArtifactError(
      `The ${params.what} from ${session.registry} is larger than ${MAX_METADATA_BYTES} bytes; it was cut there and refused.`,
    );
  const bytes = r.body;
  const digest = `sha256:${createHash("sha256").update(bytes).digest("hex")}`;
  if (params.digest && params.digest !== digest) {
    throw new RegistryDigestMismatchError(
      `The ${params.what} from ${session.registry} does not match its digest ${params.digest} (got ${digest}).`,
      {
        details: { expected: params.digest, actual: digest },
      },
    );
  }
  const ct = r.headers["content-type"];
  return { bytes, contentType: Array.isArray(ct) ? ct[0] : ct, digest };
}
