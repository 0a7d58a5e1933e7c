/**
 * Test-only fault injection in front of a real server (the project's signed CDN): a small HTTP proxy on
 * 127.0.0.1 that forwards each request unchanged unless a fault is queued for its path, and logs every
 * request as the client saw it (no query strings). Faults are test code: the CDN in src/demo stays clean.
 */
import { once } from "node:events";
import { createServer, request, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export type CdnFault =
  /** Close the connection after `afterBytes` body bytes. */
  | { kind: "drop"; afterBytes: number }
  /** Answer this status instead of the file (e.g. 503 with Retry-After, or 403). */
  | { kind: "status"; status: number; headers?: Record<string, string>; body?: string }
  /** Flip one byte at body offset `atByte` (default 0). */
  | { kind: "corrupt"; atByte?: number }
  /**
   * Stop sending after `afterBytes` body bytes, then close: after `ms`, or (a gate, not a timer) once `until`
   * settles. `onStall` is called when the hold begins.
   */
  | { kind: "stall"; afterBytes: number; ms?: number; until?: Promise<unknown>; onStall?: () => void }
  /** Answer 200 with the whole file even when a Range was asked (the Range header is not forwarded). */
  | { kind: "ignore-range" }
  /** Answer 200 text/html with this page. */
  | { kind: "html"; body: string }
  /** Answer 200 without a length and send newlines until the client goes away (an endless body). */
  | { kind: "endless" };

export interface ProxyRequestRecord {
  method: string;
  /** Path relative to the root, "/"-separated, decoded. */
  path: string;
  range: string | undefined;
  status: number;
  /** Body bytes passed to the client. */
  bytesSent: number;
  fault: CdnFault["kind"] | undefined;
  /** The client's port (which connection, e.g. a forward proxy's tunnel, the request came on). */
  remotePort?: number;
}

export interface FaultProxy {
  origin: string;
  requests: ProxyRequestRecord[];
  close(): Promise<void>;
}

export async function startFaultProxy(params: {
  /** The real server, e.g. "http://127.0.0.1:41234". */
  target: string;
  /** Fault for this request, if any (`count`: earlier requests of the path). */
  faultFor: (req: { method: string; path: string; count: number }) => CdnFault | undefined;
  /** Refuse (403, CloudFront's XML) a path after this many GETs, like Meta's per-link download cap. */
  maxGetsPerPath?: number;
}): Promise<FaultProxy> {
  const requests: ProxyRequestRecord[] = [];
  const counts = new Map<string, number>();
  const target = new URL(params.target);
  const server = createServer((req, res) => {
    handle(req, res).catch(() => res.destroy());
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const u = new URL(req.url ?? "/", "http://x");
    const path = safeDecode(u.pathname).replace(/^\/+/, "");
    const method = req.method ?? "GET";
    const range = typeof req.headers.range === "string" ? req.headers.range : undefined;
    const count = counts.get(`${method} ${path}`) ?? 0;
    counts.set(`${method} ${path}`, count + 1);
    const rec: ProxyRequestRecord = {
      method,
      path,
      range,
      status: 0,
      bytesSent: 0,
      fault: undefined,
      remotePort: req.socket.remotePort,
    };
    requests.push(rec);
    if (method === "GET" && params.maxGetsPerPath !== undefined && count >= params.maxGetsPerPath) {
      rec.status = 403;
      res.writeHead(403, { "content-type": "text/xml" });
      return void res.end(
        '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>AccessDenied</Code><Message>Access denied</Message></Error>',
      );
    }
    const fault = params.faultFor({ method, path, count });
    rec.fault = fault?.kind;
    if (fault?.kind === "status" || fault?.kind === "html") {
      rec.status = fault.kind === "html" ? 200 : fault.status;
      const headers =
        fault.kind === "html"
          ? { "content-type": "text/html; charset=utf-8" }
          : { "content-type": "text/plain", ...fault.headers };
      res.writeHead(rec.status, headers);
      return void res.end(fault.body ?? "");
    }
    if (fault?.kind === "endless") {
      rec.status = 200;
      res.writeHead(200, { "content-type": "application/octet-stream" });
      const block = Buffer.alloc(64 * 1024, 0x0a);
      let gone = false;
      res.on("close", () => (gone = true));
      while (!gone) {
        rec.bytesSent += block.length;
        if (!res.write(block)) await drainOrClose(res);
      }
      return;
    }
    const headers = { ...req.headers, host: target.host };
    if (fault?.kind === "ignore-range") delete headers.range;
    const upstream = request({ host: target.hostname, port: target.port, method, path: req.url, headers });
    upstream.end();
    const [up] = (await once(upstream, "response")) as [IncomingMessage];
    rec.status = up.statusCode ?? 0;
    res.writeHead(rec.status, up.headers);
    for await (const data of up) {
      let chunk = Buffer.from(data as Buffer);
      const limit = fault?.kind === "drop" || fault?.kind === "stall" ? fault.afterBytes - rec.bytesSent : Infinity;
      if (chunk.length > limit) chunk = chunk.subarray(0, Math.max(0, limit));
      if (fault?.kind === "corrupt") {
        const at = (fault.atByte ?? 0) - rec.bytesSent;
        if (at >= 0 && at < chunk.length) chunk[at] = chunk[at]! ^ 0xff;
      }
      if (chunk.length > 0 && !res.write(chunk)) await drainOrClose(res);
      rec.bytesSent += chunk.length;
      if (chunk.length >= limit) {
        if (fault?.kind === "stall") {
          fault.onStall?.();
          if (fault.until) await Promise.race([fault.until, once(res, "close")]);
          else await drainOrClose(res, fault.ms);
        }
        up.destroy();
        res.destroy();
        return;
      }
      if (res.destroyed) return void up.destroy();
    }
    res.end();
  }

  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const port = (server.address() as AddressInfo).port;
  return {
    origin: `http://127.0.0.1:${port}`,
    requests,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** Wait for "drain" (or `ms`), or until the client goes away; removes its listeners either way. */
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
