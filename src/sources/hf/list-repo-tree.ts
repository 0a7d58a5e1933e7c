import { HubProtocolError } from "./errors.js";
import type { HubCallParams } from "./hub-call-params.js";
import { header } from "./hub-request.js";
import { fetchHubJson } from "./fetch-hub-json.js";
import { hubUrls } from "./hub-urls.js";
import { checkRepoPath } from "./check-repo-path.js";

/** One file of a repo at a commit. */
export interface RepoFile {
  /** Relative POSIX path, checked safe. */
  path: string;
  /** Size in bytes. */
  size: number;
  /** git blob sha1 (the etag of non-LFS files). */
  oid: string;
  /** LFS pointer facts: sha256 of the content (the etag) and its size. */
  lfs?: { sha256: string; size: number };
}

export interface ListRepoTreeParams extends HubCallParams {
  /** Pinned commit sha. */
  commit: string;
}

const SHA1 = /^[0-9a-f]{40}$/;
const SHA256 = /^[0-9a-f]{64}$/;
const MAX_PAGES = 1000;

/** GET /api/models/{repo}/tree/{commit}?recursive=true, following `Link: rel="next"` pages. Files only. */
export async function listRepoTree(p: ListRepoTreeParams): Promise<RepoFile[]> {
  const origin = new URL(p.endpoint).origin;
  const files: RepoFile[] = [];
  const seen = new Set<string>();
  let url: string | undefined = hubUrls.tree(p.endpoint, p.repoId, p.commit);
  for (let page = 0; url && page < MAX_PAGES; page++) {
    const { json: entries, response: res } = await fetchHubJson({
      ...p,
      url,
      revision: p.commit,
      what: `file listing of ${p.repoId}`,
    });
    if (!Array.isArray(entries)) throw new HubProtocolError(`The Hub's file listing of ${p.repoId} is not a list.`);
    for (const e of entries) {
      const f = parseEntry(e, p.repoId);
      if (!f) continue;
      if (seen.has(f.path)) throw new HubProtocolError(`The Hub's file listing of ${p.repoId} names ${f.path} twice.`);
      seen.add(f.path);
      files.push(f);
    }
    url = nextLink(header(res.headers, "link"), res.url);
    // The token goes with each page: never follow a "next" link to another host.
    if (url && new URL(url).origin !== origin)
      throw new HubProtocolError(`The Hub's file listing of ${p.repoId} points to another host.`);
  }
  // "a" as a file and "a/b" as another file cannot both exist on disk: refuse such a listing up front.
  for (const f of files) {
    const parts = f.path.split("/");
    for (let i = 1; i < parts.length; i++) {
      if (seen.has(parts.slice(0, i).join("/")))
        throw new HubProtocolError(`The Hub's file listing of ${p.repoId} has ${f.path} inside a file.`);
    }
  }
  return files;
}

function parseEntry(e: unknown, repoId: string): RepoFile | undefined {
  const o = e as Record<string, unknown> | null;
  if (!o || typeof o !== "object" || typeof o.path !== "string")
    throw new HubProtocolError(`Malformed entry in the file listing of ${repoId}.`);
  if (o.type === "directory") return undefined;
  if (o.type !== "file") throw new HubProtocolError(`Unknown entry type in the file listing of ${repoId}.`);
  const path = checkRepoPath(o.path);
  const size = o.size;
  if (
    typeof size !== "number" ||
    !Number.isSafeInteger(size) ||
    size < 0 ||
    typeof o.oid !== "string" ||
    !SHA1.test(o.oid)
  ) {
    throw new HubProtocolError(`Malformed size or oid for ${path} in the file listing of ${repoId}.`);
  }
  const file: RepoFile = { path, size, oid: o.oid };
  if (o.lfs !== undefined && o.lfs !== null) {
    const l = o.lfs as Record<string, unknown>;
    if (
      typeof l.oid !== "string" ||
      !SHA256.test(l.oid) ||
      typeof l.size !== "number" ||
      !Number.isSafeInteger(l.size) ||
      l.size < 0
    ) {
      throw new HubProtocolError(`Malformed LFS facts for ${path} in the file listing of ${repoId}.`);
    }
    file.lfs = { sha256: l.oid, size: l.size };
    file.size = l.size;
  }
  return file;
}

function nextLink(link: string | undefined, base: string): string | undefined {
  if (!link) return undefined;
  for (const part of link.split(",")) {
    const m = /<([^>]+)>\s*;\s*rel="?next"?/.exec(part);
    if (m?.[1]) return new URL(m[1], base).toString();
  }
  return undefined;
}
