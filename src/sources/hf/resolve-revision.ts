import { HubProtocolError, InvalidRevisionError } from "./errors.js";
import type { HubCallParams } from "./hub-call-params.js";
import { fetchHubJson } from "./fetch-hub-json.js";
import { hubUrls } from "./hub-urls.js";

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
  const { json } = await fetchHubJson({
    ...p,
    url: hubUrls.modelInfo(p.endpoint, p.repoId, p.revision),
    what: `model info for ${p.repoId}`,
  });
  const j = (json ?? {}) as Record<string, unknown>;
  if (typeof j.sha !== "string" || !SHA.test(j.sha)) {
    throw new HubProtocolError(`The Hub's model info for ${p.repoId} has no valid commit sha.`);
  }
  return {
    commit: j.sha,
    gated: typeof j.gated === "string" ? j.gated : false,
    private: j.private === true,
  };
}
