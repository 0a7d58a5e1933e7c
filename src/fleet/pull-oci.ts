import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { join, resolve, sep } from "node:path";
import { writeFileAtomic } from "../core/fs/write-file-atomic.js";
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
    await keepConfig(dir, parsed.configDigest, configBytes);

    const headers = await session.pullHeaders();
    const transfers: TransferFile[] = [];
    const seen = new Set<string>();
    for (const l of parsed.layers) {
      const destPath = join(dir, ...l.path.split("/"));
      if (!destPath.startsWith(dir + sep))
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
      concurrency: p.concurrency ?? 4,
      partsPerFile: p.partsPerFile ?? 1,
      partMinBytes: p.partMinBytes,
      dispatcher: p.dispatcher,
      rateLimiter: p.rateLimiter,
      retry: p.retry,
      stallTimeoutMs: p.stallTimeoutMs,
      lockWaitMs: p.lockWaitMs,
      signal: p.signal,
      lockDir: dir,
      root: dir,
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
    const byPath = new Map(summary.files.map((f) => [f.path, f]));
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
