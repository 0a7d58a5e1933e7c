/**
 * A small static HTTP server on 127.0.0.1 for engine and CLI tests: HEAD, Range (206 + Content-Range,
 * 416), keep-alive, and faults injected per path on request (dropped connection mid-body, 503 +
 * Retry-After, a corrupted body, a stall, Range ignored, an HTML page, a redirect). Every request is
 * logged (method, path, query, Range header, status, body bytes sent, request headers).
 *
 * Other test servers (the Meta-like signed CDN, the Hub mock) can build on it via `authorize` (reject
 * a request before it is served) and `handle` (answer some paths yourself).
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export type Fault =
  /** Send `afterBytes` body bytes, then destroy the socket. */
  | { kind: "drop"; afterBytes: number }
  /** Answer with this status (e.g. 503 with headers {"retry-after": "1"}) instead of the file. */
  | { kind: "status"; status: number; headers?: Record<string, string>; body?: string }
  /** Serve the right length but flip the byte at `at` (default: the middle of the body). */
  | { kind: "corrupt"; at?: number }
  /** Send `afterBytes` body bytes, then nothing (socket stays open until the client gives up). */
  | { kind: "stall"; afterBytes: number }
  /** Ignore the Range header: 200 with the whole file. */
  | { kind: "ignore-range" }
  /** Answer 206 with bytes from `start` (to the end), whatever was asked. */
  | { kind: "wrong-range"; start: number }
  /** Serve an HTML page with status 200. */
  | { kind: "html"; body?: string }
  /** Accept the request and never answer (not even headers). */
  | { kind: "no-response" }
  /** Redirect (302 by default) to `location` (absolute or relative). */
  | { kind: "redirect"; location: string; status?: number };

export interface RequestLogEntry {
  method: string;
  path: string;
  query: string;
  range: string | undefined;
  status: number;
  bytesSent: number;
  headers: Record<string, string | string[] | undefined>;
  fault?: Fault["kind"];
}

export interface RangeServer {
  /** http://127.0.0.1:PORT (no trailing slash). */
  origin: string;
  port: number;
  /** Serve `data` at `path` ("/a/b.bin"). */
  setFile(path: string, data: Buffer | string): void;
  /** Queue a fault for the next `times` requests of `path` (GET only unless `methods` says otherwise). */
  addFault(path: string, fault: Fault, times?: number): void;
  /** Every request so far. */
  readonly log: RequestLogEntry[];
  /** Requests for one path (GET only by default). */
  requestsFor(path: string, method?: string): RequestLogEntry[];
  clearLog(): void;
  /** Forget every queued fault. */
  clearFaults(): void;
  close(): Promise<void>;
}

export interface RangeServerOptions {
  files?: Record<string, Buffer | string>;
  /** Bytes per write; small values make drops/stalls land mid-body. @default 64 KiB */
  chunkSize?: number;
  /** Return a response to refuse the request (e.g. bad signature), undefined to serve it. */
  authorize?: (req: IncomingMessage, url: URL) => { status: number; headers?: Record<string, string>; body?: string } | undefined;
  /** Answer a request yourself (return true when handled). */
  handle?: (req: IncomingMessage, res: ServerResponse, url: URL) => boolean;
}

