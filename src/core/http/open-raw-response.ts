import { connect as netConnect, isIP, type Socket } from "node:net";
import { connect as tlsConnect } from "node:tls";

/** Socket reads land in this one reused buffer (no allocation per read, far fewer and larger reads). */
const READ_BUFFER = 256 << 10;
/** A response head longer than this is refused (undici's default limit is 16 KiB). */
const MAX_HEAD = 64 << 10;
const HEAD_END = Buffer.from("\r\n\r\n");

/** A response read straight from its socket: the head parsed, the body delivered as views of one buffer. */
export interface RawResponse {
  status: number;
  /** Lower-cased response headers (a repeated header as an array, as undici gives them). */
  headers: Record<string, string | string[] | undefined>;
  /** The body's length from Content-Length; undefined when it is framed otherwise (chunked, to the close). */
  contentLength: number | undefined;
  /**
   * Deliver the body (Content-Length, chunked or up to the close, as the response frames it): each piece is a
   * view of the read buffer, valid during the call only. Returning false pauses reading until `resume()`. `onEnd`
   * after the last byte (the connection is closed then); `onError` once, for a network error, an abort, a body
   * cut short or a malformed chunked body. `into`: for a Content-Length body, memory of the caller's where the next
   * socket read may land (asked before each read; undefined: the read buffer); a piece read there is a view of it,
   * so the caller need not copy it.
   */
  read(
    onData: (piece: Buffer) => boolean | void,
    onEnd: () => void,
    onError: (e: unknown) => void,
    into?: () => Buffer | undefined,
  ): void;
  resume(): void;
  /** Close the connection (nothing more is delivered). */
  destroy(): void;
}

/**
 * One GET on a connection of its own, read with `onread` into a reused buffer: the receive path of bulk
 * downloads without undici's per-chunk costs (a copy into its WebAssembly parser, a stream event and a
 * fresh buffer for every socket read, and the garbage collections those buffers cause). Only what a file
 * download needs: GET, HTTP/1.1, `connection: close`; every answer is read here, whatever its status or
 * framing (a request is never sent twice). TLS is Node's own with its defaults, as undici's is: the system
 * and NODE_EXTRA_CA_CERTS roots, certificate and host name checked. Errors carry the codes undici gives for the
 * same failures, so callers map both alike.
 */
