/**
 * A small static HTTP server on 127.0.0.1 for engine and CLI tests: HEAD, Range (206 + Content-Range,
 * 416), keep-alive, and faults injected per path on request (dropped connection mid-body, 503 +
 * Retry-After, a corrupted body, a stall, Range ignored, an HTML page, a redirect). Every request is
 * logged (method, path, query, Range header, status, body bytes sent, request headers).
 *
 * Range, the throughput cap and the faults come from the one server base (server-base.ts); `authorize`
 * (reject a request before it is served) and `handle` (answer some paths yourself) let tests build on it.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { FaultQueue, listenLocal, serveBytes, type Fault } from "./server-base.js";

export type { Fault };

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
  /** Cap each connection at this many bytes/s (like a CDN edge). @default no cap */
  bytesPerSecond?: number;
  /** Return a response to refuse the request (e.g. bad signature), undefined to serve it. */
  authorize?: (
    req: IncomingMessage,
    url: URL,
  ) => { status: number; headers?: Record<string, string>; body?: string } | undefined;
  /** Answer a request yourself (return true when handled). */
  handle?: (req: IncomingMessage, res: ServerResponse, url: URL) => boolean;
}

export async function startRangeServer(options: RangeServerOptions = {}): Promise<RangeServer> {
  const files = new Map<string, Buffer>();
  for (const [p, d] of Object.entries(options.files ?? {})) files.set(p, Buffer.from(d));
  const faults = new FaultQueue();
  const log: RequestLogEntry[] = [];

  const local = await listenLocal((req, res) => {
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
    const plain = (status: number, headers: Record<string, string>, body: string) => {
      entry.status = status;
      entry.bytesSent += Buffer.byteLength(body);
      res.writeHead(status, headers).end(req.method === "HEAD" ? undefined : body);
    };
    const denied = options.authorize?.(req, url);
    if (denied) return plain(denied.status, denied.headers ?? { "content-type": "text/plain" }, denied.body ?? "");
    if (options.handle?.(req, res, url)) {
      entry.status = res.statusCode;
      return;
    }
    const data = files.get(entry.path);
    if (data === undefined) return plain(404, { "content-type": "text/plain" }, "not found");
    if (req.method !== "GET" && req.method !== "HEAD") return plain(405, { allow: "GET, HEAD" }, "");
    const fault = req.method === "GET" ? faults.take(entry.path) : undefined;
    if (fault) entry.fault = fault.kind;
    serveBytes(req, res, data, {
      fault,
      chunkSize: options.chunkSize,
      bytesPerSecond: options.bytesPerSecond,
      onStatus: (status) => (entry.status = status),
      onSent: (n) => (entry.bytesSent += n),
    });
    if (fault?.kind === "no-response") entry.status = -1;
  });

  return {
    origin: local.origin,
    port: local.port,
    setFile(path, data) {
      files.set(path, Buffer.from(data));
    },
    addFault(path, fault, times = 1) {
      faults.add(path, fault, times);
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
    close: () => local.close(),
  };
}
