import { createPublicKey, sign as cryptoSign, X509Certificate } from "node:crypto";
import { lstat } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { UsageError } from "../../core/errors.js";
import { writeFileAtomic } from "../../core/fs/write-file-atomic.js";
import { SignatureError } from "../errors.js";
import { dssePae } from "./dsse-pae.js";
import { hashModelForSigning, type KnownDigests } from "./hash-model-for-signing.js";
import { loadEcKey } from "./load-signing-key.js";
import {
  BUNDLE_MEDIA_TYPE,
  DEFAULT_SIGNATURE_NAME,
  INTOTO_PAYLOAD_TYPE,
  OMS_PREDICATE_TYPE,
  STATEMENT_TYPE,
  type OmsStatement,
} from "./oms-types.js";

export interface SignModelParams {
  /** The model folder, or a single model file. */
  path: string;
  /** ECDSA P-256/384/521 private key, PEM. */
  privateKeyPem: string | Buffer;
  /** Certificate method: the signing key's certificate (PEM); the bundle then carries it and `certificateChainPems`. */
  signingCertificatePem?: string | Buffer;
  /** Certificate method: intermediate certificates up to (not necessarily including) the root, PEM. */
  certificateChainPems?: (string | Buffer)[];
  /** Where to write the signature. @default `model.sig` inside the folder (beside a single file) */
  signaturePath?: string;
  /** Paths to leave out (relative to the model folder, or absolute inside it). The signature file always is. */
  ignorePaths?: readonly string[];
  /**
   * sha256 digests already measured (a verified download's sidecars), so signing a fresh download reads nothing
   * again; each is used only while the file's size and mtime are those it was measured at.
   */
  knownDigests?: KnownDigests;
  signal?: AbortSignal;
}

export interface SignModelResult {
  signaturePath: string;
  /** "key" or "certificate". */
  method: "key" | "certificate";
  subject: { name: string; sha256: string };
  files: { name: string; sha256: string }[];
  ignorePaths: string[];
  /** Files read to hash them (the others' digests came from `knownDigests`). */
  hashed: number;
}

/**
 * `llamagate sign`: an OpenSSF model signature (OMS v1.0, the format of sigstore/model-transparency's
 * `model_signing`): every file's sha256 in an in-toto statement, signed in a DSSE envelope inside a Sigstore bundle,
 * written atomically to `model.sig`. The key method records the public key as a hint; the certificate method
 * records the signing certificate and its chain, so a verifier needs only the root CA.
 */
export async function signModel(p: SignModelParams): Promise<SignModelResult> {
  const path = resolve(p.path);
  const isFile = (await lstat(path).catch(() => undefined))?.isFile() ?? false;
  const signaturePath = resolve(p.signaturePath ?? join(isFile ? dirname(path) : path, DEFAULT_SIGNATURE_NAME));
  const { key, hash, keyDetails } = loadEcKey(p.privateKeyPem, "private", "The private key");
  const certs = p.signingCertificatePem ? [p.signingCertificatePem, ...(p.certificateChainPems ?? [])] : [];
  const x509 = certs.map((c, i) => {
    try {
      return new X509Certificate(c);
    } catch {
      throw new UsageError(`Certificate ${i + 1} is not a PEM X.509 certificate.`, {
        code: "CERTIFICATE_UNREADABLE",
        hint: "Pass --signing-certificate and --certificate-chain as PEM files.",
      });
    }
  });
  if (x509[0] && !x509[0].checkPrivateKey(key))
    throw new SignatureError("CERTIFICATE_KEY_MISMATCH", "The signing certificate is not for this private key.", {
      hint: "Pass the certificate issued for --private-key.",
    });

  const digest = await hashModelForSigning({
    path,
    ignorePaths: [...(p.ignorePaths ?? []), signaturePath],
    ...(p.knownDigests ? { knownDigests: p.knownDigests } : {}),
    signal: p.signal,
  });
  const statement: OmsStatement = {
    _type: STATEMENT_TYPE,
    subject: [{ name: digest.subjectName, digest: { sha256: digest.rootDigest } }],
    predicateType: OMS_PREDICATE_TYPE,
    predicate: {
      serialization: { method: "files", hash_type: "sha256", allow_symlinks: false, ignore_paths: digest.ignorePaths },
      resources: digest.resources,
    },
  };
  const payload = Buffer.from(JSON.stringify(statement), "utf8");
  const sig = cryptoSign(hash, dssePae(INTOTO_PAYLOAD_TYPE, payload), { key, dsaEncoding: "der" });
  const verificationMaterial = x509.length
    ? { x509CertificateChain: { certificates: x509.map((c) => ({ rawBytes: c.raw.toString("base64") })) } }
    : {
        // As model_signing writes it: the public key's PEM text, base64-encoded (a hint; verifiers use their own key).
        publicKey: {
          rawBytes: Buffer.from(createPublicKey(key).export({ type: "spki", format: "pem" })).toString("base64"),
          keyDetails,
        },
      };
  const bundle = {
    mediaType: BUNDLE_MEDIA_TYPE,
    verificationMaterial,
    dsseEnvelope: {
      payload: payload.toString("base64"),
      payloadType: INTOTO_PAYLOAD_TYPE,
      signatures: [{ sig: sig.toString("base64"), keyid: "" }],
    },
  };
  await writeFileAtomic({ path: signaturePath, data: `${JSON.stringify(bundle, null, 2)}\n` });
  return {
    signaturePath,
    method: x509.length ? "certificate" : "key",
    subject: { name: digest.subjectName, sha256: digest.rootDigest },
    files: digest.resources.map((r) => ({ name: r.name, sha256: r.digest })),
    ignorePaths: digest.ignorePaths,
    hashed: digest.hashed,
  };
}
