import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SignatureError } from "../provenance/errors.js";
import { DEFAULT_SIGNATURE_NAME } from "../provenance/oms/oms-types.js";
import { verifyModelSignature } from "../provenance/oms/verify-model-signature.js";

/** Whom a model signature must come from: the signer's public key, or CA certificates its chain leads to. */
export interface SignatureTrust {
  /** Key method: the signer's ECDSA public key, PEM. */
  publicKeyPem?: string | Buffer;
  /** Certificate method: the CA certificates to trust, PEM. */
  certificateChainPems?: (string | Buffer)[];
}

/**
 * Before any file is fetched: the first of the attached signatures that verifies with `trust` and lists exactly
 * the artifact's files with the sha256 digests the manifest names (its layers are then checked against those digests
 * as they arrive). Each candidate is verified by verifyModelSignature on an empty folder, so only the signature and
 * its statement are checked here; the files are verified again once downloaded. Throws the last candidate's
 * SignatureError, or SIGNATURE_MISMATCH naming the files that differ.
 */
export async function chooseModelSignature(params: {
  candidates: readonly Buffer[];
  trust: SignatureTrust;
  /** The artifact's files: path and hex sha256. */
  files: readonly { path: string; sha256: string }[];
  /** For messages: the reference. */
  ref: string;
  signal?: AbortSignal;
}): Promise<Buffer> {
  const scratch = await mkdtemp(join(tmpdir(), "llamagate-sig-"));
  let last: unknown;
  try {
    for (const bytes of params.candidates) {
      const empty = join(scratch, "model");
      await rm(empty, { recursive: true, force: true });
      await mkdir(empty);
      const sigPath = join(scratch, DEFAULT_SIGNATURE_NAME);
      await writeFile(sigPath, bytes);
      try {
        const r = await verifyModelSignature({
          path: empty,
          signaturePath: sigPath,
          ...params.trust,
          signal: params.signal,
        });
        const layers = new Map(params.files.map((f) => [f.path, f.sha256]));
        const problems: string[] = [];
        for (const f of r.files) {
          const d = layers.get(f.name);
          if (d === undefined) problems.push(`${f.name} (signed, not in the artifact)`);
          else if (d !== f.expected) problems.push(`${f.name} (not the signed bytes)`);
          layers.delete(f.name);
        }
        for (const name of layers.keys()) problems.push(`${name} (not signed)`);
        if (problems.length === 0) return bytes;
        last = new SignatureError(
          "SIGNATURE_MISMATCH",
          `${params.ref}: its signature does not match its files: ${problems.slice(0, 10).join(", ")}${problems.length > 10 ? `, and ${problems.length - 10} more` : ""}.`,
          {
            hint: "The artifact was changed after it was signed; do not use it. Ask its publisher to push and sign it again.",
          },
        );
      } catch (e) {
        if (!(e instanceof SignatureError)) throw e;
        last = e;
      }
    }
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
  throw last;
}
