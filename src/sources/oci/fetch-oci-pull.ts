import { lstat, rm } from "node:fs/promises";
import { join, sep } from "node:path";
import { ensureDirInside } from "../../core/fs/ensure-dir-inside.js";
import { writeFileAtomic } from "../../core/fs/write-file-atomic.js";
import type { DownloadSummary, HttpErrorInfo, TransferFile } from "../../download/types.js";
import { RegistryAuthError, RegistryNotFoundError } from "./errors.js";
import { runEngine } from "../../download/run-engine.js";
import { engineOptionsOf } from "../../download/engine-options-of.js";
import { OCI_META_DIR } from "./check-oci-pull.js";
import type { PullOciEvent, PullOciSummary } from "./oci-pull-types.js";
import type { OciPullPlan } from "./plan-oci-pull.js";

/**
 * The OCI source's fetch, from its plan: every layer through the transfer engine (Range resume, sha256 verified as
 * the bytes arrive, atomic rename; files already verified are not fetched again); a signed pull lands in a staging
 * folder published only once the signature holds over it. Closes the registry session.
 */
export async function* fetchOciPullIter(plan: OciPullPlan): AsyncGenerator<PullOciEvent, PullOciSummary> {
  const { params: p, t0, ref, dir, session, signature, config, configBytes } = plan.checked;
  const manifest = { digest: plan.checked.manifestDigest };
  const parsed = { configDigest: plan.checked.configDigest, layers: plan.checked.layers };
  try {
    const existed = await lstat(dir).then(
      () => true,
      () => false,
    );
    // Signed pulls land in a staging folder first, published only once the signature holds over them.
    const staging = signature ? join(dir, OCI_META_DIR, `staging-${manifest.digest.slice(7, 23)}`) : undefined;
    const target = staging ?? dir;
    if (!signature) await keepConfig(dir, parsed.configDigest, configBytes);
    // Made through checked folders (no link planted under the destination is followed).
    else await ensureDirInside({ root: dir, dir: target });

    const headers = await session.pullHeaders();
    const transfers: TransferFile[] = [];
    const seen = new Set<string>();
    for (const l of parsed.layers) {
      const destPath = join(target, ...l.path.split("/"));
      if (!destPath.startsWith(target + sep))
        throw new RegistryNotFoundError(`Layer path ${l.path} leaves the destination.`);
      if (seen.has(destPath)) continue;
      seen.add(destPath);
      transfers.push({
        url: `${session.baseUrl}/v2/${ref.repository}/blobs/${l.digest}`,
        destPath,
        displayName: l.path,
        expectedSize: l.size,
        expectedHash: { algorithm: "sha256", hex: l.sha256 },
        ...(Object.keys(headers).length ? { headers } : {}),
      });
    }
    const summary: DownloadSummary = yield* runEngine({
      files: transfers,
      ...engineOptionsOf(p),
      concurrency: p.concurrency ?? 4,
      lockDir: dir,
      root: target,
      detectHtml: false,
      classifyHttpError: (info: HttpErrorInfo) =>
        info.status === 401 || info.status === 403
          ? new RegistryAuthError(
              ref.registry,
              `${ref.registry} refused the download of ${info.file.displayName} (HTTP ${info.status}).`,
            )
          : info.status === 404
            ? new RegistryNotFoundError(
                `${ref.display}: the registry has no blob for ${info.file.displayName} (HTTP 404).`,
              )
            : undefined,
    });
    if (signature && staging) {
      // The caller's step: verified over the staged files, then moved into place; a refusal leaves nothing behind.
      await p.signature!.publish({
        staging,
        dir,
        dirExisted: existed,
        paths: [...new Set(parsed.layers.map((l) => l.path))],
        signature: signature.bytes,
        ref: ref.display,
        signal: p.signal,
      });
      await rm(staging, { recursive: true, force: true });
      await keepConfig(dir, parsed.configDigest, configBytes);
    }
    // What `llamagate verify DIR` re-checks the copy against later: the manifest's digests, as verified here.
    await p.recordCopy({
      dir,
      source: { kind: "oci", ref: ref.display, digest: manifest.digest, configDigest: parsed.configDigest },
      files: parsed.layers.map((l) => ({ path: l.path, size: l.size, sha256: l.sha256 })),
      extra: signature ? ["model.sig"] : [],
    });
    const byPath = new Map(summary.files.map((f) => [f.path.replace(target, dir), f]));
    return {
      ref: ref.display,
      digest: manifest.digest,
      dir,
      model: config.catalogName ?? config.name ?? null,
      licenseFamily: config.licenseFamily ?? null,
      files: parsed.layers.map((l) => {
        const f = byPath.get(join(dir, ...l.path.split("/")));
        return { path: l.path, size: l.size, sha256: l.sha256, downloaded: Boolean(f && !f.skipped) };
      }),
      bytesTransferred: summary.totals.bytesTransferred,
      ...(signature ? { signature: { digest: signature.digest } } : {}),
      seconds: (performance.now() - t0) / 1000,
    };
  } finally {
    await session.close();
  }
}

async function keepConfig(dir: string, digest: string, bytes: Buffer): Promise<void> {
  // The one atomic writer (unpredictable temp name, O_EXCL | O_NOFOLLOW), through checked folders only.
  await writeFileAtomic({ path: join(dir, OCI_META_DIR, `${digest.slice(7)}.json`), data: bytes, root: dir });
}
