import { createPrivateKey, createPublicKey, type KeyObject } from "node:crypto";
import { UsageError } from "../../core/errors.js";

/** The curves OMS's key method names, with their hash and the bundle's keyDetails. */
const CURVES: Record<string, { hash: string; keyDetails: string }> = {
  prime256v1: { hash: "sha256", keyDetails: "PKIX_ECDSA_P256_SHA_256" },
  secp384r1: { hash: "sha384", keyDetails: "PKIX_ECDSA_P384_SHA_384" },
  secp521r1: { hash: "sha512", keyDetails: "PKIX_ECDSA_P521_SHA_512" },
};

export interface EcKeyInfo {
  key: KeyObject;
  /** The digest ECDSA uses with this curve. */
  hash: string;
  keyDetails: string;
}

/** An ECDSA P-256/384/521 key from PEM (private or public); anything else is refused by name. */
export function loadEcKey(pem: string | Buffer, kind: "private" | "public", what: string): EcKeyInfo {
  let key: KeyObject;
  try {
    key = kind === "private" ? createPrivateKey(pem) : createPublicKey(pem);
  } catch {
    throw new UsageError(`${what} is not a PEM ${kind} key.`, {
      code: "KEY_UNREADABLE",
      hint: `Pass an ECDSA P-256, P-384 or P-521 ${kind} key in PEM form.`,
    });
  }
  const curve = key.asymmetricKeyType === "ec" ? key.asymmetricKeyDetails?.namedCurve : undefined;
  const info = curve ? CURVES[curve] : undefined;
  if (!info)
    throw new UsageError(
      `${what} is a ${key.asymmetricKeyType ?? "unknown"}${curve ? ` ${curve}` : ""} key; OMS signatures use ECDSA P-256, P-384 or P-521.`,
      { code: "KEY_UNSUPPORTED", hint: "Make one with: openssl ecparam -name secp384r1 -genkey -noout -out key.pem" },
    );
  return { key, ...info };
}
