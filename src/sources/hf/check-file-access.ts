import type { HubCallParams } from "./hub-call-params.js";
import { header, hubRequest } from "./hub-request.js";
import { hubUrls } from "./hub-urls.js";
import { diagnoseHubError } from "./diagnose-hub-error.js";

/** What the Hub's HEAD said about the probed file (each field only when the header was there). */
export interface FileMetadata {
  /** X-Linked-Etag (LFS: sha256), else ETag (git blob sha1). */
  etag?: string;
  /** X-Linked-Size. */
  size?: number;
  /** X-Repo-Commit. */
  commit?: string;
}

export interface CheckFileAccessParams extends HubCallParams {
  /** Pinned commit. */
  commit: string;
  /** One file of the repo to probe. */
  path: string;
}

/**
 * Probe access before any byte is downloaded: HEAD /resolve/{commit}/{path} without following the
 * CDN redirect. Metadata of gated repos is public, files are not, so this is where a gated repo
 * says 401/403. Throws the diagnosed error; resolves with the file's metadata headers when it may be downloaded.
 */
export async function checkFileAccess(p: CheckFileAccessParams): Promise<FileMetadata> {
  const res = await hubRequest({
    url: hubUrls.resolve(p.endpoint, p.repoId, p.commit, p.path),
    method: "HEAD",
    token: p.token,
    dispatcher: p.dispatcher,
    signal: p.signal,
    onRetry: p.onRetry,
  });
  if (res.status >= 200 && res.status < 400) {
    // huggingface_hub's metadata headers; the etag is normalised the same way (no W/, no quotes).
    const etag = (header(res.headers, "x-linked-etag") ?? header(res.headers, "etag"))
      ?.replace(/^W\//, "")
      .replace(/"/g, "");
    const size = header(res.headers, "x-linked-size");
    const commit = header(res.headers, "x-repo-commit");
    return {
      ...(etag ? { etag } : {}),
      ...(size && /^\d+$/.test(size) ? { size: Number(size) } : {}),
      ...(commit ? { commit } : {}),
    };
  }
  throw await diagnoseHubError({
    response: res,
    repoId: p.repoId,
    revision: p.commit,
    file: { commit: p.commit, path: p.path },
    endpoint: p.endpoint,
    token: p.token,
    tokenSource: p.tokenSource,
    whoami: p.whoami,
  });
}
