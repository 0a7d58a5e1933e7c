/**
 * A Hugging Face Hub look-alike on 127.0.0.1 for tests: model info, recursive tree (paginated),
 * whoami-v2, /resolve (HEAD and GET) with 302 to a "CDN" on another port that, like a presigned
 * storage URL, rejects any Authorization header. Gated repos answer 401/403 with X-Error-Code and
 * the Hub's real messages; faults (429, dropped connections, lying sizes/hashes) are injectable.
 * Hashes are computed here with node:crypto, independently of the code under test.
 */
import { createHash } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { listenLocal, serveBytes, type Fault } from "./server-base.js";
import type { XetServer } from "./xet-server.js";

export interface HubFileSpec {
  path: string;
  content: Buffer;
  /** Stored in LFS: served through the CDN, listed with lfs.oid = sha256. */
  lfs?: boolean;
  /** Bytes actually served instead of `content` (a server lying about the hash). */
  served?: Buffer;
  /**
   * Stored on Xet (needs startHubServer's `xet`): /resolve adds `X-Xet-Hash` and the `xet-auth` /
   * `xet-reconstruction-info` links to its bridge redirect, like the Hub; implies lfs.
   */
  xet?: boolean;
}

export interface HubRepoSpec {
  id: string;
  gated?: "auto" | "manual";
  private?: boolean;
  /** 40-hex commit that `main` points to. */
  commit: string;
  /** Other branches/tags → commit (all serve the same files). */
  refs?: Record<string, string>;
  files: HubFileSpec[];
  /** Raw entries appended to the tree listing (path traversal tests...). */
  extraTreeEntries?: unknown[];
}

export interface HubTokenSpec {
  token: string;
  user: string;
  role: "read" | "write" | "fineGrained";
  /** Fine-grained only. */
  canReadGatedRepos?: boolean;
  /** Gated repo id → state of this user's access request. */
  access?: Record<string, "granted" | "pending" | "rejected">;
}

export interface HubFaults {
  /** Answer this many requests to /api/models/... with 429 (RateLimit t=0) before serving them. */
  apiRateLimit?: number;
  /** Answer this many /resolve requests with 429 (Retry-After: 0) before serving them. */
  resolveRateLimit?: number;
  /** CDN: for these sha256s, the first GET sends half the body then drops the connection. */
  dropOnce?: string[];
  /** CDN: for these sha256s, the first GET sends half the body then stalls (the connection stays open). */
  stallOnce?: string[];
  /** /resolve GET (not HEAD) of these paths answers this error: access revoked mid-run, file deleted... */
  resolveGetError?: Record<string, { status: number; code?: string; message: string }>;
  /** /resolve reports this X-Repo-Commit instead of the real one (a stale mirror). */
  resolveCommitOverride?: string;
  /**
   * CDN: these sha256s behave like the Hub's LFS bridge for a Xet file over its Range threshold (tens of GB):
   * a GET without a Range header gets 400, a ranged one 206.
   */
  bridgeRequiresRange?: string[];
  /** Page size of the tree listing (Link: rel="next" pagination); default: everything in one page. */
  treePageSize?: number;
  /** The Xet token route answers 404 (a mirror that proxies /resolve but not the Xet routes). */
  noXetTokenRoute?: boolean;
  /** The `xet-auth` link names https://huggingface.co (as the public Hub does behind a mirror) instead of the endpoint. */
  xetAuthOnPublicHub?: boolean;
}

export interface RecordedRequest {
  server: "hub" | "cdn";
  method: string;
  path: string;
  authorization?: string;
  range?: string;
  /** The client's port (which connection, e.g. a proxy's tunnel, the request came on). */
  remotePort?: number;
  /** The Accept header, when sent. */
  accept?: string;
}

export interface HubServer {
  endpoint: string;
  cdnOrigin: string;
  requests: RecordedRequest[];
  faults: HubFaults;
  close(): Promise<void>;
}

export function sha256(b: Buffer): string {
  return createHash("sha256").update(b).digest("hex");
}

/** git's blob id: sha1("blob <len>\0" + content). */
export function gitBlobSha1(b: Buffer): string {
  return createHash("sha1").update(`blob ${b.length}\0`).update(b).digest("hex");
}

