import { verify as cryptoVerify, X509Certificate, type KeyObject } from "node:crypto";
import { lstat } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { UsageError } from "../../core/errors.js";
import { readCappedText } from "../../formats/io/read-capped-text.js";
import { SignatureError } from "../errors.js";
import { dssePae } from "./dsse-pae.js";
import { dssePaeCompat } from "./dsse-pae-compat.js";
import { hashModelForSigning, omsRootDigest } from "./hash-model-for-signing.js";
import { loadEcKey } from "./load-signing-key.js";
import { verifyKeylessBundle, type KeylessSigner } from "./verify-keyless-bundle.js";
import {
  DEFAULT_SIGNATURE_NAME,
  INTOTO_PAYLOAD_TYPE,
  OMS_PREDICATE_TYPE,
  OMS_V01_PREDICATE_TYPE,
  type OmsResource,
} from "./oms-types.js";

export interface VerifyModelSignatureParams {
  /** The model folder, or a single model file. */
  path: string;
  /** The signature. @default `model.sig` inside the folder (beside a single file) */
  signaturePath?: string;
  /** Key method: the signer's ECDSA public key, PEM. */
  publicKeyPem?: string | Buffer;
  /** Certificate method: the CA certificates to trust (PEM); the bundle's chain must lead to one of them. */
  certificateChainPems?: (string | Buffer)[];
  /** Keyless method: the Sigstore trusted root JSON (`trusted_root.json`) the signature must chain to. */
  trustedRootJson?: string;
  /** Keyless method: the signer identity to accept (the certificate's subject alternative name), exactly. */
  identity?: string;
  /** Keyless method: the OIDC issuer to accept, exactly. */
  issuer?: string;
  /** More paths to leave out (relative to the model folder, or absolute inside it), beyond the signature's own. */
  ignorePaths?: readonly string[];
  /**
   * Certificate validity is checked at this time. @default the signing certificate's notBefore, as model_signing
   * does (the signature was made while it was valid; a certificate that expired since does not void it)
   */
  at?: Date;
  signal?: AbortSignal;
}

export type SignedFileStatus = "ok" | "changed" | "missing" | "added";

export interface VerifyModelSignatureResult {
  /** The signature verifies and every file matches. */
  ok: boolean;
  method: "key" | "certificate" | "sigstore";
  /** The keyless signer, as its verified certificate names it (sigstore method only). */
  signer?: KeylessSigner;
  /** The statement's predicate: OMS v1.0, or model_signing 0.2's per-file digests. */
  format: "oms-v1.0" | "model-signing-v0.1";
  subject: string;
  /** One entry per file, signed or present: name, status, and the signed and actual sha256. */
  files: { name: string; status: SignedFileStatus; expected?: string; actual?: string }[];
  signaturePath: string;
}

const MAX_SIGNATURE_BYTES = 16 << 20;

/**
 * Verify an OMS model signature (sigstore/model-transparency's `model_signing verify key|certificate`): the DSSE
 * signature over the in-toto statement with the given public key, or with the bundle's certificate chained to a
 * given CA; then every file's sha256 against the signed one. A signature that does not hold throws SignatureError;
 * files that differ are reported one by one (`ok` false), so the caller can name each added, missing or changed file.
 */
