import { stat } from "node:fs/promises";
import { join } from "node:path";
import type { OciPullCheck } from "./check-oci-pull.js";
import type { OciFetchInfo, PullOciEvent } from "./oci-pull-types.js";

/** The OCI source's plan: the manifest's layers, and the bytes not already in the destination. */
export interface OciPullPlan {
  checked: OciPullCheck;
  /** What the license gate learns before any layer (pullOciIter's beforeFetch, provision's gate). */
  info: OciFetchInfo;
  /** Number of files the pull puts in place (one per layer). */
  files: number;
  /** Bytes of the layers not already in the destination at their size. */
  bytesNeeded: number;
}

/**
 * The OCI source's plan, after its check, without a request: the layers to fetch and what is already there. On
 * failure the registry session is closed.
 */
// eslint-disable-next-line require-yield -- the plan is local and has nothing to report
export async function* planOciPullIter(checked: OciPullCheck): AsyncGenerator<PullOciEvent, OciPullPlan> {
  try {
    let bytesNeeded = 0;
    for (const l of checked.layers) {
      const have = await stat(join(checked.dir, ...l.path.split("/"))).then(
        (s) => s.size === l.size,
        () => false,
      );
      if (!have) bytesNeeded += l.size;
    }
    const info: OciFetchInfo = {
      ref: checked.ref.display,
      manifestDigest: checked.manifestDigest,
      config: checked.config,
      layers: checked.layers,
      ...(checked.licenseText !== undefined ? { licenseText: checked.licenseText } : {}),
    };
    return { checked, info, files: checked.layers.length, bytesNeeded };
  } catch (e) {
    await checked.session.close();
    throw e;
  }
}
