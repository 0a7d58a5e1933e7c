import { bindSource } from "../pipeline/bind-source.js";
import type { OciFetchInfo, PullOciEvent, PullOciSummary } from "../sources/oci/oci-pull-types.js";
import type { OciPullPlan } from "../sources/oci/plan-oci-pull.js";
import { sourceFor } from "../sources/source-for.js";
import { ociSourceParams, type OciPullOptions } from "./oci-source-params.js";

export interface PullOciParams extends OciPullOptions {
  /**
   * Stop after the plan and beforeFetch (dry runs): the source's check (manifest, config, signature, LICENSE) and
   * plan, then the summary with no layer fetched and nothing written.
   */
  checkOnly?: boolean;
  /** Runs after the manifest and config are read and before any layer is requested (the license gate). */
  beforeFetch?: (info: OciFetchInfo) => Promise<void>;
}

/**
 * `llamagate pull <ref> --dir D`: the OCI source run as every source runs (bindSource). Check: read the manifest
 * (and check it against the digest when the reference pins one), the model config (sha256-checked; cached in D), the
 * required signature and the LICENSE file. Plan: the layers and what D already has. Then `beforeFetch` (the license
 * gate), and fetch: every layer through the transfer engine: Range resume, sha256 verified as the bytes arrive,
 * atomic rename; files already verified are not fetched again. `checkOnly` stops before the fetch.
 */
export async function* pullOciIter(p: PullOciParams): AsyncGenerator<PullOciEvent, PullOciSummary> {
  const { checkOnly, beforeFetch, ...options } = p;
  const bound = bindSource(await sourceFor("oci"), ociSourceParams(options), (summary) => summary);
  try {
    const plan = yield* bound.plan();
    await beforeFetch?.(plan.info);
    if (checkOnly) return plannedOciSummary(plan);
    return yield* bound.fetch();
  } finally {
    // Stopped after the plan (a dry run, a refused gate): the registry session closes; after a fetch, nothing to do.
    await bound.discard();
  }
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
