import { createHmac, timingSafeEqual } from "node:crypto";
import { once } from "node:events";
import { open, stat } from "node:fs/promises";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { join, relative, sep } from "node:path";
import { decodeCloudFrontPolicy } from "../sources/meta/decode-cloudfront-policy.js";
import { encodeCloudFrontPolicy } from "../sources/meta/encode-cloudfront-policy.js";

/** One request as the CDN saw it (no query string: the log holds no secrets). */
export interface CdnRequestRecord {
  method: string;
  /** Path relative to the root, "/"-separated. */
  path: string;
  /** The Range header, when sent. */
  range: string | undefined;
  status: number;
  /** Body bytes written (before any drop). */
  bytesSent: number;
  /** True when this response was the demo's one dropped connection. */
  dropped: boolean;
}

export interface ServeSignedCdnParams {
  /** Folder whose files are served under "/". */
  root: string;
  /** HMAC key the signatures are made with (stands in for CloudFront's RSA key pair). */
  secret: string;
  /** Key-Pair-Id every URL must carry. */
  keyPairId: string;
  /** Listen address. @default "127.0.0.1" */
  host?: string;
  /** @default 0 (ephemeral) */
  port?: number;
  /** Cut the first GET of `path` after `afterBytes` body bytes (the demo shows the resume with it). */
  dropOnce?: { path: string; afterBytes: number };
  /** Clock (tests move it). */
  now?: () => Date;
}

export interface SignedCdn {
  /** e.g. "http://127.0.0.1:41234". */
  origin: string;
  /** A Meta-style link `origin/*?Policy=..&Signature=..&Key-Pair-Id=..&Download-Request-ID=..`. */
  signUrl: (p: { expiresAt: Date; downloadRequestId?: string }) => string;
  /** Every request served, in order. */
  requests: CdnRequestRecord[];
  close: () => Promise<void>;
}

const CHUNK = 256 * 1024;

/**
 * A local CloudFront look-alike: checks the signed policy (HMAC signature, Key-Pair-Id, expiry, resource),
 * serves files with HEAD and Range (206, Content-Range, 416). Fault injection for tests lives in the tests
 * (test/helpers/fault-proxy.ts); the only misbehaviour here is the demo's one dropped connection.
 */
