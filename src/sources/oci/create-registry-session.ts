import type { Readable } from "node:stream";
import { request, type Dispatcher } from "undici";
import { createDispatcher } from "../../core/http/create-dispatcher.js";
import { InterruptedError, LlamagateError, UsageError } from "../../core/errors.js";
import { redactText } from "../../core/redact.js";
import { parseRetryAfter } from "../../core/http/parse-retry-after.js";
import { DEFAULT_RETRY_POLICY, withRetry, type RetryPolicy } from "../../core/retry.js";
import { RegistryAuthError, RegistryPlainHttpError, RegistryProtocolError, RegistryTimeoutError } from "./errors.js";
import { fetchRegistryToken } from "./fetch-registry-token.js";
import { MAX_METADATA_BYTES } from "./media-types.js";
import { parseWwwAuthenticate, type AuthChallenge } from "./parse-www-authenticate.js";
import { readCappedBody } from "./read-capped-body.js";

/** A username/password (or identity token as password) for one registry. */
export interface RegistryCredentials {
  username: string;
  password: string;
}

/** What one registry call gets back: the body is read whole, up to MAX_METADATA_BYTES. */
export interface RegistryResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  /** The body (the first MAX_METADATA_BYTES bytes when `truncated`). */
  body: Buffer;
  /** The registry sent more than MAX_METADATA_BYTES: the rest was not read. */
  truncated: boolean;
}

export interface RegistryRequest {
  method: "GET" | "HEAD" | "POST" | "PATCH" | "PUT" | "DELETE";
  /** A path under the registry (`/v2/...`) or an absolute URL the registry gave (upload `Location`). */
  path: string;
  /** Access the call needs: "pull" or "push" (push also asks for pull, as registries expect). */
  access: "pull" | "push";
  headers?: Record<string, string>;
  /** The body, made fresh for each try (a file stream cannot be sent twice). */
  body?: () => Buffer | string | Readable;
  /** Retry connection errors and 5xx (only for requests safe to repeat). @default GET/HEAD only */
  idempotent?: boolean;
  /**
   * Follow redirects (GET of a blob: S3-backed registries, ECR, GHCR and Docker Hub redirect them). The
   * Authorization header goes to the registry's own origin only, never after a hop to another one.
   * @default false
   */
  followRedirects?: boolean;
}

/** A connection to one registry with its auth state: anonymous, Basic, or Bearer tokens per scope. */
export interface RegistrySession {
  registry: string;
  repository: string;
  /** "https://host" or, with plainHttp, "http://host". */
  baseUrl: string;
  request(req: RegistryRequest): Promise<RegistryResponse>;
  /** Headers that authorise a plain GET of this repository's blobs (for the transfer engine). */
  pullHeaders(): Promise<Record<string, string>>;
  /** Strings that must never be printed (passwords, tokens): pass them to redactText. */
  secrets(): string[];
  close(): Promise<void>;
}

