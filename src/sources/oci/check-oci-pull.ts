import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { createRegistrySession, type RegistrySession } from "./create-registry-session.js";
import { fetchVerifiedBytes } from "./fetch-verified-bytes.js";
import { fetchSignatureReferrers } from "./fetch-signature-referrers.js";
import { DOCKER_MANIFEST, OCI_INDEX, OCI_MANIFEST, SIGNATURE_ARTIFACT } from "./media-types.js";
import type { OciSourceParams, PullOciEvent } from "./oci-pull-types.js";
import { parseModelConfig, type ModelConfigSummary } from "./parse-model-config.js";
import { parseModelManifest, type ModelLayer } from "./parse-model-artifact.js";
import { parseOciReference } from "./parse-oci-reference.js";

/** Folder inside the destination where the verified config blob is kept (a re-pull needs no blob GET). */
export const OCI_META_DIR = ".llamagate-oci";

/** What the OCI source's check found; its registry session stays open for the plan and the fetch. */
export interface OciPullCheck {
  params: OciSourceParams;
  /** performance.now() when the run began (the summary's seconds). */
  t0: number;
  ref: ReturnType<typeof parseOciReference>;
  /** The absolute destination folder. */
  dir: string;
  session: RegistrySession;
  manifestDigest: string;
  configDigest: string;
  configBytes: Buffer;
  config: ModelConfigSummary;
  layers: readonly ModelLayer[];
  /** With a required signature: the attached signature that verified over the manifest's files. */
  signature?: { digest: string; bytes: Buffer };
  /** The text of the artifact's LICENSE file (read before any weight layer), when it has one. */
  licenseText?: string;
}

/**
 * The OCI source's check: read the manifest (checked against the digest when the reference pins one) and the model
 * config (sha256-checked; cached in the destination), announce them (`oci-resolved`), verify the required signature
 * (the caller's step, `params.signature`) and read the LICENSE file for the license gate: access, link validity and
 * license facts, before any weight layer.
 * On failure (or when the caller stops iterating) the registry session is closed.
 */
export async function* checkOciPullIter(p: OciSourceParams): AsyncGenerator<PullOciEvent, OciPullCheck> {
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
  let checked = false;
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
    if (p.signature) {
      const candidates = await fetchSignatureReferrers({
        session,
        subjectDigest: manifest.digest,
        artifactType: SIGNATURE_ARTIFACT,
      });
      const chosen = await p.signature.choose({
        candidates: candidates.map((c) => c.bytes),
        files: parsed.layers,
        ref: ref.display,
        manifestDigest: manifest.digest,
        signal: p.signal,
      });
      signature = candidates.find((c) => c.bytes === chosen);
    }
    const licenseText = await readLicenseLayer(session, ref.repository, dir, parsed.layers);
    checked = true;
    return {
      params: p,
      t0,
      ref,
      dir,
      session,
      manifestDigest: manifest.digest,
      configDigest: parsed.configDigest,
      configBytes,
      config,
      layers: parsed.layers,
      ...(signature ? { signature } : {}),
      ...(licenseText !== undefined ? { licenseText } : {}),
    };
  } finally {
    // Failed or stopped: nothing will use the session.
    if (!checked) await session.close();
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
    const b = await readFile(join(dir, OCI_META_DIR, `${digest.slice(7)}.json`));
    return `sha256:${createHash("sha256").update(b).digest("hex")}` === digest ? b : undefined;
  } catch {
    return undefined;
  }
}
