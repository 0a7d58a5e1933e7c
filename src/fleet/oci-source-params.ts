import { writeCopyRecord } from "../provenance/copy-record/write-copy-record.js";
import { SignatureNotAttachedError } from "../provenance/errors.js";
import type { OciSourceParams } from "../sources/oci/oci-pull-types.js";
import { chooseModelSignature, type SignatureTrust } from "./choose-model-signature.js";
import { publishSignedPull } from "./publish-signed-pull.js";

/** The OCI source's parameters as pull and provision give them: a required signature as the trust it needs. */
export type OciPullOptions = Omit<OciSourceParams, "signature" | "recordCopy"> & {
  /**
   * Require the model's OMS signature (an OCI referrer of the manifest) to verify with this key or CA: checked
   * before any layer is fetched, and again against the downloaded files in a staging folder before any of them is
   * published into `dir`; a missing or failing signature leaves `dir` as it was.
   */
  requireSignature?: SignatureTrust;
};

/**
 * The OCI source's parameters with its provenance steps filled in (the one place `pull` and `provision` get them):
 * a required signature chosen and verified with `requireSignature`, and the copy record `verify DIR` reads.
 */
export function ociSourceParams(options: OciPullOptions): OciSourceParams {
  const { requireSignature: trust, ...params } = options;
  return {
    ...params,
    ...(trust
      ? {
          signature: {
            choose: async ({ candidates, files, ref, manifestDigest, signal }) => {
              if (candidates.length === 0)
                throw new SignatureNotAttachedError(`${ref} (${manifestDigest}) has no signature attached.`);
              return chooseModelSignature({ candidates, trust, files, ref, signal });
            },
            publish: (p) => publishSignedPull({ ...p, trust }),
          },
        }
      : {}),
    recordCopy: async (record) => void (await writeCopyRecord(record)),
  };
}
