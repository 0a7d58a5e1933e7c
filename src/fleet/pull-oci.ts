import type { DownloadEvent, EngineOptions } from "../download/types.js";
import type { RegistryCredentials } from "../sources/oci/create-registry-session.js";
import type { ModelConfigSummary } from "../sources/oci/parse-model-config.js";
import type { ModelLayer } from "../sources/oci/parse-model-artifact.js";
import { checkOciPullIter } from "./check-oci-pull.js";
import type { SignatureTrust } from "./choose-model-signature.js";
import { fetchOciPullIter } from "./fetch-oci-pull.js";
import { planOciPullIter, type OciPullPlan } from "./plan-oci-pull.js";

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
  /**
   * Stop after the plan and beforeFetch (dry runs): the source's check (manifest, config, signature, LICENSE) and
   * plan, then the summary with no layer fetched and nothing written.
   */
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

/**
 * `llamagate pull <ref> --dir D`: the OCI source's three steps in a row. Check: read the manifest (and check it
 * against the digest when the reference pins one), the model config (sha256-checked; cached in D), the required
 * signature and the LICENSE file. Plan: the layers and what D already has. Then `beforeFetch` (the license gate),
 * and fetch: every layer through the transfer engine: Range resume, sha256 verified as the bytes arrive, atomic
 * rename; files already verified are not fetched again. `checkOnly` stops before the fetch.
 */
export async function* pullOciIter(p: PullOciParams): AsyncGenerator<PullOciEvent, PullOciSummary> {
  const plan = yield* planOciPullIter(yield* checkOciPullIter(p));
  let fetching = false;
  try {
    await p.beforeFetch?.(plan.info);
    if (p.checkOnly) return plannedOciSummary(plan);
    fetching = true;
  } finally {
    if (!fetching) await plan.checked.session.close();
  }
  return yield* fetchOciPullIter(plan);
}

/** A dry run's summary: the manifest's files, none downloaded, nothing written. */
function plannedOciSummary(plan: OciPullPlan): PullOciSummary {
  const { t0, ref, dir, manifestDigest, config, layers } = plan.checked;
  return {
    ref: ref.display,
    digest: manifestDigest,
    dir,
    model: config.catalogName ?? config.name ?? null,
    licenseFamily: config.licenseFamily ?? null,
    files: layers.map((l) => ({ path: l.path, size: l.size, sha256: l.sha256, downloaded: false })),
    bytesTransferred: 0,
    seconds: (performance.now() - t0) / 1000,
  };
}
