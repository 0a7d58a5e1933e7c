import type { ModelSource } from "../model-source.js";
import { checkOciPullIter, type OciPullCheck } from "./check-oci-pull.js";
import { fetchOciPullIter } from "./fetch-oci-pull.js";
import type { OciSourceParams, PullOciEvent, PullOciSummary } from "./oci-pull-types.js";
import { planOciPullIter, type OciPullPlan } from "./plan-oci-pull.js";

export type OciSource = ModelSource<OciSourceParams, OciPullCheck, OciPullPlan, PullOciEvent, PullOciSummary>;

/**
 * A ModelPack artifact in an OCI registry as a source, on the registry client beside it. Its provenance steps (a
 * required signature's verification, the copy record) come in its parameters, handed in by the caller
 * (src/fleet's ociSourceParams), as the sources layer does not import provenance. The license gate runs between
 * plan and fetch (the caller's: it needs the plan's config and LICENSE text, `plan.info`).
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