export async function verifyModelSignature(p: VerifyModelSignatureParams): Promise<VerifyModelSignatureResult> {
  const path = resolve(p.path);
  const isFile = (await lstat(path).catch(() => undefined))?.isFile() ?? false;
  const signaturePath = resolve(p.signaturePath ?? join(isFile ? dirname(path) : path, DEFAULT_SIGNATURE_NAME));
  if ([p.publicKeyPem, p.certificateChainPems?.length, p.trustedRootJson].filter(Boolean).length !== 1)
    throw new UsageError(
      "Give one of a public key, a certificate chain or a trusted root to verify the signature with.",
      {
        code: "SIGNATURE_KEY_MISSING",
        hint: "Pass --public-key KEY.pem (key method), --certificate-chain CA.pem (certificate method) or --trusted-root trusted_root.json --identity ID --issuer URL (keyless).",
      },
    );
  const malformed = (why: string) =>
    new SignatureError("SIGNATURE_MALFORMED", `${signaturePath} is not a model signature: ${why}.`, {
      hint: "Point --signature at the model.sig that `llamagate sign` or `model_signing sign` wrote.",
    });
  let bundle: Record<string, unknown>;
  try {
    const text = await readCappedText({ path: signaturePath, maxBytes: MAX_SIGNATURE_BYTES, what: "The signature" });
    bundle = JSON.parse(text) as Record<string, unknown>;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT")
      throw new SignatureError("SIGNATURE_NOT_FOUND", `No signature at ${signaturePath}.`, {
        hint: "Pass --signature FILE, or sign the model first (llamagate sign).",
      });
    if (e instanceof SyntaxError) throw malformed("it is not JSON");
    throw e;
  }
  if (typeof bundle !== "object" || bundle === null) throw malformed("it is not a JSON object");
  if (typeof bundle.mediaType !== "string" || !bundle.mediaType.startsWith("application/vnd.dev.sigstore.bundle"))
    throw malformed("it is not a Sigstore bundle");
  const env = bundle.dsseEnvelope as { payload?: unknown; payloadType?: unknown; signatures?: unknown } | undefined;
  if (!env || typeof env.payload !== "string" || !Array.isArray(env.signatures))
    throw malformed("it has no DSSE envelope");
  if (env.payloadType !== INTOTO_PAYLOAD_TYPE) throw malformed(`its payload is ${String(env.payloadType)}`);
  const material = (bundle.verificationMaterial ?? {}) as Record<string, unknown>;
  const keyless = Boolean(material.certificate && !material.x509CertificateChain);
  if (keyless !== Boolean(p.trustedRootJson))
    throw new SignatureError(
      "SIGNATURE_METHOD_MISMATCH",
      keyless
        ? `${signaturePath} is a keyless Sigstore signature (Fulcio certificate, Rekor log entry), not one made with a key or a CA certificate.`
        : `${signaturePath} was signed with a key or a CA certificate, not keyless (Sigstore).`,
      {
        hint: keyless
          ? "Verify it with --trusted-root trusted_root.json --identity ID --issuer URL."
          : "Verify it with --public-key (key method) or --certificate-chain (certificate method).",
      },
    );

  const payload = Buffer.from(env.payload, "base64");
  let method: VerifyModelSignatureResult["method"];
  let signer: KeylessSigner | undefined;
  if (p.trustedRootJson) {
    method = "sigstore";
    signer = await verifyKeylessBundle({
      bundle,
      trustedRootJson: p.trustedRootJson,
      identity: p.identity,
      issuer: p.issuer,
      signaturePath,
    });
  } else {
    method = p.publicKeyPem ? "key" : "certificate";
    verifyDsse(
      p.publicKeyPem
        ? loadEcKey(p.publicKeyPem, "public", "The public key")
        : trustedLeafKey(material, p.certificateChainPems!, p.at, malformed),
      payload,
      env.signatures as unknown[],
      method,
      signaturePath,
    );
  }

  // What was signed, and what is there now.
  let statement: {
    subject?: { name?: string; digest?: { sha256?: string } }[];
    predicateType?: string;
    predicate?: Record<string, unknown>;
  };
  try {
    statement = JSON.parse(payload.toString("utf8"));
  } catch {
    throw malformed("its statement is not JSON");
  }
  const ignore = [...(p.ignorePaths ?? []), signaturePath];
  let format: VerifyModelSignatureResult["format"];
  let signed: OmsResource[];
  if (statement.predicateType === OMS_PREDICATE_TYPE) {
    format = "oms-v1.0";
    const ser = (statement.predicate?.serialization ?? {}) as Record<string, unknown>;
    if (ser.method !== "files" || (ser.hash_type ?? "sha256") !== "sha256")
      throw new SignatureError(
        "SIGNATURE_UNSUPPORTED",
        `The signature uses the ${String(ser.method)}/${String(ser.hash_type)} serialization; llamagate verifies files/sha256.`,
        { hint: "Sign with the files method and sha256 (the default of llamagate sign and model_signing)." },
      );
    if (Array.isArray(ser.ignore_paths))
      ignore.push(...ser.ignore_paths.filter((x): x is string => typeof x === "string"));
    const res = statement.predicate?.resources;
    if (!Array.isArray(res)) throw malformed("its statement lists no resources");
    signed = res.map((r: { name?: unknown; digest?: unknown; algorithm?: unknown }) => {
      if (typeof r?.name !== "string" || typeof r.digest !== "string" || !/^[0-9a-f]{64}$/.test(r.digest))
        throw malformed("a resource has no name or sha256 digest");
      return { name: r.name, algorithm: "sha256", digest: r.digest };
    });
  } else if (statement.predicateType === OMS_V01_PREDICATE_TYPE) {
    format = "model-signing-v0.1";
    signed = (statement.subject ?? []).map((s) => {
      if (typeof s?.name !== "string" || !/^[0-9a-f]{64}$/.test(s.digest?.sha256 ?? ""))
        throw malformed("a subject has no name or sha256 digest");
      return { name: s.name, algorithm: "sha256", digest: s.digest!.sha256! };
    });
  } else {
    throw malformed(`its predicate is ${String(statement.predicateType)}`);
  }

  const now = await hashModelForSigning({ path, ignorePaths: ignore, signal: p.signal });
  if (format === "oms-v1.0") {
    const claimed = statement.subject?.[0]?.digest?.sha256;
    const sortedSigned = [...signed].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    if (claimed !== omsRootDigest(sortedSigned.map((r) => r.digest)))
      throw malformed("its subject digest does not match its resources");
  }
  const actual = new Map(now.resources.map((r) => [r.name, r.digest]));
  const files: VerifyModelSignatureResult["files"] = [];
  for (const s of signed) {
    const a = actual.get(s.name);
    files.push({
      name: s.name,
      status: a === undefined ? "missing" : a === s.digest ? "ok" : "changed",
      expected: s.digest,
      ...(a ? { actual: a } : {}),
    });
    actual.delete(s.name);
  }
  for (const [name, digest] of actual) files.push({ name, status: "added", actual: digest });
  files.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return {
    ok: files.every((f) => f.status === "ok"),
    method,
    ...(signer ? { signer } : {}),
    format,
    subject: now.subjectName,
    files,
    signaturePath,
  };
}