export async function startRangeServer(options: RangeServerOptions = {}): Promise<RangeServer> {
  const files = new Map<string, Buffer>();
  for (const [p, d] of Object.entries(options.files ?? {})) files.set(p, Buffer.from(d));
  const faults = new Map<string, Fault[]>();
  const log: RequestLogEntry[] = [];
  const chunkSize = options.chunkSize ?? 64 << 10;

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    const entry: RequestLogEntry = {
      method: req.method ?? "GET",
      path: decodeURIComponent(url.pathname),
      query: url.search,
      range: req.headers.range,
      status: 0,
      bytesSent: 0,
      headers: { ...req.headers },
    };
    log.push(entry);
    const send = (status: number, headers: Record<string, string | number>, body?: string | Buffer) => {
      entry.status = status;
      res.writeHead(status, headers);
      if (body !== undefined && req.method !== "HEAD") {
        entry.bytesSent += Buffer.byteLength(body);
        res.end(body);
      } else res.end();
    };
    const denied = options.authorize?.(req, url);
    if (denied) return send(denied.status, denied.headers ?? { "content-type": "text/plain" }, denied.body ?? "");
    if (options.handle?.(req, res, url)) {
      entry.status = res.statusCode;
      return;
    }
    const data = files.get(entry.path);
    if (data === undefined) return send(404, { "content-type": "text/plain" }, "not found");
    if (req.method !== "GET" && req.method !== "HEAD") return send(405, { allow: "GET, HEAD" }, "");

    const queue = req.method === "GET" ? faults.get(entry.path) : undefined;
    const fault = queue?.shift();
    if (fault) entry.fault = fault.kind;
    if (fault?.kind === "status") return send(fault.status, { "content-type": "text/plain", ...(fault.headers ?? {}) }, fault.body ?? `status ${fault.status}`);
    if (fault?.kind === "html") {
      return send(200, { "content-type": "text/html" }, fault.body ?? "<!DOCTYPE html><html><head><title>Error</title></head><body>Excessive downloads</body></html>");
    }
    if (fault?.kind === "no-response") {
      entry.status = -1;
      return;
    }
    if (fault?.kind === "redirect") return send(fault.status ?? 302, { location: fault.location }, "");

    let start = 0;
    let end = data.length - 1;
    let status = 200;
    const headers: Record<string, string | number> = { "content-type": "application/octet-stream", "accept-ranges": "bytes" };
    const rangeHeader = fault?.kind === "ignore-range" ? undefined : fault?.kind === "wrong-range" ? `bytes=${fault.start}-` : req.headers.range;
    if (rangeHeader) {
      const m = /^bytes=(\d*)-(\d*)$/.exec(rangeHeader.trim());
      if (!m || (m[1] === "" && m[2] === "")) return send(416, { "content-range": `bytes */${data.length}` }, "");
      if (m[1] === "") {
        start = Math.max(0, data.length - Number(m[2]));
      } else {
        start = Number(m[1]);
        if (m[2] !== "") end = Math.min(end, Number(m[2]));
      }
      if (start >= data.length || start > end) return send(416, { "content-range": `bytes */${data.length}` }, "");
      status = 206;
      headers["content-range"] = `bytes ${start}-${end}/${data.length}`;
    }
    let body = data.subarray(start, end + 1);
    if (fault?.kind === "corrupt") {
      body = Buffer.from(body);
      const at = Math.min(body.length - 1, fault.at ?? Math.floor(body.length / 2));
      if (at >= 0) body[at] = body[at]! ^ 0xff;
    }
    headers["content-length"] = body.length;
    entry.status = status;
    res.writeHead(status, headers);
    if (req.method === "HEAD") return res.end();
    const limit = fault?.kind === "drop" || fault?.kind === "stall" ? Math.min(fault.afterBytes, body.length) : body.length;
    let off = 0;
    const pump = () => {
      while (off < limit) {
        const piece = body.subarray(off, Math.min(limit, off + chunkSize));
        off += piece.length;
        entry.bytesSent += piece.length;
        if (!res.write(piece)) return void res.once("drain", pump);
      }
      if (fault?.kind === "drop") {
        // Let the bytes leave, then cut the connection without finishing the body.
        setTimeout(() => res.socket?.destroy(), 20);
        return;
      }
      if (fault?.kind === "stall") return; // hold the socket open, send nothing more
      res.end();
    };
    pump();
  });
  server.keepAliveTimeout = 10_000;
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;

  return {
    origin: `http://127.0.0.1:${port}`,
    port,
    setFile(path, data) {
      files.set(path, Buffer.from(data));
    },
    addFault(path, fault, times = 1) {
      const q = faults.get(path) ?? [];
      for (let i = 0; i < times; i++) q.push(fault);
      faults.set(path, q);
    },
    log,
    requestsFor(path, method = "GET") {
      return log.filter((e) => e.path === path && e.method === method);
    },
    clearLog() {
      log.length = 0;
    },
    clearFaults() {
      faults.clear();
    },
    close() {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
