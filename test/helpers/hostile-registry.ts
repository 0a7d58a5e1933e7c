/**
 * A small OCI registry on 127.0.0.1 for hostile-registry tests: it serves ModelPack artifacts built from
 * files given in memory, records every request (with its Authorization header), can require Basic auth, and
 * lets a test take over any request (`handle`) to answer with a huge or endless body, a dripping body, a
 * redirect, an echo of the credentials, a bearer challenge... Test code only: nothing here ships.
 */
import { createHash } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";

/** One artifact the registry serves: repo:tag with its files and config JSON. */
export interface HostileArtifact {
  repo: string;
  tag: string;
  files: Record<string, Buffer>;
  /** The model config JSON. @default a config naming the repo, no license */
  config?: Record<string, unknown>;
}

export interface SeenRequest {
  method: string;
  url: string;
  authorization?: string;
}

export interface HostileRegistry {
  /** "127.0.0.1:<port>". */
  host: string;
  requests: SeenRequest[];
  /** "sha256:<hex>" of an artifact's config blob. */
  configDigest(repo: string): string;
  close(): Promise<void>;
}

export interface HostileRegistryOptions {
  artifacts?: HostileArtifact[];
  /** Require these Basic credentials for every /v2/ request. */
  basicAuth?: { user: string; password: string };
  /** Take over a request: return true when it was answered. */
  handle?: (req: IncomingMessage, res: ServerResponse) => boolean | void;
  /**
   * Accept pushes (monolithic blob uploads: POST then PUT ?digest=; manifest PUTs) and, with `referrersApi`, answer
   * `GET /v2/<name>/referrers/<digest>` and send `OCI-Subject` for a manifest with a subject (OCI distribution 1.1).
   */
  writable?: { referrersApi?: boolean };
}

const sha = (b: Buffer) => `sha256:${createHash("sha256").update(b).digest("hex")}`;

/** Write `chunk` to `res` again and again until the client goes away (an endless body). */
export function endless(res: ServerResponse, status: number, chunk = Buffer.alloc(64 << 10, 0x41)): void {
  res.writeHead(status, { "content-type": "application/json" });
  const pump = () => {
    while (!res.destroyed && res.write(chunk));
    if (!res.destroyed) res.once("drain", pump);
  };
  res.on("error", () => {});
  pump();
}

/** Send the status and headers, then one byte every `everyMs` for as long as the client stays. */
export function drip(res: ServerResponse, status: number, everyMs = 10_000): void {
  res.writeHead(status, { "content-type": "application/json" });
  res.write("{");
  const t = setInterval(() => res.write(" "), everyMs);
  res.on("close", () => clearInterval(t));
  res.on("error", () => {});
}

