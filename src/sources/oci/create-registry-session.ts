import type { Readable } from "node:stream";
import { Agent, request, type Dispatcher } from "undici";
import { InterruptedError, UsageError } from "../../core/errors.js";
import { redactText } from "../../core/redact.js";
import { parseRetryAfter } from "../../core/http/parse-retry-after.js";
import { DEFAULT_RETRY_POLICY, withRetry, type RetryPolicy } from "../../core/retry.js";
import { RegistryAuthError, RegistryProtocolError } from "./errors.js";
import { parseWwwAuthenticate, type AuthChallenge } from "./parse-www-authenticate.js";

/** A username/password (or identity token as password) for one registry. */
export interface RegistryCredentials {
  username: string;
  password: string;
}

/** What one registry call gets back; the caller must read or dump `body`. */
export interface RegistryResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Dispatcher.ResponseData["body"];
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
  /** Credentials for Basic auth or the token endpoint; anonymous without them. */
  credentials?: RegistryCredentials;
  /** undici dispatcher (tests, proxies). @default a keep-alive Agent owned by the session */
  dispatcher?: Dispatcher;
  /** Retries of idempotent calls. @default DEFAULT_RETRY_POLICY */
  retry?: RetryPolicy;
  signal?: AbortSignal;
}

/**
 * Open a session with a registry (OCI distribution-spec): every call goes through `request`, which
 * answers a 401 by following the challenge (Basic with the credentials; Bearer: fetch a token from
 * the realm for `repository:<name>:pull[,push]`, with Basic credentials when given) and tries once more.
 * Credentials and tokens never appear in errors.
 */
export function createRegistrySession(params: CreateRegistrySessionParams): RegistrySession {
  const { registry, repository, credentials, signal } = params;
  const baseUrl = `${params.plainHttp ? "http" : "https"}://${registry}`;
  const own = params.dispatcher ? undefined : new Agent({ keepAliveTimeout: 30_000, connections: 32 });
  const dispatcher = params.dispatcher ?? own!;
  const policy = params.retry ?? DEFAULT_RETRY_POLICY;
  /** Authorization header per access level, once known. */
  const auth = new Map<"pull" | "push", string>();
  const tokens: string[] = [];
  const secrets = () => [...(credentials ? [credentials.password, basic(credentials)] : []), ...tokens];
  const clean = (s: string) => redactText(s, secrets());

  async function send(req: RegistryRequest): Promise<RegistryResponse> {
    const url = req.path.startsWith("/") ? baseUrl + req.path : req.path;
    const target = new URL(url);
    if (target.host !== new URL(baseUrl).host)
      throw new RegistryProtocolError(`${registry} sent a location on another host; refusing to follow it.`);
    const headers: Record<string, string> = { "user-agent": "llamagate", ...req.headers };
    const a = auth.get(req.access);
    if (a) headers.authorization = a;
    try {
      const r = await request(url, {
        method: req.method,
        headers,
        body: req.body?.(),
        dispatcher,
        signal,
        maxRedirections: 0,
      } as Parameters<typeof request>[1]);
      return { status: r.statusCode, headers: r.headers, body: r.body };
    } catch (e) {
      if (signal?.aborted) throw new InterruptedError();
      throw new RegistryProtocolError(`${req.method} ${registry}: ${clean((e as Error)?.message ?? String(e))}`, {
        cause: e,
      });
    }
  }

  async function authorize(challenges: AuthChallenge[], access: "pull" | "push"): Promise<void> {
    const bearer = challenges.find((c) => c.scheme === "bearer");
    if (bearer?.params.realm) {
      auth.set(access, `Bearer ${await fetchToken(bearer, access)}`);
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

  async function fetchToken(ch: AuthChallenge, access: "pull" | "push"): Promise<string> {
    const realm = new URL(ch.params.realm!, baseUrl);
    if (ch.params.service) realm.searchParams.set("service", ch.params.service);
    realm.searchParams.set("scope", `repository:${repository}:${access === "push" ? "pull,push" : "pull"}`);
    const headers: Record<string, string> = { "user-agent": "llamagate" };
    if (credentials) headers.authorization = basic(credentials);
    let r: Dispatcher.ResponseData;
    try {
      r = await request(realm, { method: "GET", headers, dispatcher, signal });
    } catch (e) {
      if (signal?.aborted) throw new InterruptedError();
      throw new RegistryProtocolError(
        `token service of ${registry} (${realm.host}): ${clean((e as Error)?.message ?? String(e))}`,
        { cause: e },
      );
    }
    const text = await r.body.text();
    if (r.statusCode === 401 || r.statusCode === 403) {
      throw new RegistryAuthError(
        registry,
        `The token service of ${registry} refused ${credentials ? "the credentials" : "anonymous access"} (HTTP ${r.statusCode}).`,
      );
    }
    if (r.statusCode !== 200)
      throw new RegistryProtocolError(`The token service of ${registry} answered HTTP ${r.statusCode}.`);
    let token: unknown;
    try {
      const j = JSON.parse(text) as { token?: unknown; access_token?: unknown };
      token = j.token ?? j.access_token;
    } catch {
      token = undefined;
    }
    if (typeof token !== "string" || !token)
      throw new RegistryProtocolError(`The token service of ${registry} sent no token.`);
    tokens.push(token);
    return token;
  }

  async function once(req: RegistryRequest): Promise<RegistryResponse> {
    let r = await send(req);
    if (r.status !== 401) return r;
    await r.body.dump().catch(() => {});
    const had = auth.get(req.access);
    await authorize(parseWwwAuthenticate(r.headers["www-authenticate"]), req.access);
    if (had === auth.get(req.access) && had && !had.startsWith("Bearer")) {
      throw new RegistryAuthError(registry, `${registry} refused the credentials (HTTP 401).`);
    }
    r = await send(req);
    if (r.status === 401) {
      await r.body.dump().catch(() => {});
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
            await r.body.dump().catch(() => {});
            throw Object.assign(new RegistryProtocolError(`${req.method} on ${registry} answered HTTP ${r.status}.`), {
              retryAfterMs: parseRetryAfter(r.headers),
            });
          }
          return r;
        },
        classify: (e) => ({
          retry: e instanceof RegistryProtocolError,
          retryAfterMs: (e as { retryAfterMs?: number }).retryAfterMs,
        }),
        policy,
        signal,
      });
    },
    async pullHeaders() {
      if (!auth.has("pull")) {
        const r = await this.request({ method: "GET", path: "/v2/", access: "pull" });
        await r.body.dump().catch(() => {});
      }
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