export function openRawResponse(p: {
  url: URL;
  /** Request headers (lower-case names); host and connection are added. */
  headers: Record<string, string>;
  signal?: AbortSignal;
  connectTimeoutMs: number;
  headersTimeoutMs: number;
}): Promise<RawResponse> {
  return new Promise<RawResponse>((resolve, reject) => {
    if (p.signal?.aborted) return reject(p.signal.reason);
    const request = requestHead(p.url, p.headers); // throws on a header that would break the request
    const https = p.url.protocol === "https:";
    const host = p.url.hostname.replace(/^\[(.*)\]$/, "$1");
    const port = Number(p.url.port) || (https ? 443 : 80);
    const readBuffer = Buffer.allocUnsafe(READ_BUFFER);

    let phase: "head" | "body" | "done" = "head";
    let head = Buffer.alloc(0);
    let pending: Buffer | undefined; // body bytes that came with the head
    let framing: Framing = { kind: "length", left: 0 };
    let pendingError: { e: unknown } | undefined; // a failure before read() was called, reported by it
    let handlers:
      | {
          onData: (piece: Buffer) => boolean | void;
          onEnd: () => void;
          onError: (e: unknown) => void;
          into?: () => Buffer | undefined;
        }
      | undefined;

    // Each read lands in the buffer asked for just before it (Node calls `buffer` once per read): the read buffer, or
    // for a Content-Length body the caller's own memory when it offers some.
    const onread = {
      buffer: (): Buffer => (phase === "body" && framing.kind === "length" && handlers?.into?.()) || readBuffer,
      callback: (n: number, buf: Uint8Array) => received((buf as Buffer).subarray(0, n)) !== false,
    };
    const socket: Socket = https
      ? tlsConnect({
          host,
          port,
          ...(isIP(host) ? {} : { servername: host }),
          ALPNProtocols: ["http/1.1"],
          // tls.connect takes onread as net.connect does (Node's documentation); its typings lack it.
          ...({ onread } as object),
        })
      : netConnect({ host, port, onread });
    let timer: NodeJS.Timeout | undefined = setTimeout(
      () => fail(codedError("UND_ERR_CONNECT_TIMEOUT", "connect timeout")),
      p.connectTimeoutMs,
    );
    socket.once(https ? "secureConnect" : "connect", () => {
      clearTimeout(timer);
      timer = setTimeout(() => fail(codedError("UND_ERR_HEADERS_TIMEOUT", "headers timeout")), p.headersTimeoutMs);
    });
    socket.write(request);
    socket.on("error", (e) => fail(e));
    socket.on("close", () => {
      if (phase === "body" && framing.kind === "close" && handlers) {
        close();
        handlers.onEnd();
      } else if (phase !== "done") fail(codedError("UND_ERR_SOCKET", "other side closed"));
    });
    const onAbort = () => fail(p.signal!.reason);
    p.signal?.addEventListener("abort", onAbort, { once: true });

    function fail(e: unknown): void {
      if (phase === "done") return;
      const wasHead = phase === "head";
      close();
      if (wasHead) reject(e);
      else if (handlers) handlers.onError(e);
      else pendingError = { e };
    }

    function close(): void {
      phase = "done";
      clearTimeout(timer);
      p.signal?.removeEventListener("abort", onAbort);
      socket.destroy();
    }

    function received(data: Buffer): boolean | void {
      if (phase === "body") return deliver(data);
      if (phase !== "head") return false;
      head = Buffer.concat([head, data]);
      for (;;) {
        const at = head.indexOf(HEAD_END);
        if ((at < 0 ? head.length : at) > MAX_HEAD) {
          fail(codedError("UND_ERR_HEADERS_OVERFLOW", "response head too large"));
          return false;
        }
        if (at < 0) return;
        let parsed: ReturnType<typeof parseHead>;
        try {
          parsed = parseHead(head.subarray(0, at).toString("latin1"));
        } catch (e) {
          fail(e);
          return false;
        }
        const rest = head.subarray(at + HEAD_END.length);
        // An interim answer (100 Continue, 103 Early Hints): the real one follows.
        if (parsed.status >= 100 && parsed.status < 200) {
          head = Buffer.from(rest);
          continue;
        }
        clearTimeout(timer);
        phase = "body";
        framing = parsed.framing;
        pending = rest.length > 0 ? Buffer.from(rest) : undefined;
        resolve({
          status: parsed.status,
          headers: parsed.headers,
          contentLength: framing.kind === "length" ? framing.left : undefined,
          read(onData, onEnd, onError, into) {
            handlers = { onData, onEnd, onError, ...(into ? { into } : {}) };
            if (pendingError) return onError(pendingError.e);
            if (framing.kind === "length" && framing.left === 0 && phase === "body") {
              close();
              return onEnd();
            }
            const first = pending;
            pending = undefined;
            if (first && deliver(first) === false) return;
            if (phase === "body") socket.resume();
          },
          resume: () => {
            if (phase === "body") socket.resume();
          },
          destroy: () => {
            if (phase !== "done") close();
          },
        });
        socket.pause(); // until read(): nothing is lost, the kernel holds the bytes
        return false;
      }
    }

    function deliver(data: Buffer): boolean | void {
      if (!handlers) {
        pending = pending ? Buffer.concat([pending, data]) : Buffer.from(data);
        return false;
      }
      let goOn: boolean | void = undefined;
      let complete = false;
      if (framing.kind === "chunked") {
        let pieces: Buffer[];
        try {
          pieces = framing.decoder.push(data);
        } catch (e) {
          fail(e);
          return false;
        }
        // Chunk pieces of one read go out together; a pause asked for midway takes effect after them.
        for (const piece of pieces) if (handlers.onData(piece) === false) goOn = false;
        complete = framing.decoder.done;
      } else if (framing.kind === "length") {
        const piece = data.length > framing.left ? data.subarray(0, framing.left) : data;
        framing.left -= piece.length;
        if (piece.length > 0) goOn = handlers.onData(piece);
        complete = framing.left === 0;
      } else if (data.length > 0) goOn = handlers.onData(data);
      if (complete && phase === "body") {
        close();
        handlers.onEnd();
        return false;
      }
      if (goOn === false) {
        socket.pause();
        return false;
      }
    }
  });
}

