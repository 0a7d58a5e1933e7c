import type { toTrustMaterial } from "@sigstore/verify";
import { UsageError } from "../../core/errors.js";

/** The protobuf TrustedRoot that @sigstore/verify's toTrustMaterial takes (bytes as Buffers, times as Dates). */
export type TrustedRoot = Parameters<typeof toTrustMaterial>[0];

/** PublicKeyDetails values whose raw bytes are a PKCS#1 RSA key (the rest are SPKI); numbering from protobuf-specs. */
const PKCS1_KEY_DETAILS: Record<string, number> = {
  PKCS1_RSA_PKCS1V5: 1,
  PKIX_RSA_PKCS1V5: 3,
  PKIX_RSA_PKCS1V15_2048_SHA256: 9,
  PKIX_RSA_PKCS1V15_3072_SHA256: 10,
  PKIX_RSA_PKCS1V15_4096_SHA256: 11,
};

/**
 * Read a Sigstore trusted root (`trusted_root.json`, media type `application/vnd.dev.sigstore.trustedroot+json`, as
 * sigstore/root-signing publishes it and `cosign trusted-root create` writes it) into the shape @sigstore/verify
 * takes. The user gives it; nothing is fetched (no TUF). Anything that is not such a root is TRUSTED_ROOT_UNREADABLE
 * (usage, exit 2), naming the part that is wrong.
 */
export function parseTrustedRoot(text: string): TrustedRoot {
  const bad = (why: string) =>
    new UsageError(`The --trusted-root file is not a Sigstore trusted root: ${why}.`, {
      code: "TRUSTED_ROOT_UNREADABLE",
      hint: "Pass the trusted_root.json of the Sigstore instance that signed the model (for the public-good instance: sigstore/root-signing's targets/trusted_root.json).",
    });
  let json: Record<string, unknown>;
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch {
    throw bad("it is not JSON");
  }
  if (typeof json !== "object" || json === null || Array.isArray(json)) throw bad("it is not a JSON object");
  if (typeof json.mediaType === "string" && !json.mediaType.startsWith("application/vnd.dev.sigstore.trustedroot"))
    throw bad(`its mediaType is ${json.mediaType}`);
  const list = (key: string): Record<string, unknown>[] => {
    const v = json[key] ?? [];
    if (!Array.isArray(v) || v.some((x) => typeof x !== "object" || x === null)) throw bad(`${key} is not a list`);
    return v as Record<string, unknown>[];
  };
  const bytes = (v: unknown, what: string): Buffer => {
    if (typeof v !== "string" || !/^[A-Za-z0-9+/=_-]*$/.test(v) || v.length === 0) throw bad(`${what} is not base64`);
    return Buffer.from(v, "base64");
  };
  const time = (v: unknown, what: string): Date | undefined => {
    if (v === undefined) return undefined;
    const d = typeof v === "string" ? new Date(v) : undefined;
    if (!d || Number.isNaN(d.getTime())) throw bad(`${what} is not a time`);
    return d;
  };
  const range = (v: unknown, what: string) => {
    if (v === undefined) return undefined;
    const r = (v ?? {}) as { start?: unknown; end?: unknown };
    const start = time(r.start, `${what}.start`);
    return start ? { start, end: time(r.end, `${what}.end`) } : undefined;
  };
  const authority = (key: string) =>
    list(key).map((ca, i) => {
      const certs = (ca.certChain as { certificates?: unknown } | undefined)?.certificates;
      if (!Array.isArray(certs) || !certs.length) throw bad(`${key}[${i}] has no certificate chain`);
      return {
        subject: { organization: "", commonName: "" },
        uri: typeof ca.uri === "string" ? ca.uri : "",
        certChain: {
          certificates: certs.map((c: { rawBytes?: unknown }, j) => ({
            rawBytes: bytes(c?.rawBytes, `${key}[${i}].certChain.certificates[${j}]`),
          })),
        },
        validFor: range(ca.validFor, `${key}[${i}].validFor`),
        operator: "",
      };
    });
  const log = (key: string) =>
    list(key).map((t, i) => {
      const pk = (t.publicKey ?? {}) as { rawBytes?: unknown; keyDetails?: unknown; validFor?: unknown };
      const keyId = (v: unknown) => bytes((v as { keyId?: unknown } | undefined)?.keyId, `${key}[${i}].logId`);
      return {
        baseUrl: typeof t.baseUrl === "string" ? t.baseUrl : "",
        hashAlgorithm: 0,
        publicKey: {
          rawBytes: bytes(pk.rawBytes, `${key}[${i}].publicKey`),
          keyDetails: (typeof pk.keyDetails === "string" && PKCS1_KEY_DETAILS[pk.keyDetails]) || 0,
          validFor: range(pk.validFor, `${key}[${i}].publicKey.validFor`),
        },
        logId: { keyId: keyId(t.logId) },
        checkpointKeyId: t.checkpointKeyId ? { keyId: keyId(t.checkpointKeyId) } : undefined,
        operator: "",
      };
    });
  const root = {
    mediaType: typeof json.mediaType === "string" ? json.mediaType : "",
    certificateAuthorities: authority("certificateAuthorities"),
    timestampAuthorities: authority("timestampAuthorities"),
    tlogs: log("tlogs"),
    ctlogs: log("ctlogs"),
  };
  if (!root.certificateAuthorities.length) throw bad("it names no certificate authority (Fulcio)");
  if (!root.tlogs.length) throw bad("it names no transparency log (Rekor)");
  return root as unknown as TrustedRoot;
}