export async function startHostileRegistry(opts: HostileRegistryOptions = {}): Promise<HostileRegistry> {
  const blobs = new Map<string, Buffer>();
  const manifests = new Map<string, Buffer>();
  const configs = new Map<string, string>();
  for (const a of opts.artifacts ?? []) {
    const config = Buffer.from(JSON.stringify(a.config ?? { descriptor: { name: a.repo }, config: {} }));
    blobs.set(sha(config), config);
    configs.set(a.repo, sha(config));
    const layers = Object.entries(a.files)
      .sort(([x], [y]) => (x < y ? -1 : 1))
      .map(([path, bytes]) => {
        blobs.set(sha(bytes), bytes);
        return {
          mediaType: /LICENSE|\.md$/.test(path)
            ? "application/vnd.cncf.model.doc.v1.raw"
            : "application/vnd.cncf.model.weight.v1.raw",
          digest: sha(bytes),
          size: bytes.length,
          annotations: { "org.cncf.model.filepath": path },
        };
      });
    const manifest = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: "application/vnd.oci.image.manifest.v1+json",
        artifactType: "application/vnd.cncf.model.manifest.v1+json",
        config: { mediaType: "application/vnd.cncf.model.config.v1+json", digest: sha(config), size: config.length },
        layers,
      }),
    );
    manifests.set(`${a.repo}:${a.tag}`, manifest);
    manifests.set(`${a.repo}:${sha(manifest)}`, manifest);
  }
  const requests: SeenRequest[] = [];
  /** Referrers per "repo:subject digest" (what the referrers API lists). */
  const referrers = new Map<string, Record<string, unknown>[]>();
  const readBody = (req: IncomingMessage) =>
    new Promise<Buffer>((resolve) => {
      const parts: Buffer[] = [];
      req.on("data", (c: Buffer) => parts.push(c));
      req.on("end", () => resolve(Buffer.concat(parts)));
    });
  const handleWrite = (req: IncomingMessage, res: ServerResponse, path: string, api: boolean): boolean => {
    const up = /^\/v2\/(.+)\/blobs\/uploads\/([^/]*)$/.exec(path);
    if (req.method === "POST" && up) {
      res.writeHead(202, { location: `/v2/${up[1]}/blobs/uploads/u${requests.length}`, "content-length": 0 });
      res.end();
      return true;
    }
    if (req.method === "PUT" && up) {
      const digest = new URL(req.url!, "http://x").searchParams.get("digest")!;
      void readBody(req).then((b) => {
        if (sha(b) !== digest) {
          res.writeHead(400, { "content-type": "application/json" });
          res.end('{"errors":[{"code":"DIGEST_INVALID","message":"digest mismatch"}]}');
          return;
        }
        blobs.set(digest, b);
        res.writeHead(201, { "docker-content-digest": digest, "content-length": 0 });
        res.end();
      });
      return true;
    }
    const man = /^\/v2\/(.+)\/manifests\/([^/]+)$/.exec(path);
    if (req.method === "PUT" && man) {
      void readBody(req).then((b) => {
        manifests.set(`${man[1]}:${man[2]}`, b);
        manifests.set(`${man[1]}:${sha(b)}`, b);
        const m = JSON.parse(b.toString("utf8")) as { subject?: { digest: string }; artifactType?: string };
        const headers: Record<string, string | number> = { "docker-content-digest": sha(b), "content-length": 0 };
        if (api && m.subject) {
          const key = `${man[1]}:${m.subject.digest}`;
          referrers.set(key, [
            ...(referrers.get(key) ?? []),
            {
              mediaType: "application/vnd.oci.image.manifest.v1+json",
              digest: sha(b),
              size: b.length,
              artifactType: m.artifactType,
            },
          ]);
          headers["oci-subject"] = m.subject.digest;
        }
        res.writeHead(201, headers);
        res.end();
      });
      return true;
    }
    const rf = /^\/v2\/(.+)\/referrers\/([^/]+)$/.exec(path);
    if (api && req.method === "GET" && rf) {
      const body = Buffer.from(
        JSON.stringify({
          schemaVersion: 2,
          mediaType: "application/vnd.oci.image.index.v1+json",
          manifests: referrers.get(`${rf[1]}:${rf[2]}`) ?? [],
        }),
      );
      res.writeHead(200, { "content-type": "application/vnd.oci.image.index.v1+json", "content-length": body.length });
      res.end(body);
      return true;
    }
    return false;
  };
  const sockets = new Set<Socket>();
  const expected = opts.basicAuth
    ? `Basic ${Buffer.from(`${opts.basicAuth.user}:${opts.basicAuth.password}`).toString("base64")}`
    : undefined;
  const server: Server = createServer((req, res) => {
    requests.push({ method: req.method!, url: req.url!, authorization: req.headers.authorization });
    if (opts.handle?.(req, res)) return;
    const path = new URL(req.url!, "http://x").pathname;
    if (expected && req.headers.authorization !== expected) {
      res.writeHead(401, { "www-authenticate": 'Basic realm="hostile"', "content-type": "application/json" });
      res.end('{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}');
      return;
    }
    const send = (b: Buffer, type: string) => {
      res.writeHead(200, { "content-type": type, "content-length": b.length, "docker-content-digest": sha(b) });
      res.end(req.method === "HEAD" ? undefined : b);
    };
    if (path === "/v2/") return send(Buffer.from("{}"), "application/json");
    if (opts.writable && handleWrite(req, res, path, opts.writable.referrersApi === true)) return;
    const m = /^\/v2\/(.+)\/(manifests|blobs)\/([^/]+)$/.exec(path);
    if (m?.[2] === "manifests" && manifests.has(`${m[1]}:${m[3]}`))
      return send(manifests.get(`${m[1]}:${m[3]}`)!, "application/vnd.oci.image.manifest.v1+json");
    if (m?.[2] === "blobs" && blobs.has(m[3]!)) return send(blobs.get(m[3]!)!, "application/octet-stream");
    res.writeHead(404, { "content-type": "application/json" });
    res.end('{"errors":[{"code":"NAME_UNKNOWN","message":"repository name not known to registry"}]}');
  });
  server.on("connection", (s) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return {
    host: `127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    configDigest: (repo) => configs.get(repo)!,
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise((r) => server.close(r));
    },
  };
}
