import { writeCopyRecord } from "../provenance/copy-record/write-copy-record.js";
import { SignatureNotAttachedError } from "../provenance/errors.js";
import type { OciSourceParams } from "../sources/oci/oci-pull-types.js";
import type { SignatureTrust } from "./choose-model-signature.js";

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
 * a required signature chosen and verified with `requireSignature`, and the copy record `verify DIR` reads. The
 * signature code loads only when a signature is required.
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
              const { chooseModelSignature } = await import("./choose-model-signature.js");
              return chooseModelSignature({ candidates, trust, files, ref, signal });
            },
            publish: async (p) => (await import("./publish-signed-pull.js")).publishSignedPull({ ...p, trust }),
          },
        }
      : {}),
    recordCopy: async (record) => void (await writeCopyRecord(record)),
  };
}
