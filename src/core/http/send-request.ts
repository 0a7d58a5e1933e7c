import { Readable } from "node:stream";
import type { Dispatcher } from "undici";
import { LlamagateError } from "../errors.js";
import { redactUrl } from "../redact.js";
import { directConnectionOf } from "./direct-connection.js";
import { discardBody } from "./discard-body.js";
import { openRawResponse, type RawResponse } from "./open-raw-response.js";
import { proxyRefusal } from "./proxy-refusal.js";

/** An open HTTP response; the caller must consume or discard its body. */
export interface HttpResponse {
  status: number;
  /** Lower-cased response headers. */
  headers: Record<string, string | string[] | undefined>;
  body: Readable;
  /** The URL that answered (after the redirects that were followed; may hold secrets). */
  url: string;
  /**
   * Set when the response is read straight from its socket (`rawBody`): read the body with `raw.read` (no copy)
   * or as the `body` stream, not both; destroying `body` closes the connection.
   */
  raw?: RawResponse;
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

/** Default time to wait for response headers, and for each body chunk, in ms. */
const DEFAULT_HTTP_TIMEOUT_MS = 30_000;

/**
 * Send one HTTP request: the one way llamagate talks HTTP. Always on an explicit dispatcher (never the
 * global one), always with timeouts, `accept-encoding: identity`, redirects followed by hand so that
 * `headers` (Authorization, tokens) go to the origin of `url` only: they are dropped as soon as a
 * redirect leaves that origin, and never come back on a later hop. Network errors are thrown as undici
 * raised them (callers map them to their domain's error), except a proxy's refusal (PROXY_AUTH, PROXY_ERROR);
 * redirect loops and non-http(s) targets are BAD_REDIRECT. Messages never contain a URL's query.
 */
export async function sendRequest(params: {
  /** Where to send the request (may hold secrets). */
  url: string;
  /** HTTP method. @default "GET" */
  method?: "GET" | "HEAD";
  /** Request headers, sent to the origin of `url` only. */
  headers?: Record<string, string>;
  /** Inclusive byte range to ask for (`end` undefined = to the end of the file). */
  range?: { start: number; end?: number };
  /**
   * Which redirects to follow: all (credentials stay with their origin), only those to the same origin
   * (an API that must not be led elsewhere; a cross-origin 3xx comes back as the response), or none.
   * @default "follow"
   */
  redirects?: "follow" | "same-origin" | "none";
  /** Redirects followed at most. @default 8 */
  maxRedirects?: number;
  /** undici dispatcher (Agent, proxy, mock). Required: the global dispatcher is never used. */
  dispatcher: Dispatcher;
  /** Aborts the request and its body. */
  signal?: AbortSignal;
  /** Time to wait for the response headers, in ms. @default 30000 */
  headersTimeoutMs?: number;
  /** Longest silence between body chunks, in ms (0 when the caller runs its own stall watchdog). @default 30000 */
  bodyTimeoutMs?: number;
  /** Name for the thing fetched in error messages. @default the redacted URL */
  displayName?: string;
  /**
   * A bulk body: where the dispatcher connects directly (createDispatcher without a proxy), each hop of a GET
   * goes on a connection of its own, read without undici (openRawResponse), and the response has `raw` set;
   * `body` still reads it as a stream. Through a proxy or a caller's own dispatcher this changes nothing.
   */
  rawBody?: boolean;
}): Promise<HttpResponse> {
  const origin = new URL(params.url).origin;
  const policy = params.redirects ?? "follow";
  const maxRedirects = params.maxRedirects ?? 8;
  const name = params.displayName ?? redactUrl(params.url);
  let current = new URL(params.url);
  let left = false; // once a redirect left the origin, credentials never come back (a bounce is no proof)
  for (let hop = 0; ; hop++) {
    const headers: Record<string, string> = { "accept-encoding": "identity" };
    if (!left && current.origin === origin) Object.assign(headers, params.headers);
    if (params.range) headers.range = `bytes=${params.range.start}-${params.range.end ?? ""}`;
    const res = (await rawHop(params, current, headers)) ?? (await undiciHop(params, current, headers));
    const response: HttpResponse = {
      status: res.statusCode,
      headers: res.headers,
      body: res.body,
      url: current.toString(),
      ...(res.raw ? { raw: res.raw } : {}),
    };
    const location = res.headers.location;
    if (!REDIRECTS.has(res.statusCode) || policy === "none") return response;
    if (typeof location !== "string" || hop >= maxRedirects) {
      discardBody(res.body);
      const what = hop >= maxRedirects ? "too many redirects" : "a redirect without a Location";
      throw new LlamagateError("BAD_REDIRECT", "network", `${name}: the server sent ${what}.`, {
        hint: "The server is misconfigured or the link is wrong; get a fresh link.",
      });
    }
    const next = new URL(location, current);
    if (policy === "same-origin" && next.origin !== current.origin) return response;
    discardBody(res.body);
    if (next.protocol !== "https:" && next.protocol !== "http:") {
      throw new LlamagateError(
        "BAD_REDIRECT",
        "network",
        `${name}: the server redirected to an unsupported protocol (${next.protocol}).`,
        { hint: "The server is misconfigured or the link is wrong; get a fresh link." },
      );
    }
    if (next.origin !== origin) left = true;
    current = next;
  }
}

interface Hop {
  statusCode: number;
  headers: Record<string, string | string[] | undefined>;
  body: Readable;
  raw?: RawResponse;
}

function undiciHop(
  params: Parameters<typeof sendRequest>[0],
  current: URL,
  headers: Record<string, string>,
): Promise<Hop> {
  return params.dispatcher
    .request({
      origin: current.origin,
      path: current.pathname + current.search,
      method: params.method ?? "GET",
      headers,
      signal: params.signal,
      headersTimeout: params.headersTimeoutMs ?? DEFAULT_HTTP_TIMEOUT_MS,
      bodyTimeout: params.bodyTimeoutMs ?? DEFAULT_HTTP_TIMEOUT_MS,
    })
    .catch((e: unknown) => {
      throw proxyRefusal(e, current.origin) ?? e;
    });
}

/** The hop read straight from its own connection, when the caller asks for it and the dispatcher connects directly. */
async function rawHop(
  params: Parameters<typeof sendRequest>[0],
  current: URL,
  headers: Record<string, string>,
): Promise<Hop | undefined> {
  const direct =
    params.rawBody && (params.method ?? "GET") === "GET" ? directConnectionOf(params.dispatcher) : undefined;
  if (!direct || (current.protocol !== "http:" && current.protocol !== "https:")) return undefined;
  const raw = await openRawResponse({
    url: current,
    headers,
    ...(params.signal ? { signal: params.signal } : {}),
    connectTimeoutMs: direct.connectTimeoutMs,
    headersTimeoutMs: params.headersTimeoutMs ?? DEFAULT_HTTP_TIMEOUT_MS,
  });
  return { statusCode: raw.status, headers: raw.headers, body: rawBodyStream(raw), raw };
}

/**
 * A raw response's body as a stream, for the readers that want one (an error page's snippet, a discard): copies
 * of each piece, with backpressure. Destroying it closes the connection. A bulk reader uses `raw.read` instead.
 */
function rawBodyStream(raw: RawResponse): Readable {
  let started = false;
  const stream: Readable = new Readable({
    read() {
      if (started) return raw.resume();
      started = true;
      raw.read(
        (piece) => (stream.push(Buffer.from(piece)) ? undefined : false),
        () => stream.push(null),
        (e) => stream.destroy(e instanceof Error ? e : new Error(String(e))),
      );
    },
    destroy(e, cb) {
      raw.destroy();
      cb(e);
    },
  });
  return stream;
}