export async function startHubServer(opts: {
  repos: HubRepoSpec[];
  tokens: HubTokenSpec[];
  faults?: HubFaults;
  /** The Xet storage stand-in that holds the repos' `xet` files (test/helpers/xet-server.ts). */
  xet?: XetServer;
}): Promise<HubServer> {
  const requests: RecordedRequest[] = [];
  const faults: HubFaults = { ...opts.faults };
  const dropped = new Set<string>();
  const stalled = new Set<string>();
  const blobs = new Map<string, Buffer>();
  for (const r of opts.repos) for (const f of r.files) if (f.xet) f.lfs = true;
  for (const r of opts.repos) for (const f of r.files) if (f.lfs) blobs.set(sha256(f.content), f.served ?? f.content);
  /** sha256 of a Xet-stored file → its Xet file id. */
  const xetIds = new Map<string, string>();
  for (const r of opts.repos)
    for (const f of r.files)
      if (f.xet && opts.xet) xetIds.set(sha256(f.content), opts.xet.addFile(f.served ?? f.content));

  const cdn = await listenLocal((req, res) => {
    record(requests, "cdn", req);
    if (req.headers.authorization) {
      // What S3/CloudFront answer when a presigned URL also carries an Authorization header.
      res
        .writeHead(400, { "content-type": "application/xml" })
        .end("<Error><Code>InvalidArgument</Code><Message>Only one auth mechanism allowed</Message></Error>");
      return;
    }
    const url = new URL(req.url ?? "/", "http://x");
    const sha = url.pathname.split("/").pop() ?? "";
    const body = blobs.get(sha);
    if (!url.searchParams.get("X-Amz-Signature") || !body)
      return void res.writeHead(403).end("<Error><Code>AccessDenied</Code></Error>");
    if (faults.bridgeRequiresRange?.includes(sha) && req.method === "GET" && !req.headers.range) {
      res
        .writeHead(400, { "content-type": "text/plain" })
        .end("Bad Request: a Range header is required for files of this size");
      return;
    }
    let fault: Fault | undefined;
    if (faults.dropOnce?.includes(sha) && !dropped.has(sha) && req.method === "GET") {
      dropped.add(sha);
      fault = { kind: "drop", afterBytes: Math.floor(body.length / 2) };
    } else if (faults.stallOnce?.includes(sha) && !stalled.has(sha) && req.method === "GET") {
      stalled.add(sha);
      fault = { kind: "stall", afterBytes: Math.floor(body.length / 2) };
    }
    serveBytes(req, res, body, { fault, headers: { etag: `"${sha}"` } });
    return;
  });

  const hub = await listenLocal((req, res) => {
    record(requests, "hub", req);
    try {
      handleHub(req, res);
    } catch (e) {
      res.writeHead(500).end(String(e));
    }
  });

  const endpoint = hub.origin;
  const cdnOrigin = cdn.origin;

  function tokenOf(req: IncomingMessage): HubTokenSpec | "invalid" | undefined {
    const h = req.headers.authorization;
    if (!h) return undefined;
    const m = /^Bearer (.+)$/.exec(h);
    return opts.tokens.find((t) => m && t.token === m[1]) ?? "invalid";
  }

  function handleHub(req: IncomingMessage, res: ServerResponse) {
    const url = new URL(req.url ?? "/", endpoint);
    const path = decodeURIComponent(url.pathname);
    const tok = tokenOf(req);
    if (tok === "invalid") return err(res, 401, undefined, "Invalid credentials in Authorization header");

    if (path === "/api/whoami-v2") {
      if (!tok) return err(res, 401, undefined, "Invalid username or password.");
      return json(res, 200, {
        type: "user",
        id: `id-${tok.user}`,
        name: tok.user,
        fullname: `${tok.user} Example`,
        orgs: [{ type: "org", name: "example-org" }],
        auth: {
          type: "access_token",
          accessToken: {
            displayName: `${tok.user}-token`,
            role: tok.role,
            ...(tok.role === "fineGrained"
              ? { fineGrained: { canReadGatedRepos: tok.canReadGatedRepos ?? false, global: [], scoped: [] } }
              : {}),
          },
        },
      });
    }

    const xetToken = /^\/api\/models\/(.+?)\/xet-read-token\/([^/]+)$/.exec(path);
    if (xetToken && opts.xet && !faults.noXetTokenRoute) {
      const repo = findRepo(xetToken[1]!, tok, res);
      if (!repo) return;
      if (!commitOf(repo, xetToken[2]!, res)) return;
      if (repo.gated && !gatedAllowed(repo, tok, res)) return;
      return json(res, 200, opts.xet.issueToken());
    }

    // paths-info: what @huggingface/hub's downloadFileToCacheDir (and so its snapshotDownload) asks per file.
    const pathsInfo = /^\/api\/models\/(.+?)\/paths-info\/([^/]+)$/.exec(path);
    if (pathsInfo && req.method === "POST") {
      const repo = findRepo(pathsInfo[1]!, tok, res);
      if (!repo) return;
      const commit = commitOf(repo, pathsInfo[2]!, res);
      if (!commit) return;
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        let asked: { paths?: unknown; expand?: unknown };
        try {
          asked = JSON.parse(Buffer.concat(chunks).toString("utf8")) as typeof asked;
        } catch {
          return err(res, 400, undefined, "Invalid JSON body");
        }
        const paths = Array.isArray(asked.paths) ? asked.paths.map(String) : [];
        const found = repo.files.filter((f) => paths.includes(f.path));
        json(
          res,
          200,
          found.map((f) => ({
            ...treeEntry(f),
            ...(f.xet && xetIds.has(sha256(f.content)) ? { xetHash: xetIds.get(sha256(f.content)) } : {}),
            ...(asked.expand
              ? { lastCommit: { id: commit, title: "stand-in", date: "2026-01-01T00:00:00.000Z" } }
              : {}),
          })),
        );
      });
      return;
    }

    const api = /^\/api\/models\/(.+?)(?:\/(revision|tree)\/([^/]+))?$/.exec(path);
    if (api) {
      if (faults.apiRateLimit && faults.apiRateLimit > 0) {
        faults.apiRateLimit--;
        res.writeHead(429, {
          ratelimit: '"api";r=0;t=0',
          "ratelimit-policy": '"fixed window";"api";q=500;w=300',
          "content-type": "application/json",
        });
        return void res.end(JSON.stringify({ error: "Too many requests" }));
      }
      const repo = findRepo(api[1]!, tok, res);
      if (!repo) return;
      const commit = commitOf(repo, api[3] ?? "main", res);
      if (!commit) return;
      if (api[2] === "tree") return sendTree(res, repo, commit, url);
      return json(res, 200, {
        id: repo.id,
        sha: commit,
        private: Boolean(repo.private),
        gated: repo.gated ?? false,
        siblings: repo.files.map((f) => ({ rfilename: f.path })),
      });
    }

    const resolve = /^\/(.+?)\/resolve\/([^/]+)\/(.+)$/.exec(path);
    if (resolve) {
      if (faults.resolveRateLimit && faults.resolveRateLimit > 0) {
        faults.resolveRateLimit--;
        res.writeHead(429, { "retry-after": "0" });
        return void res.end();
      }
      const repo = findRepo(resolve[1]!, tok, res);
      if (!repo) return;
      const commit = commitOf(repo, resolve[2]!, res);
      if (!commit) return;
      if (repo.gated && !gatedAllowed(repo, tok, res)) return;
      const injected = req.method === "GET" ? faults.resolveGetError?.[resolve[3]!] : undefined;
      if (injected) return err(res, injected.status, injected.code, injected.message);
      const file = repo.files.find((f) => f.path === resolve[3]);
      if (!file) return err(res, 404, "EntryNotFound", "Entry not found", { "x-repo-commit": commit });
      if (file.lfs) {
        const sha = sha256(file.content);
        const xetId = xetIds.get(sha);
        const meta: Record<string, string> = {
          "x-linked-etag": `"${sha}"`,
          "x-linked-size": String(file.content.length),
          "x-repo-commit": faults.resolveCommitOverride ?? commit,
          etag: `"${gitBlobSha1(file.content)}"`,
        };
        if (xetId && opts.xet) {
          const authBase = faults.xetAuthOnPublicHub ? "https://huggingface.co" : endpoint;
          meta["x-xet-hash"] = xetId;
          meta.link = [
            `<${authBase}/api/models/${repo.id}/xet-read-token/${commit}>; rel="xet-auth"`,
            `<${opts.xet.casUrl}/v1/reconstructions/${xetId}>; rel="xet-reconstruction-info"`,
          ].join(", ");
          // What the Hub answers a client that asks for Xet file info instead of the bridge redirect.
          if (String(req.headers.accept ?? "").includes("application/vnd.xet-fileinfo+json")) {
            res.writeHead(200, { ...meta, "content-type": "application/vnd.xet-fileinfo+json" });
            return void res.end(
              JSON.stringify({
                casUrl: opts.xet.casUrl,
                hash: xetId,
                refreshUrl: `${authBase}/api/models/${repo.id}/xet-read-token/${commit}`,
                reconstructionUrl: `${opts.xet.casUrl}/v1/reconstructions/${xetId}`,
                etag: sha,
                size: file.content.length,
              }),
            );
          }
        }
        res.writeHead(302, {
          location: `${cdnOrigin}/repos/${sha.slice(0, 2)}/${sha}?X-Amz-Signature=s3cr3tsig&X-Amz-Expires=3600`,
          ...meta,
          "content-length": "0",
        });
        return void res.end();
      }
      return void serveBytes(req, res, file.served ?? file.content, {
        headers: { etag: `"${gitBlobSha1(file.content)}"`, "x-repo-commit": faults.resolveCommitOverride ?? commit },
      });
    }
    err(res, 404, undefined, "Not found");
  }

  function findRepo(id: string, tok: HubTokenSpec | undefined, res: ServerResponse): HubRepoSpec | undefined {
    const repo = opts.repos.find((r) => r.id === id);
    if (!repo || (repo.private && !tok)) {
      // The Hub cannot tell "missing" from "private" to anonymous callers: 401 for them, 404 otherwise.
      if (!tok) err(res, 401, "RepoNotFound", "Invalid username or password.");
      else err(res, 404, "RepoNotFound", "Repository not found");
      return undefined;
    }
    return repo;
  }

  function commitOf(repo: HubRepoSpec, rev: string, res: ServerResponse): string | undefined {
    if (rev === "main" || rev === repo.commit) return repo.commit;
    if (Object.values(repo.refs ?? {}).includes(rev)) return rev;
    const c = repo.refs?.[rev];
    if (c) return c;
    err(res, 404, "RevisionNotFound", `Invalid rev id: ${rev}`);
    return undefined;
  }

  function gatedAllowed(repo: HubRepoSpec, tok: HubTokenSpec | undefined, res: ServerResponse): boolean {
    if (!tok) {
      err(
        res,
        401,
        "GatedRepo",
        `Access to model ${repo.id} is restricted. You must have access to it and be authenticated to access it. Please log in.`,
      );
      return false;
    }
    const state = tok.access?.[repo.id];
    if (state === "granted" && (tok.role !== "fineGrained" || tok.canReadGatedRepos)) return true;
    if (state === "pending")
      err(res, 403, "GatedRepo", `Your request to access model ${repo.id} is awaiting a review from the repo authors.`);
    else if (state === "rejected")
      err(res, 403, "GatedRepo", `Your request to access model ${repo.id} has been rejected by the repo's authors.`);
    else
      err(
        res,
        403,
        "GatedRepo",
        `Access to model ${repo.id} is restricted and you are not in the authorized list. Visit ${endpoint}/${repo.id} to ask for access.`,
      );
    return false;
  }

  /** A file as the tree listing (and paths-info) describes it: LFS pointer facts for LFS/Xet files. */
  function treeEntry(f: HubFileSpec): Record<string, unknown> {
    return f.lfs
      ? {
          type: "file",
          path: f.path,
          size: f.content.length,
          oid: gitBlobSha1(
            Buffer.from(
              `version https://git-lfs.github.com/spec/v1\noid sha256:${sha256(f.content)}\nsize ${f.content.length}\n`,
            ),
          ),
          lfs: { oid: sha256(f.content), size: f.content.length, pointerSize: 134 },
        }
      : { type: "file", path: f.path, size: f.content.length, oid: gitBlobSha1(f.content) };
  }

  function sendTree(res: ServerResponse, repo: HubRepoSpec, _commit: string, url: URL) {
    const dirs = new Set<string>();
    for (const f of repo.files) {
      const parts = f.path.split("/");
      for (let i = 1; i < parts.length; i++) dirs.add(parts.slice(0, i).join("/"));
    }
    const entries: unknown[] = [
      ...[...dirs].map((d) => ({ type: "directory", path: d, oid: "0".repeat(40), size: 0 })),
      ...repo.files.map(treeEntry),
      ...(repo.extraTreeEntries ?? []),
    ];
    const size = faults.treePageSize ?? entries.length;
    const cursor = Number(url.searchParams.get("cursor") ?? 0);
    const page = entries.slice(cursor, cursor + size);
    const headers: Record<string, string> = { "content-type": "application/json" };
    if (cursor + size < entries.length) {
      const next = new URL(url);
      next.searchParams.set("cursor", String(cursor + size));
      headers.link = `<${next.toString()}>; rel="next"`;
    }
    res.writeHead(200, headers).end(JSON.stringify(page));
  }

  return {
    endpoint,
    cdnOrigin,
    requests,
    faults,
    close: async () => {
      await Promise.all([hub.close(), cdn.close()]);
    },
  };
}

function record(log: RecordedRequest[], server: "hub" | "cdn", req: IncomingMessage) {
  log.push({
    server,
    method: req.method ?? "GET",
    path: req.url ?? "/",
    ...(req.headers.authorization ? { authorization: req.headers.authorization } : {}),
    ...(req.headers.range ? { range: req.headers.range } : {}),
    ...(req.headers.accept ? { accept: req.headers.accept } : {}),
    remotePort: req.socket.remotePort,
  });
}

function json(res: ServerResponse, status: number, value: unknown) {
  res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(value));
}

function err(
  res: ServerResponse,
  status: number,
  code: string | undefined,
  message: string,
  extra: Record<string, string> = {},
) {
  res.writeHead(status, {
    "content-type": "application/json",
    "x-error-message": message,
    ...(code ? { "x-error-code": code } : {}),
    ...extra,
  });
  res.end(JSON.stringify({ error: message }));
}