type Framing = { kind: "length"; left: number } | { kind: "chunked"; decoder: ChunkedDecoder } | { kind: "close" };

/** Transfer-Encoding: chunked, decoded as it arrives (pieces are views of the input; extensions, trailers skipped). */
class ChunkedDecoder {
  done = false;
  private state: "size" | "data" | "data-end" | "trailer" = "size";
  private line = "";
  private left = 0;

  push(data: Buffer): Buffer[] {
    const out: Buffer[] = [];
    let i = 0;
    while (i < data.length && !this.done) {
      if (this.state === "data") {
        const n = Math.min(this.left, data.length - i);
        out.push(data.subarray(i, i + n));
        i += n;
        this.left -= n;
        if (this.left === 0) this.state = "data-end";
        continue;
      }
      const nl = data.indexOf(10, i);
      const end = nl < 0 ? data.length : nl;
      this.line += data.toString("latin1", i, end);
      if (this.line.length > 8192) throw codedError("HPE_INVALID_CHUNK_SIZE", "chunk header too long");
      i = end;
      if (nl < 0) break;
      i++; // the LF
      const line = this.line.replace(/\r$/, "");
      this.line = "";
      if (this.state === "size") {
        const m = /^([0-9a-fA-F]{1,12})(?:[ \t]*;.*)?$/.exec(line);
        if (!m) throw codedError("HPE_INVALID_CHUNK_SIZE", "invalid chunk size");
        this.left = parseInt(m[1]!, 16);
        this.state = this.left === 0 ? "trailer" : "data";
      } else if (this.state === "data-end") {
        if (line !== "") throw codedError("HPE_INVALID_CHUNK_SIZE", "chunk without its line end");
        this.state = "size";
      } else if (line === "") this.done = true; // the empty line after the trailer fields
    }
    return out;
  }
}

/** The request head; header names and values are checked so that nothing can be smuggled into it. */
function requestHead(url: URL, headers: Record<string, string>): string {
  let head = `GET ${url.pathname}${url.search} HTTP/1.1\r\nhost: ${url.host}\r\nconnection: close\r\n`;
  for (const [name, value] of Object.entries(headers)) {
    if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(name) || /[\r\n\0]/.test(value)) {
      throw codedError("UND_ERR_INVALID_ARG", `invalid request header ${JSON.stringify(name)}`);
    }
    head += `${name}: ${value}\r\n`;
  }
  return head + "\r\n";
}

function parseHead(text: string): {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  framing: Framing;
} {
  const lines = text.split("\r\n");
  const m = /^HTTP\/1\.[01] (\d{3})(?: |$)/.exec(lines[0] ?? "");
  if (!m) throw codedError("HPE_INVALID_CONSTANT", "not an HTTP/1.1 response");
  const headers: Record<string, string | string[] | undefined> = {};
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(":");
    if (colon <= 0 || /^[ \t]/.test(line)) throw codedError("HPE_INVALID_HEADER_TOKEN", "invalid response header");
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    const had = headers[name];
    headers[name] = had === undefined ? value : Array.isArray(had) ? [...had, value] : [had, value];
  }
  const status = Number(m[1]);
  return { status, headers, framing: framingOf(status, headers) };
}

/** How the body ends (RFC 9112 §6.3): no body, chunked, Content-Length, or the connection's close. */
function framingOf(status: number, headers: Record<string, string | string[] | undefined>): Framing {
  if (status === 204 || status === 304) return { kind: "length", left: 0 };
  const te = headers["transfer-encoding"];
  if (te !== undefined) {
    if (typeof te === "string" && te.trim().toLowerCase() === "chunked") {
      return { kind: "chunked", decoder: new ChunkedDecoder() };
    }
    throw codedError("HPE_INVALID_TRANSFER_ENCODING", "unsupported transfer encoding");
  }
  const cl = headers["content-length"];
  if (cl === undefined) return { kind: "close" };
  // Repeated or malformed lengths are refused, as undici refuses them (a body whose end is in doubt).
  if (typeof cl !== "string" || !/^\d{1,15}$/.test(cl.trim())) {
    throw codedError("HPE_INVALID_CONTENT_LENGTH", "invalid content-length");
  }
  return { kind: "length", left: Number(cl.trim()) };
}

function codedError(code: string, message: string): Error {
  return Object.assign(new Error(message), { code });
}