/** The DSSE signature over the statement, with the given key (key method) or the trusted certificate's key. */
function verifyDsse(
  key: { key: KeyObject; hash: string },
  payload: Buffer,
  signatures: unknown[],
  method: "key" | "certificate",
  signaturePath: string,
): void {
  const pae = dssePae(INTOTO_PAYLOAD_TYPE, payload);
  const compat = dssePaeCompat(INTOTO_PAYLOAD_TYPE, payload);
  const verified = signatures.some((s) => {
    const sig64 = (s as { sig?: unknown } | null)?.sig;
    if (typeof sig64 !== "string") return false;
    const sig = Buffer.from(sig64, "base64");
    const opts = { key: key.key, dsaEncoding: "der" as const };
    // model_signing 0.2's signatures: its mistaken encoding, always with SHA-256 (see dsse-pae-compat.ts).
    return cryptoVerify(key.hash, pae, opts, sig) || cryptoVerify("sha256", compat, opts, sig);
  });
  if (!verified)
    throw new SignatureError(
      "SIGNATURE_INVALID",
      `The signature in ${signaturePath} does not verify with ${method === "key" ? "this public key" : "the signing certificate"}.`,
      {
        hint:
          method === "key"
            ? "Check that --public-key is the signer's key; a signature that verifies with no key you trust proves nothing."
            : "The signature was not made with the certificate's key: the signature file was altered.",
      },
    );
}

/** The leaf certificate's key, after checking the bundle's chain leads to one of the trusted CA certificates. */
function trustedLeafKey(
  material: Record<string, unknown>,
  caPems: (string | Buffer)[],
  atGiven: Date | undefined,
  malformed: (why: string) => Error,
): { key: KeyObject; hash: string } {
  const raw =
    (material.x509CertificateChain as { certificates?: { rawBytes?: string }[] } | undefined)?.certificates ??
    ((material.certificate as { rawBytes?: string } | undefined)
      ? [material.certificate as { rawBytes?: string }]
      : []);
  if (!raw.length) throw malformed("it carries no certificate (it was signed with a key: verify with --public-key)");
  const chain = raw.map((c) => {
    try {
      return new X509Certificate(Buffer.from(c.rawBytes ?? "", "base64"));
    } catch {
      throw malformed("it carries a certificate that cannot be read");
    }
  });
  const anchors = caPems.map((pem, i) => {
    try {
      return new X509Certificate(pem);
    } catch {
      throw new UsageError(`Certificate chain file ${i + 1} is not a PEM X.509 certificate.`, {
        code: "CERTIFICATE_UNREADABLE",
      });
    }
  });
  const untrusted = (why: string) =>
    new SignatureError("CERTIFICATE_UNTRUSTED", `The signing certificate is not trusted: ${why}.`, {
      hint: "Pass the root CA certificate of the signer's chain with --certificate-chain.",
    });
  const at = atGiven ?? new Date(chain[0]!.validFrom);
  const valid = (c: X509Certificate) => at >= new Date(c.validFrom) && at <= new Date(c.validTo);
  let cert = chain[0]!;
  if (!valid(cert)) throw untrusted(`it is valid from ${cert.validFrom} to ${cert.validTo}`);
  for (let depth = 0; depth < 10; depth++) {
    const anchor = anchors.find(
      (a) => a.fingerprint256 === cert.fingerprint256 || (cert.checkIssued(a) && cert.verify(a.publicKey)),
    );
    if (anchor) {
      if (anchor !== cert && !valid(anchor)) throw untrusted(`the CA certificate expired on ${anchor.validTo}`);
      const leaf = loadEcKey(
        chain[0]!.publicKey.export({ type: "spki", format: "pem" }),
        "public",
        "The signing certificate's key",
      );
      return { key: leaf.key, hash: leaf.hash };
    }
    const issuer = chain.find((c) => c !== cert && cert.checkIssued(c) && cert.verify(c.publicKey));
    if (!issuer || !issuer.ca || !valid(issuer)) throw untrusted("its chain does not lead to a given CA certificate");
    cert = issuer;
  }
  throw untrusted("its chain is too long");
}
