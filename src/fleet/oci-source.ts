import type { ModelSource } from "../sources/model-source.js";
import { checkOciPullIter, type OciPullCheck } from "./check-oci-pull.js";
import { fetchOciPullIter } from "./fetch-oci-pull.js";
import { planOciPullIter, type OciPullPlan } from "./plan-oci-pull.js";
import type { PullOciEvent, PullOciParams, PullOciSummary } from "./pull-oci.js";

export type OciSource = ModelSource<PullOciParams, OciPullCheck, OciPullPlan, PullOciEvent, PullOciSummary>;

/**
 * A ModelPack artifact in an OCI registry as a source. It lives in src/fleet, not src/sources/oci, because its check
 * verifies OMS signatures and its fetch writes the copy record (provenance, which sources do not import); the
 * registry client it runs on stays in src/sources/oci. The license gate runs between plan and fetch (the caller's:
 * it needs the plan's config and LICENSE text), so `beforeFetch` is not used here.
 */
export const ociSource: OciSource = {
  kind: "oci",
  checkIsOffline: false,
  check: checkOciPullIter,
  plan: planOciPullIter,
  fetch: fetchOciPullIter,
  // The plan holds the registry session open for the fetch.
  discard: async (plan) => plan.checked.session.close(),
};
