import { signModel } from "../provenance/oms/sign-model.js";
import type { PipelineSignature } from "./pipeline-types.js";
import { sidecarDigest } from "./sidecar-digest.js";

/**
 * Sign a model folder the download just verified (`--sign-key`, the manifest's `sign:`), with no second pass
 * over its bytes: every file's sha256 comes from the verification sidecar the transfer wrote while the bytes
 * arrived, as long as the file's size, mtime and inode are still those the sidecar records (else it is hashed).
 */
export async function signStage(p: {
  path: string;
  privateKeyPem: string | Buffer;
  ignorePaths?: readonly string[];
  signal?: AbortSignal;
}): Promise<PipelineSignature> {
  const r = await signModel({
    path: p.path,
    privateKeyPem: p.privateKeyPem,
    ...(p.ignorePaths ? { ignorePaths: p.ignorePaths } : {}),
    knownDigests: sidecarDigest,
    ...(p.signal ? { signal: p.signal } : {}),
  });
  return { path: p.path, signaturePath: r.signaturePath, files: r.files.length, hashed: r.hashed };
}
