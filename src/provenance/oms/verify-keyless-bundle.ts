import { UsageError } from "../../core/errors.js";
import { SignatureError } from "../errors.js";
import { parseTrustedRoot } from "./parse-trusted-root.js";
import type { ErrorCode } from "../../core/error-codes.js";

export interface VerifyKeylessBundleParams {
  /** The parsed Sigstore bundle (model.sig) whose verification material is a Fulcio certificate and Rekor entries. */
  bundle: Record<string, unknown>;
  /** The trusted root JSON text (`trusted_root.json`) of the Sigstore instance the signer used. */
  trustedRootJson: string;
  /** The signer identity to accept: the certificate's subject alternative name (an email, a workflow URI). */
  identity?: string;
  /** The OIDC issuer to accept (the certificate's issuer extension), e.g. `https://accounts.google.com`. */
  issuer?: string;
  /** For messages. */
  signaturePath: string;
}

export interface KeylessSigner {
  /** The certificate's subject alternative name. */
  identity: string;
  /** The OIDC issuer that vouched for it. */
  issuer: string;
}

/**
 * Verify a keyless (Sigstore) bundle, offline, against the trusted root the user gives (`model_signing verify
 * sigstore`): the Fulcio certificate chains to a CA in the root, carries an SCT from a CT log in it and was valid
 * when a Rekor entry (or RFC 3161 timestamp) of a log in the root says it was used; the entry matches the DSSE
 * envelope, and the envelope's signature verifies with the certificate's key; then the signer must be exactly
 * `identity` from `issuer`. Without `identity` and `issuer` it refuses (SIGNER_IDENTITY_MISSING, naming the signer):
 * anyone can get a Fulcio certificate, so a keyless signature proves nothing until you say whose you trust.
 */
export async function verifyKeylessBundle(p: VerifyKeylessBundleParams): Promise<KeylessSigner> {
  const root = parseTrustedRoot(p.trustedRootJson);
  // Loaded here, not at startup: only keyless verification needs them.
  const [{ Verifier, toSignedEntity, toTrustMaterial, PolicyError, VerificationError }, { bundleFromJSON }] =
    await Promise.all([import("@sigstore/verify"), import("@sigstore/bundle")]);
  let entity: ReturnType<typeof toSignedEntity>;
  try {
    entity = toSignedEntity(bundleFromJSON(p.bundle) as unknown as Parameters<typeof toSignedEntity>[0]);
  } catch (e) {
    throw new SignatureError(
      "SIGNATURE_MALFORMED",
      `${p.signaturePath} is not a valid Sigstore bundle: ${(e as Error).message}.`,
      { hint: "Point --signature at the model.sig that `model_signing sign sigstore` wrote.", cause: e },
    );
  }
  const verifier = new Verifier(toTrustMaterial(root));
  let found: KeylessSigner;
  try {
    const signer = verifier.verify(entity);
    found = {
      identity: signer.identity?.subjectAlternativeName ?? "",
      issuer: signer.identity?.extensions?.issuer ?? "",
    };
  } catch (e) {
    if (!(e instanceof VerificationError)) throw e;
    const [code, what, hint] = KEYLESS_FAILURES[e.code] ?? KEYLESS_FAILURES.SIGNATURE_ERROR!;
    throw new SignatureError(
      code,
      `The keyless signature in ${p.signaturePath} does not verify: ${what} (${e.message}).`,
      {
        hint,
        cause: e,
      },
    );
  }
  const named = `${found.identity || "(no identity)"} (issuer ${found.issuer || "unknown"})`;
  if (!p.identity || !p.issuer)
    throw new UsageError(`The keyless signature verifies; it was made by ${named}. Say whose signature you trust.`, {
      code: "SIGNER_IDENTITY_MISSING",
      hint: "Pass --identity and --issuer with the signer you expect (checked exactly against the certificate).",
    });
  try {
    verifier.verify(entity, { subjectAlternativeName: p.identity, extensions: { issuer: p.issuer } });
  } catch (e) {
    if (!(e instanceof PolicyError)) throw e;
    throw new SignatureError(
      "SIGNER_MISMATCH",
      `The signature in ${p.signaturePath} was made by ${named}, not by ${p.identity} (issuer ${p.issuer}).`,
      { hint: "Do not trust this copy unless you trust that signer; check --identity and --issuer.", cause: e },
    );
  }
  return found;
}

/** @sigstore/verify's failure codes → llamagate's code, what failed, and what to do. */
const KEYLESS_FAILURES: Record<string, [ErrorCode, string, string]> = {
  CERTIFICATE_ERROR: [
    "CERTIFICATE_UNTRUSTED",
    "the signing certificate does not chain to a certificate authority of the trusted root, or has no valid SCT",
    "Pass the trusted root of the Sigstore instance that signed the model (--trusted-root).",
  ],
  TLOG_ERROR: [
    "TLOG_UNVERIFIED",
    "no transparency log entry from a log of the trusted root",
    "Pass the trusted root of the Sigstore instance that signed the model (--trusted-root).",
  ],
  TLOG_INCLUSION_PROOF_ERROR: [
    "TLOG_UNVERIFIED",
    "the transparency log's inclusion proof does not hold",
    "The signature file was altered: fetch it again from a source you trust.",
  ],
  TLOG_INCLUSION_PROMISE_ERROR: [
    "TLOG_UNVERIFIED",
    "the transparency log's signed entry timestamp does not verify",
    "Pass the trusted root of the Sigstore instance that signed the model, or fetch the signature again.",
  ],
  TLOG_MISSING_INCLUSION_ERROR: [
    "TLOG_UNVERIFIED",
    "the transparency log entry has neither inclusion proof nor promise",
    "Fetch the signature again from a source you trust.",
  ],
  TLOG_BODY_ERROR: [
    "TLOG_UNVERIFIED",
    "the transparency log entry is not about this signature",
    "The signature file was altered: fetch it again from a source you trust.",
  ],
  TIMESTAMP_ERROR: [
    "TIMESTAMP_UNVERIFIED",
    "no verified time inside the short-lived certificate's validity (a timestamp over another signature, or from an authority the root does not name)",
    "The signature file was altered, or it comes from another Sigstore instance: check --trusted-root.",
  ],
  PUBLIC_KEY_ERROR: [
    "SIGNATURE_MALFORMED",
    "it names a key instead of carrying a certificate",
    "Verify a key-method signature with --public-key.",
  ],
  SIGNATURE_ERROR: [
    "SIGNATURE_INVALID",
    "the signature was not made with the certificate's key",
    "The signature file was altered: fetch it again from a source you trust.",
  ],
};
