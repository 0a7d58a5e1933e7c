import { lstat } from "node:fs/promises";
import { join } from "node:path";
import { SignatureError, SignatureNotAttachedError } from "../provenance/errors.js";
import { DEFAULT_SIGNATURE_NAME } from "../provenance/oms/oms-types.js";
import { verifyModelSignature } from "../provenance/oms/verify-model-signature.js";
import type { SignatureTrust } from "./choose-model-signature.js";

/**
 * Verify the model.sig of files that arrived in a staging folder (a pull, an unpack) before they are published:
 * the signature must hold with `trust` and every file must be the signed one, none missing, none added. Throws
 * SignatureNotAttachedError when the staging folder has no model.sig, SignatureError otherwise.
 */
export async function verifyStagedSignature(params: {
  staging: string;
  trust: SignatureTrust;
  /** For messages: the reference or bundle. */
  what: string;
  signal?: AbortSignal;
}): Promise<void> {
  const sigPath = join(params.staging, DEFAULT_SIGNATURE_NAME);
  if (!(await lstat(sigPath).catch(() => undefined))?.isFile())
    throw new SignatureNotAttachedError(`${params.what} carries no model.sig.`, {
      hint: "Sign the model folder (llamagate sign) before packing it, or leave out --public-key/--certificate-chain.",
    });
  const r = await verifyModelSignature({
    path: params.staging,
    signaturePath: sigPath,
    ...params.trust,
    signal: params.signal,
  });
  if (!r.ok) {
    const bad = r.files.filter((f) => f.status !== "ok").map((f) => `${f.name} (${f.status})`);
    throw new SignatureError(
      "SIGNATURE_MISMATCH",
      `${params.what}: the files do not match its signature: ${bad.slice(0, 10).join(", ")}${bad.length > 10 ? `, and ${bad.length - 10} more` : ""}.`,
      {
        hint: "The model was changed after it was signed; do not use it. Ask its publisher to sign and send it again.",
      },
    );
  }
}
