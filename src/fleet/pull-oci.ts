import { createHash } from "node:crypto";
import { lstat, readFile, readdir, rm, rmdir } from "node:fs/promises";
import { join, resolve, sep } from "node:path";
import { ensureDirInside } from "../core/fs/ensure-dir-inside.js";
import { writeFileAtomic } from "../core/fs/write-file-atomic.js";
import { writeCopyRecord } from "../provenance/copy-record/write-copy-record.js";
import type { DownloadEvent, DownloadSummary, EngineOptions, HttpErrorInfo, TransferFile } from "../download/types.js";
import {
  createRegistrySession,
  type RegistryCredentials,
  type RegistrySession,
} from "../sources/oci/create-registry-session.js";
import { RegistryAuthError, RegistryNotFoundError } from "../sources/oci/errors.js";
import { fetchVerifiedBytes } from "../sources/oci/fetch-verified-bytes.js";
import { DOCKER_MANIFEST, OCI_INDEX, OCI_MANIFEST } from "../sources/oci/media-types.js";
import { parseModelConfig, type ModelConfigSummary } from "../sources/oci/parse-model-config.js";
import { parseModelManifest, type ModelLayer } from "../sources/oci/parse-model-artifact.js";
import { parseOciReference } from "../sources/oci/parse-oci-reference.js";
import { runEngine } from "../download/run-engine.js";
import { SignatureError, SignatureNotAttachedError } from "../provenance/errors.js";
import { fetchSignatureReferrers } from "../sources/oci/fetch-signature-referrers.js";
import { SIGNATURE_ARTIFACT } from "../sources/oci/media-types.js";
import { chooseModelSignature, type SignatureTrust } from "./choose-model-signature.js";
import { publishSignedPull } from "./publish-signed-pull.js";
import { engineOptionsOf } from "../download/engine-options-of.js";

/** What the beforeFetch hook (the license gate) learns: the artifact's config, before any layer. */
export interface OciFetchInfo {
  ref: string;
  manifestDigest: string;
  config: ModelConfigSummary;
  layers: readonly ModelLayer[];
  /** The text of the artifact's LICENSE file (read before any weight layer), when it has one. */
  licenseText?: string;
}

export interface PullOciParams extends EngineOptions {
  /** `<registry>/<repository>:<tag>` or `...@sha256:<hex>`. */
  ref: string;
  /** Destination folder (files land at their `org.cncf.model.filepath`). */
  dir: string;
  /** http:// instead of https:// (loopback and test registries). */
  plainHttp?: boolean;
  /** Credentials for this registry only (resolveRegistryCredentials looks them up per host). */
  credentials?: RegistryCredentials;
  /** Time limit of each metadata exchange (manifest, config, tokens), in ms. @default 60000 */
  metadataTimeoutMs?: number;
  /** Token-service hosts allowed although on another host than the registry, or plain http. */
  allowTokenRealmHosts?: readonly string[];
  /** Stop after the manifest, the config and beforeFetch (dry runs): no layer is fetched, nothing is written. */
  checkOnly?: boolean;
  /** Runs after the manifest and config are read and before any layer is requested (the license gate). */
  beforeFetch?: (info: OciFetchInfo) => Promise<void>;
  /**
   * Require the model's OMS signature (an OCI referrer of the manifest) to verify with this key or CA: checked
   * before any layer is fetched, and again against the downloaded files in a staging folder before any of them is
   * published into `dir`; a missing or failing signature leaves `dir` as it was.
   */
  requireSignature?: SignatureTrust;
}

export type PullOciEvent =
  | DownloadEvent
  | { type: "oci-resolved"; ref: string; digest: string; layers: number; totalBytes: number; model: string | null };

export interface PullOciSummary {
  ref: string;
  digest: string;
  dir: string;
  model: string | null;
  licenseFamily: string | null;
  files: { path: string; size: number; sha256: string; downloaded: boolean }[];
  bytesTransferred: number;
  /** With requireSignature: the signature referrer that verified (its manifest digest); it is written as model.sig. */
  signature?: { digest: string };
  seconds: number;
}

/** Folder inside the destination where the verified config blob is kept (a re-pull needs no blob GET). */
const META_DIR = ".llamagate-oci";

/**
 * `llamagate pull <ref> --dir D`: read the manifest (and check it against the digest when the reference
 * pins one), read the model config (sha256-checked; cached in D), run `beforeFetch` (the license gate),
 * then fetch every layer through the transfer engine: Range resume, sha256 verified as the bytes arrive,
 * atomic rename; files already verified are not fetched again.
 */