export interface CreateRegistrySessionParams {
  /** Host[:port] of the registry. */
  registry: string;
  /** Repository the session works on (the scope of bearer tokens). */
  repository: string;
  /** Talk http:// instead of https:// (loopback and test registries; the CLI warns). @default false */
  plainHttp?: boolean;
  /** Credentials for Basic auth or the token endpoint; anonymous without them. Sent to this registry only. */
  credentials?: RegistryCredentials;
  /**
   * Time for a whole metadata exchange (headers and body; token requests too), in ms. Uploads that stream a
   * file are not limited by it. @default 60000
   */
  metadataTimeoutMs?: number;
  /** Token-service (realm) hosts allowed although on another host than the registry, or plain http. */
  allowTokenRealmHosts?: readonly string[];
  /** undici dispatcher (tests, proxies). @default a keep-alive Agent owned by the session */
  dispatcher?: Dispatcher;
  /** Retries of idempotent calls. @default DEFAULT_RETRY_POLICY */
  retry?: RetryPolicy;
  signal?: AbortSignal;
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
const MAX_REDIRECTS = 5;

/** Default time limit of one metadata exchange with a registry. */
const DEFAULT_REGISTRY_TIMEOUT_MS = 60_000;

/**
 * Open a session with a registry (OCI distribution-spec): every call goes through `request`, which
 * answers a 401 by following the challenge (Basic with the credentials; Bearer: fetch a token from
 * the realm for `repository:<name>:pull[,push]`, with Basic credentials when given) and tries once more.
 * Bodies are read whole up to MAX_METADATA_BYTES, within `metadataTimeoutMs` (except file uploads).
 * Credentials and tokens never appear in errors.
 */
export function createRegistrySession(params: CreateRegistrySessionParams): RegistrySession {
  const { registry, repository, credentials, signal } = params;
  const baseUrl = `${params.plainHttp ? "http" : "https"}://${registry}`;
  const origin = new URL(baseUrl).origin;
  const own = params.dispatcher ? undefined : createDispatcher({ keepAliveTimeout: 30_000, connections: 32 });
  const dispatcher = params.dispatcher ?? own!;
  const policy = params.retry ?? DEFAULT_RETRY_POLICY;
  const timeoutMs = params.metadataTimeoutMs ?? DEFAULT_REGISTRY_TIMEOUT_MS;
  /** Authorization header per access level, once known. */
  const auth = new Map<"pull" | "push", string>();
  const tokens: string[] = [];
  const secrets = () => [...(credentials ? credentialSecrets(credentials) : []), ...tokens];
  const clean = (s: string) => redactText(s, secrets());

  /** One exchange, with the Authorization value `sentAuth` (what the caller saw when it sent). */
  async function send(req: RegistryRequest, sentAuth: string | undefined): Promise<RegistryResponse> {
    let url = new URL(req.path.startsWith("/") ? baseUrl + req.path : req.path);
    if (url.host !== new URL(baseUrl).host)
      throw new RegistryProtocolError(`${registry} sent a location on another host; refusing to follow it.`);
    const body = req.body?.();
    const streaming = body !== undefined && typeof body !== "string" && !Buffer.isBuffer(body);
    const deadline = streaming ? undefined : new AbortController();
    const timer = deadline && setTimeout(() => deadline.abort(), timeoutMs);
    const sig = deadline ? (signal ? AbortSignal.any([signal, deadline.signal]) : deadline.signal) : signal;
    let left = false;
    try {
      for (let hop = 0; ; hop++) {
        const headers: Record<string, string> = { "user-agent": "llamagate", ...req.headers };
        if (sentAuth && !left && url.origin === origin) headers.authorization = sentAuth;
        const r = await request(url, {
          method: req.method,
          headers,
          body: hop === 0 ? body : undefined,
          dispatcher,
          signal: sig,
          maxRedirections: 0,
        } as Parameters<typeof request>[1]);
        const location = r.headers.location;
        if (req.followRedirects && REDIRECTS.has(r.statusCode) && typeof location === "string") {
          await r.body.dump().catch(() => {});
          if (hop >= MAX_REDIRECTS)
            throw new RegistryProtocolError(`${req.method} on ${registry}: too many redirects.`);
          const next = new URL(location, url);
          if (next.protocol !== "https:" && next.protocol !== "http:")
            throw new RegistryProtocolError(
              `${registry} redirected to an unsupported protocol (${next.protocol}); refusing to follow it.`,
            );
          if (next.origin !== origin) left = true;
          url = next;
          continue;
        }
        const read = await readCappedBody(r.body, MAX_METADATA_BYTES);
        return { status: r.statusCode, headers: r.headers, body: read.bytes, truncated: read.truncated };
      }
    } catch (e) {
      if (signal?.aborted) throw new InterruptedError();
      if (deadline?.signal.aborted)
        throw new RegistryTimeoutError(
          `${req.method} on ${registry}: the registry did not answer in full within ${timeoutMs / 1000} s; stopped waiting.`,
        );
      if (e instanceof LlamagateError) throw e;
      if (url.protocol === "https:" && answeredPlainHttp(e)) throw new RegistryPlainHttpError(registry, { cause: e });
      throw new RegistryProtocolError(
        `${req.method} ${registry}: ${oneLine(clean((e as Error)?.message ?? String(e)))}`,
        {
          cause: e,
        },
      );
    } finally {
      clearTimeout(timer);
    }
  }

  async function authorize(challenges: AuthChallenge[], access: "pull" | "push"): Promise<void> {
    const bearer = challenges.find((c) => c.scheme === "bearer");
    if (bearer?.params.realm) {
      const token = await fetchRegistryToken({
        challenge: bearer,
        baseUrl,
        registry,
        repository,
        access,
        basicAuth: credentials ? basic(credentials) : undefined,
        allowRealmHosts: params.allowTokenRealmHosts ?? [],
        secrets,
        dispatcher,
        timeoutMs,
        signal,
      });
      tokens.push(token);
      auth.set(access, `Bearer ${token}`);
      return;
    }
    if (challenges.some((c) => c.scheme === "basic")) {
      if (!credentials)
        throw new RegistryAuthError(registry, `${registry} asks for a username and password, and none was found.`);
      auth.set(access, basic(credentials));
      return;
    }
    throw new RegistryAuthError(registry, `${registry} refused the request (HTTP 401) without a usable challenge.`);
  }

  async function once(req: RegistryRequest): Promise<RegistryResponse> {
    const sent = auth.get(req.access);
    let r = await send(req, sent);
    if (r.status !== 401) return r;
    // Another call of this session may have authorised meanwhile (parallel uploads all start anonymous):
    // then try again with what it found instead of answering the challenge a second time.
    if (auth.get(req.access) === sent) {
      await authorize(parseWwwAuthenticate(r.headers["www-authenticate"]), req.access);
      const now = auth.get(req.access);
      if (now === sent && sent && !sent.startsWith("Bearer"))
        throw new RegistryAuthError(registry, `${registry} refused the credentials (HTTP 401).`);
    }
    r = await send(req, auth.get(req.access));
    if (r.status === 401) {
      throw new RegistryAuthError(
        registry,
        `${registry} refused ${credentials ? "the credentials" : "anonymous access"} for ${repository} (HTTP 401).`,
      );
    }
    return r;
  }

  return {
    registry,
    repository,
    baseUrl,
    async request(req) {
      if (req.access === "push" && !auth.has("push") && auth.has("pull") && auth.get("pull")!.startsWith("Basic"))
        auth.set("push", auth.get("pull")!);
      const idempotent = req.idempotent ?? (req.method === "GET" || req.method === "HEAD");
      if (!idempotent) return once(req);
      return withRetry({
        fn: async () => {
          const r = await once(req);
          if (r.status >= 500 || r.status === 429) {
            throw Object.assign(new RegistryProtocolError(`${req.method} on ${registry} answered HTTP ${r.status}.`), {
              retryAfterMs: parseRetryAfter(r.headers),
            });
          }
          return r;
        },
        classify: (e) => ({
          // An answer that will not change (too large, no token) is not asked for again.
          retry: e instanceof RegistryProtocolError && e.details?.retry !== false,
          retryAfterMs: (e as { retryAfterMs?: number }).retryAfterMs,
        }),
        policy,
        signal,
      });
    },
    async pullHeaders() {
      if (!auth.has("pull")) await this.request({ method: "GET", path: "/v2/", access: "pull" });
      const a = auth.get("pull") ?? auth.get("push");
      const out: Record<string, string> = {};
      if (a) out.authorization = a;
      return out;
    },
    secrets,
    async close() {
      await own?.close().catch(() => {});
    },
  };
}

function basic(c: RegistryCredentials): string {
  if (c.username.includes(":"))
    throw new UsageError("A registry username cannot contain ':'.", { code: "BAD_REGISTRY_CREDENTIALS" });
  return `Basic ${Buffer.from(`${c.username}:${c.password}`).toString("base64")}`;
}

/** Every form a credential can take in a reflected body: the password, user:password and its base64. */
function credentialSecrets(c: RegistryCredentials): string[] {
  const pair = `${c.username}:${c.password}`;
  const b64 = Buffer.from(pair).toString("base64");
  return [pair, b64, b64.replace(/=+$/, ""), c.password];
}

/** The TLS handshake met a plain-HTTP answer (OpenSSL's "wrong version number" / "packet length too long"). */
function answeredPlainHttp(e: unknown): boolean {
  const code = (e as { code?: unknown })?.code;
  const message = String((e as Error)?.message ?? "");
  return (
    code === "ERR_SSL_WRONG_VERSION_NUMBER" ||
    code === "ERR_SSL_PACKET_LENGTH_TOO_LONG" ||
    /wrong version number|packet length too long|http request/i.test(message)
  );
}

/** A library message as one line without OpenSSL's source locations ("...:ssl3_record.c:350:"). */
function oneLine(s: string): string {
  return s
    .replace(/[0-9A-F]{8,}:error:[0-9A-F]+:[^:]*:[^:]*:([^:]*):[^\s]*/g, "$1")
    .replace(/\s+/g, " ")
    .trim();
}