export async function serveSignedCdn(params: ServeSignedCdnParams): Promise<SignedCdn> {
  const requests: CdnRequestRecord[] = [];
  let dropPending = params.dropOnce !== undefined;
  const now = params.now ?? (() => new Date());
  const sign = (policy: string) => cfBase64(createHmac("sha256", params.secret).update(policy).digest());
  let origin = "";

  const server = createServer((req, res) => {
    handle(req, res).catch(() => res.destroy());
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const u = new URL(req.url ?? "/", origin);
    const path = safePath(u.pathname);
    const method = req.method ?? "GET";
    const range = typeof req.headers.range === "string" ? req.headers.range : undefined;
    const rec: CdnRequestRecord = { method, path: path ?? u.pathname, range, status: 0, bytesSent: 0, dropped: false };
    requests.push(rec);
    const denied = checkSignature(u);
    if (denied) return void xml(res, rec, 403, denied[0], denied[1]);
    if (path === undefined) return void xml(res, rec, 404, "NoSuchKey", "The specified key does not exist.");
    const file = join(params.root, ...path.split("/"));
    const st = await stat(file).catch(() => undefined);
    if (!st?.isFile()) return void xml(res, rec, 404, "NoSuchKey", "The specified key does not exist.");
    const drop =
      dropPending && method === "GET" && path === params.dropOnce?.path ? params.dropOnce.afterBytes : undefined;
    if (drop !== undefined) dropPending = false;
    const size = st.size;
    let start = 0;
    let end = size - 1;
    let status = 200;
    const m = range ? /^bytes=(\d*)-(\d*)$/.exec(range) : null;
    if (m) {
      start = m[1] ? Number(m[1]) : Math.max(0, size - Number(m[2]));
      end = m[1] && m[2] ? Math.min(Number(m[2]), size - 1) : size - 1;
      if (start >= size || start > end) {
        rec.status = 416;
        res.writeHead(416, { "content-range": `bytes */${size}`, "content-length": "0" });
        return void res.end();
      }
      status = 206;
    }
    rec.status = status;
    res.writeHead(status, {
      "content-type": "application/octet-stream",
      "content-length": String(end - start + 1),
      "accept-ranges": "bytes",
      "last-modified": st.mtime.toUTCString(),
      etag: `"${st.size.toString(16)}-${Math.floor(st.mtimeMs).toString(16)}"`,
      ...(status === 206 ? { "content-range": `bytes ${start}-${end}/${size}` } : {}),
    });
    if (method === "HEAD") return void res.end();
    await sendBody(res, rec, file, start, end, drop);
  }

  function checkSignature(u: URL): [string, string] | undefined {
    const policy = u.searchParams.get("Policy");
    const signature = u.searchParams.get("Signature");
    const keyPairId = u.searchParams.get("Key-Pair-Id");
    if (!keyPairId) return ["MissingKey", "Missing Key-Pair-Id query parameter or cookie value"];
    if (!policy || !signature || keyPairId !== params.keyPairId) return ["AccessDenied", "Access denied"];
    const want = Buffer.from(sign(policy));
    const got = Buffer.from(signature);
    if (want.length !== got.length || !timingSafeEqual(want, got)) return ["AccessDenied", "Access denied"];
    try {
      const p = decodeCloudFrontPolicy(policy);
      if (now().getTime() >= p.expiresAt.getTime()) return ["AccessDenied", "Access denied"];
      if (p.resource && !wildcardMatch(p.resource, `${origin}${u.pathname}`)) return ["AccessDenied", "Access denied"];
    } catch {
      return ["MalformedPolicy", "Malformed policy"];
    }
    return undefined;
  }

  server.listen(params.port ?? 0, params.host ?? "127.0.0.1");
  await once(server, "listening");
  const addr = server.address() as AddressInfo;
  const host = addr.family === "IPv6" ? `[${addr.address}]` : addr.address;
  origin = `http://${host}:${addr.port}`;

  return {
    origin,
    requests,
    signUrl: ({ expiresAt, downloadRequestId = "1234567890123456" }) => {
      const policy = encodeCloudFrontPolicy({ resource: `${origin}/*`, expiresAt });
      return `${origin}/*?Policy=${policy}&Signature=${sign(policy)}&Key-Pair-Id=${params.keyPairId}&Download-Request-ID=${downloadRequestId}`;
    },
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

async function sendBody(
  res: ServerResponse,
  rec: CdnRequestRecord,
  file: string,
  start: number,
  end: number,
  dropAfter: number | undefined,
) {
  const fh = await open(file, "r");
  try {
    let pos = start;
    const buf = Buffer.alloc(CHUNK);
    while (pos <= end && !res.destroyed) {
      let n = (await fh.read(buf, 0, Math.min(CHUNK, end - pos + 1), pos)).bytesRead;
      if (n === 0) break;
      const left = dropAfter === undefined ? Infinity : dropAfter - rec.bytesSent;
      if (left < n) n = Math.max(0, left);
      if (n > 0 && !res.write(Buffer.from(buf.subarray(0, n)))) await drainOrClose(res);
      rec.bytesSent += n;
      pos += n;
      if (n >= left) {
        rec.dropped = true;
        res.destroy();
        return;
      }
    }
    res.end();
  } finally {
    await fh.close();
  }
}

/** Wait for "drain" (or for `ms`), or until the client goes away; removes its listeners either way. */
function drainOrClose(res: ServerResponse, ms?: number): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      res.off("drain", done);
      res.off("close", done);
      resolve();
    };
    const timer = ms === undefined ? undefined : setTimeout(done, ms);
    if (ms === undefined) res.on("drain", done);
    res.on("close", done);
  });
}

function xml(res: ServerResponse, rec: CdnRequestRecord, status: number, code: string, message: string): void {
  rec.status = status;
  const body = `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message></Error>`;
  res.writeHead(status, { "content-type": "text/xml", "content-length": String(Buffer.byteLength(body)) });
  res.end(body);
}

/** Decoded request path relative to the root, or undefined if it escapes it. */
function safePath(pathname: string): string | undefined {
  let p: string;
  try {
    p = decodeURIComponent(pathname).replace(/^\/+/, "");
  } catch {
    return undefined;
  }
  const rel = relative("/r", join("/r", p));
  if (rel === "" || rel.startsWith("..") || p.includes("\0")) return undefined;
  return rel.split(sep).join("/");
}

function wildcardMatch(pattern: string, value: string): boolean {
  const re = new RegExp(
    `^${pattern
      .split("*")
      .map((s) => s.replace(/[.+?^${}()|[\]\\]/g, "\\$&"))
      .join(".*")}$`,
  );
  return re.test(value);
}

function cfBase64(b: Buffer): string {
  return b.toString("base64").replace(/\+/g, "-").replace(/=/g, "_").replace(/\//g, "~");
}
