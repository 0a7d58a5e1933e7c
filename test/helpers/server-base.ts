/**
 * The one base of the test HTTP servers (range-server.ts, hub-server.ts and the CDNs built on them):
 * listening on 127.0.0.1:0, serving bytes with Range (206 + Content-Range, 416), HEAD, keep-alive, an
 * optional per-connection throughput cap (like a CDN edge), and fault injection (dropped connection
 * mid-body, status + headers such as 503 + Retry-After, a corrupted body, a stall, Range ignored or
 * answered wrong, an HTML page, no answer, a redirect). Test code only: nothing here ships.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";

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
  /** Answer 206 with the Content-Range asked for, but send `extra` more bytes than it says (no Content-Length). */
  | { kind: "overlong"; extra: number }
  /** Serve an HTML page with status 200. */
  | { kind: "html"; body?: string }
  /** Accept the request and never answer (not even headers). */
  | { kind: "no-response" }
  /** Redirect (302 by default) to `location` (absolute or relative). */
  | { kind: "redirect"; location: string; status?: number };

/** Faults queued per key (a path, a blob id), consumed one per request in order. */
export class FaultQueue {
  private readonly queues = new Map<string, Fault[]>();
  /** Queue `fault` for the next `times` requests of `key`. */
  add(key: string, fault: Fault, times = 1): void {
    const q = this.queues.get(key) ?? [];
    for (let i = 0; i < times; i++) q.push(fault);
    this.queues.set(key, q);
  }
  /** The next fault for `key`, if any (consumed). */
  take(key: string): Fault | undefined {
    return this.queues.get(key)?.shift();
  }
  clear(): void {
    this.queues.clear();
  }
}

export interface ServeBytesOptions {
  /** Fault for this request (already taken from a queue). */
  fault?: Fault;
  /** Extra response headers (etag, x-repo-commit...). */
  headers?: Record<string, string | number>;
  /** Bytes per write; small values make drops/stalls land mid-body. @default 64 KiB */
  chunkSize?: number;
  /** Cap of each connection's throughput in bytes/s (shared by the requests of a keep-alive socket). */
  bytesPerSecond?: number;
  /** Told the status and every body byte count sent. */
  onStatus?: (status: number) => void;
  onSent?: (bytes: number) => void;
}

/** When each throttled socket may send next (per connection, across keep-alive requests). */
const socketClock = new WeakMap<Socket, number>();

/**
 * Answer `req` with `data` (Range, HEAD, the fault, the throughput cap). Returns the status sent
 * (-1 for "no-response").
 */
export function serveBytes(
  req: IncomingMessage,
  res: ServerResponse,
  data: Buffer,
  opts: ServeBytesOptions = {},
): number {
  const fault = opts.fault;
  const head = req.method === "HEAD";
  const send = (status: number, headers: Record<string, string | number>, body?: string) => {
    opts.onStatus?.(status);
    res.writeHead(status, headers);
    if (body !== undefined && !head) {
      opts.onSent?.(Buffer.byteLength(body));
      res.end(body);
    } else res.end();
    return status;
  };
  if (fault?.kind === "status") {
    return send(
      fault.status,
      { "content-type": "text/plain", ...(fault.headers ?? {}) },
      fault.body ?? `status ${fault.status}`,
    );
  }
  if (fault?.kind === "html") {
    const page = "<!DOCTYPE html><html><head><title>Error</title></head><body>Excessive downloads</body></html>";
    return send(200, { "content-type": "text/html" }, fault.body ?? page);
  }
  if (fault?.kind === "no-response") return -1;
  if (fault?.kind === "redirect") return send(fault.status ?? 302, { location: fault.location }, "");

  let start = 0;
  let end = data.length - 1;
  let status = 200;
  const headers: Record<string, string | number> = {
    "content-type": "application/octet-stream",
    "accept-ranges": "bytes",
    ...(opts.headers ?? {}),
  };
  const rangeHeader =
    fault?.kind === "ignore-range"
      ? undefined
      : fault?.kind === "wrong-range"
        ? `bytes=${fault.start}-`
        : req.headers.range;
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
  if (fault?.kind === "overlong") body = Buffer.concat([body, Buffer.alloc(fault.extra, 0x5a)]);
  else headers["content-length"] = body.length;
  opts.onStatus?.(status);
  res.writeHead(status, headers);
  if (head) {
    res.end();
    return status;
  }
  const limit =
    fault?.kind === "drop" || fault?.kind === "stall" ? Math.min(fault.afterBytes, body.length) : body.length;
  const chunkSize = opts.chunkSize ?? 64 << 10;
  const socket = res.socket;
  let off = 0;
  const pump = () => {
    while (off < limit) {
      if (opts.bytesPerSecond && socket) {
        const now = performance.now();
        const at = socketClock.get(socket) ?? now;
        if (at > now + 1) return void setTimeout(pump, at - now);
      }
      const piece = body.subarray(off, Math.min(limit, off + chunkSize));
      off += piece.length;
      opts.onSent?.(piece.length);
      if (opts.bytesPerSecond && socket) {
        const now = performance.now();
        socketClock.set(
          socket,
          Math.max(now, socketClock.get(socket) ?? now) + (piece.length * 1000) / opts.bytesPerSecond,
        );
      }
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
  return status;
}

/** A server listening on 127.0.0.1 (ephemeral port). */
export interface LocalServer {
  server: Server;
  /** http://127.0.0.1:PORT (no trailing slash). */
  origin: string;
  port: number;
  /** Close every connection and the server. */
  close(): Promise<void>;
}

/** Start `handler` on 127.0.0.1:0 with keep-alive. */
export async function listenLocal(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<LocalServer> {
  const server = createServer(handler);
  server.keepAliveTimeout = 10_000;
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    server,
    origin: `http://127.0.0.1:${port}`,
    port,
    close() {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