export async function* pullOciIter(p: PullOciParams): AsyncGenerator<PullOciEvent, PullOciSummary> {
  const t0 = performance.now();
  const ref = parseOciReference(p.ref);
  const dir = resolve(p.dir);
  const session = createRegistrySession({
    registry: ref.registry,
    repository: ref.repository,
    plainHttp: p.plainHttp,
    credentials: p.credentials,
    metadataTimeoutMs: p.metadataTimeoutMs,
    allowTokenRealmHosts: p.allowTokenRealmHosts,
    dispatcher: p.dispatcher,
    signal: p.signal,
  });
  try {
    const manifest = await fetchVerifiedBytes({
      session,
      path: `/v2/${ref.repository}/manifests/${ref.reference}`,
      accept: [OCI_MANIFEST, DOCKER_MANIFEST, OCI_INDEX].join(", "),
      digest: ref.digest,
      what: "manifest",
    });
    const parsed = parseModelManifest(manifest.bytes, ref.display);
    const configBytes =
      (await cachedConfig(dir, parsed.configDigest)) ??
      (
        await fetchVerifiedBytes({
          session,
          path: `/v2/${ref.repository}/blobs/${parsed.configDigest}`,
          digest: parsed.configDigest,
          what: "model config",
        })
      ).bytes;
    const config = parseModelConfig(configBytes, ref.display);
    const totalBytes = parsed.layers.reduce((s, l) => s + l.size, 0);
    yield {
      type: "oci-resolved",
      ref: ref.display,
      digest: manifest.digest,
      layers: parsed.layers.length,
      totalBytes,
      model: config.catalogName ?? config.name ?? null,
    };
    let signature: { digest: string; bytes: Buffer } | undefined;
    if (p.requireSignature) {
      const candidates = await fetchSignatureReferrers({
        session,
        subjectDigest: manifest.digest,
        artifactType: SIGNATURE_ARTIFACT,
      });
      if (candidates.length === 0)
        throw new SignatureNotAttachedError(`${ref.display} (${manifest.digest}) has no signature attached.`);
      const chosen = await chooseModelSignature({
        candidates: candidates.map((c) => c.bytes),
        trust: p.requireSignature,
        files: parsed.layers,
        ref: ref.display,
        signal: p.signal,
      });
      signature = candidates.find((c) => c.bytes === chosen);
    }
    const licenseText = await readLicenseLayer(session, ref.repository, dir, parsed.layers);
    await p.beforeFetch?.({
      ref: ref.display,
      manifestDigest: manifest.digest,
      config,
      layers: parsed.layers,
      ...(licenseText !== undefined ? { licenseText } : {}),
    });
    if (p.checkOnly) {
      return {
        ref: ref.display,
        digest: manifest.digest,
        dir,
        model: config.catalogName ?? config.name ?? null,
        licenseFamily: config.licenseFamily ?? null,
        files: parsed.layers.map((l) => ({ path: l.path, size: l.size, sha256: l.sha256, downloaded: false })),
        bytesTransferred: 0,
        seconds: (performance.now() - t0) / 1000,
      };
    }
    const existed = await lstat(dir).then(
      () => true,
      () => false,
    );
    // Signed pulls land in a staging folder first, published only once the signature holds over them.
    const staging = signature ? join(dir, META_DIR, `staging-${manifest.digest.slice(7, 23)}`) : undefined;
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
      try {
        await publishSignedPull({
          staging,
          dir,
          paths: [...new Set(parsed.layers.map((l) => l.path))],
          signature: signature.bytes,
          trust: p.requireSignature!,
          ref: ref.display,
          signal: p.signal,
        });
      } catch (e) {
        // A signature that does not hold leaves nothing behind: the staged files go, and so does what this pull made.
        if (e instanceof SignatureError) await removeStaging(dir, staging, existed);
        throw e;
      }
      await rm(staging, { recursive: true, force: true });
      await keepConfig(dir, parsed.configDigest, configBytes);
    }
    // What `llamagate verify DIR` re-checks the copy against later: the manifest's digests, as verified here.
    await writeCopyRecord({
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

/** LICENSE files larger than this are not read for the license check (Meta's are ~7 KiB). */
const MAX_LICENSE_BYTES = 1 << 20;

/**
 * The artifact's top-level LICENSE file as text (the license gate looks at it too): the verified copy already
 * in the destination, else the blob (sha256-checked, at most 1 MiB). Undefined when there is none.
 */
async function readLicenseLayer(
  session: RegistrySession,
  repository: string,
  dir: string,
  layers: readonly ModelLayer[],
): Promise<string | undefined> {
  const l = layers.find((x) => /^LICEN[CS]E(\.txt|\.md)?$/i.test(x.path) && x.size <= MAX_LICENSE_BYTES);
  if (!l) return undefined;
  const local = await readFile(join(dir, l.path)).catch(() => undefined);
  if (local && createHash("sha256").update(local).digest("hex") === l.sha256) return local.toString("utf8");
  const got = await fetchVerifiedBytes({
    session,
    path: `/v2/${repository}/blobs/${l.digest}`,
    digest: l.digest,
    what: "LICENSE file",
  });
  return got.bytes.toString("utf8");
}

async function cachedConfig(dir: string, digest: string): Promise<Buffer | undefined> {
  try {
    const b = await readFile(join(dir, META_DIR, `${digest.slice(7)}.json`));
    return `sha256:${createHash("sha256").update(b).digest("hex")}` === digest ? b : undefined;
  } catch {
    return undefined;
  }
}

async function keepConfig(dir: string, digest: string, bytes: Buffer): Promise<void> {
  // The one atomic writer (unpredictable temp name, O_EXCL | O_NOFOLLOW), through checked folders only.
  await writeFileAtomic({ path: join(dir, META_DIR, `${digest.slice(7)}.json`), data: bytes, root: dir });
}

/** Remove a refused signed pull's staging folder, and the folders it made when they are left empty. */
async function removeStaging(dir: string, staging: string, dirExisted: boolean): Promise<void> {
  await rm(staging, { recursive: true, force: true });
  const meta = join(dir, META_DIR);
  if ((await readdir(meta).catch(() => ["?"])).length === 0) await rmdir(meta).catch(() => {});
  const left = (await readdir(dir).catch(() => ["?"])).filter((n) => n !== ".llamagate.lock");
  if (!dirExisted && left.length === 0) await rm(dir, { recursive: true, force: true }).catch(() => {});
}
