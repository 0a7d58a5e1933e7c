import { readdir, rename, rm, rmdir } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { ensureDirInside } from "../core/fs/ensure-dir-inside.js";
import { filesystemErrorFrom } from "../core/fs/filesystem-error-from.js";
import { writeFileAtomic } from "../core/fs/write-file-atomic.js";
import { SignatureError } from "../provenance/errors.js";
import { DEFAULT_SIGNATURE_NAME } from "../provenance/oms/oms-types.js";
import { OCI_META_DIR } from "../sources/oci/check-oci-pull.js";
import type { SignatureTrust } from "./choose-model-signature.js";
import { verifyStagedSignature } from "./verify-staged-signature.js";

/**
 * The last step of `pull --require-signature`: the files are in the staging folder (downloaded and sha256-checked
 * there); write the signature beside them as model.sig, verify it with verifyModelSignature against exactly those
 * files, and only then rename each file (with its verification sidecar) and model.sig into `dir`, through folders
 * checked one by one. A signature that does not hold throws before anything is moved, and leaves nothing behind: the
 * staged files go, and so do the folders this pull made (`dirExisted` false).
 */
export async function publishSignedPull(params: {
  /** The staging folder holding the downloaded files. */
  staging: string;
  /** The destination. */
  dir: string;
  /** Whether `dir` existed before the pull. */
  dirExisted: boolean;
  /** The files' relative "/"-separated paths. */
  paths: readonly string[];
  signature: Buffer;
  trust: SignatureTrust;
  /** For messages: the reference. */
  ref: string;
  signal?: AbortSignal;
}): Promise<void> {
  const { staging, dir } = params;
  const sigPath = join(staging, DEFAULT_SIGNATURE_NAME);
  await writeFileAtomic({ path: sigPath, data: params.signature, root: staging });
  try {
    await verifyStagedSignature({ staging, trust: params.trust, what: params.ref, signal: params.signal });
  } catch (e) {
    if (e instanceof SignatureError) await removeStaging(dir, staging, params.dirExisted);
    throw e;
  }
  const move = async (from: string, to: string, optional: boolean) => {
    await ensureDirInside({ root: dir, dir: dirname(to) });
    await ensureDirInside({ root: dir, dir: dirname(to), create: false });
    await rename(from, to).catch((e: NodeJS.ErrnoException) => {
      if (optional && e.code === "ENOENT") return;
      throw filesystemErrorFrom(e, to, "write");
    });
  };
  for (const rel of [...params.paths, DEFAULT_SIGNATURE_NAME]) {
    const from = join(staging, ...rel.split("/"));
    const to = join(dir, ...rel.split("/"));
    await move(from, to, false);
    // The verification sidecar (inode, size, mtime: a rename keeps them) comes along, so a re-pull skips the file.
    await move(sidecarOf(from), sidecarOf(to), true);
  }
}

function sidecarOf(path: string): string {
  return join(dirname(path), `.${basename(path)}.llamagate.json`);
}

/** Remove a refused signed pull's staging folder, and the folders it made when they are left empty. */
async function removeStaging(dir: string, staging: string, dirExisted: boolean): Promise<void> {
  await rm(staging, { recursive: true, force: true });
  const meta = join(dir, OCI_META_DIR);
  if ((await readdir(meta).catch(() => ["?"])).length === 0) await rmdir(meta).catch(() => {});
  const left = (await readdir(dir).catch(() => ["?"])).filter((n) => n !== ".llamagate.lock");
  if (!dirExisted && left.length === 0) await rm(dir, { recursive: true, force: true }).catch(() => {});
}
