/**
 * URL builders for the Hub. Every part taken from input is encoded; the revision is encoded with no
 * safe characters (a "/" in a branch name becomes %2F), file paths keep their "/" separators.
 */

/** Strip trailing slashes from an endpoint like HF_ENDPOINT. */
function normalizeEndpoint(endpoint: string): string {
  return endpoint.replace(/\/+$/, "");
}

function encodePath(path: string): string {
  return path.split("/").map(encodeURIComponent).join("/");
}

function encodeRepo(repoId: string): string {
  return repoId.split("/").map(encodeURIComponent).join("/");
}

export const hubUrls = {
  /** Web page of a repo (where access is requested). */
  repoPage: (endpoint: string, repoId: string) => `${normalizeEndpoint(endpoint)}/${encodeRepo(repoId)}`,
  /** Token settings page. */
  tokens: (endpoint: string) => `${normalizeEndpoint(endpoint)}/settings/tokens`,
  /** GET model info at a revision (resolves it to a commit sha). */
  modelInfo: (endpoint: string, repoId: string, revision: string) =>
    `${normalizeEndpoint(endpoint)}/api/models/${encodeRepo(repoId)}/revision/${encodeURIComponent(revision)}`,
  /** GET recursive file listing at a commit. */
  tree: (endpoint: string, repoId: string, commit: string) =>
    `${normalizeEndpoint(endpoint)}/api/models/${encodeRepo(repoId)}/tree/${encodeURIComponent(commit)}?recursive=true&expand=false`,
  /** File download (302 to the CDN for LFS files). */
  resolve: (endpoint: string, repoId: string, revision: string, path: string) =>
    `${normalizeEndpoint(endpoint)}/${encodeRepo(repoId)}/resolve/${encodeURIComponent(revision)}/${encodePath(path)}`,
  /** Xet read token of a repo revision (hub-docs docs/xet/auth.md). */
  xetReadToken: (endpoint: string, repoId: string, revision: string) =>
    `${normalizeEndpoint(endpoint)}/api/models/${encodeRepo(repoId)}/xet-read-token/${encodeURIComponent(revision)}`,
  /** Identity of the token. */
  whoami: (endpoint: string) => `${normalizeEndpoint(endpoint)}/api/whoami-v2`,
};
