import { HubProtocolError, InvalidRevisionError } from "./errors.js";
import type { HubCallParams } from "./hub-call-params.js";
import { hubRequest } from "./hub-request.js";
import { hubUrls } from "./hub-urls.js";
import { diagnoseHubError } from "./diagnose-hub-error.js";

/** The repo facts the download needs, from /api/models/{repo}/revision/{rev}. */
export interface ResolvedRevision {
  /** The 40-hex commit sha the revision points to; pinned for the whole run. */
  commit: string;
  /** false, "auto" or "manual". */
  gated: false | string;
  /** Whether the repo is private. */
  private: boolean;
}

export interface ResolveRevisionParams extends HubCallParams {
  /** Branch, tag or commit. */
  revision: string;
}

const SHA = /^[0-9a-f]{40}$/;

/** Check a revision string before it goes into a URL. */
export function assertRevision(revision: string): void {
  if (!revision || revision.length > 255 || /[\x00-\x1f\x7f]/.test(revision) || revision.split("/").includes("..")) {
    throw new InvalidRevisionError(revision);
  }
}

/** Resolve branch/tag/sha to the commit sha (and gating facts) via the model-info API. */
export async function resolveRevision(p: ResolveRevisionParams): Promise<ResolvedRevision> {
  assertRevision(p.revision);
  const res = await hubRequest({
    url: hubUrls.modelInfo(p.endpoint, p.repoId, p.revision),
    token: p.token,
    dispatcher: p.dispatcher,
    signal: p.signal,
    onRetry: p.onRetry,
  });
  if (res.status !== 200) {
    throw await diagnoseHubError({
      response: res,
      repoId: p.repoId,
      revision: p.revision,
      endpoint: p.endpoint,
      token: p.token,
      tokenSource: p.tokenSource,
      whoami: p.whoami,
    });
  }
  let j: Record<string, unknown>;
  try {
    j = JSON.parse(res.body.toString("utf8")) as Record<string, unknown>;
  } catch (e) {
    throw new HubProtocolError(`The Hub's model info for ${p.repoId} is not JSON.`, { cause: e });
  }
  if (typeof j.sha !== "string" || !SHA.test(j.sha)) {
    throw new HubProtocolError(`The Hub's model info for ${p.repoId} has no valid commit sha.`);
  }
  return {
    commit: j.sha,
    gated: typeof j.gated === "string" ? j.gated : false,
    private: j.private === true,
  };
}
