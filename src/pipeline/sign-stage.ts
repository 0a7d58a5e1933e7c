import { lstat } from "node:fs/promises";
import { readVerifiedSidecar } from "../download/verified-sidecar.js";
import type { KnownDigest } from "../provenance/oms/hash-model-for-signing.js";
import { signModel } from "../provenance/oms/sign-model.js";
import type { PipelineSignature } from "./pipeline-types.js";

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

/** A file's sha256 from its verification sidecar, with the state the sidecar describes. */
async function sidecarDigest(absPath: string): Promise<KnownDigest | undefined> {
  const st = await lstat(absPath).catch(() => undefined);
  if (!st?.isFile()) return undefined;
  const hashes = await readVerifiedSidecar(absPath, st);
  return hashes?.sha256 ? { sha256: hashes.sha256, size: st.size, mtimeMs: st.mtimeMs, ino: st.ino } : undefined;
}
