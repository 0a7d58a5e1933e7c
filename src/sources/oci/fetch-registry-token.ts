import { request, type Dispatcher } from "undici";
import { InterruptedError } from "../../core/errors.js";
import { redactText } from "../../core/redact.js";
import type { AuthChallenge } from "./parse-www-authenticate.js";
import { RegistryAuthError, RegistryProtocolError, RegistryTimeoutError, RegistryTokenRealmError } from "./errors.js";
import { readCappedBody } from "./read-capped-body.js";

/** Token answers larger than this are refused (real ones are a few KiB). */
const MAX_TOKEN_RESPONSE_BYTES = 1 << 20;

/** Token services on another host that are known to belong to the registry (Docker Hub). */
const KNOWN_REALMS: Readonly<Record<string, readonly string[]>> = {
  "docker.io": ["auth.docker.io"],
  "registry-1.docker.io": ["auth.docker.io"],
  "index.docker.io": ["auth.docker.io"],
};

export interface FetchRegistryTokenParams {
  /** The Bearer challenge (its realm, service). */
  challenge: AuthChallenge;
  /** "https://host" of the registry (the realm is resolved against it). */
  baseUrl: string;
  /** Host[:port] of the registry, for messages. */
  registry: string;
  repository: string;
  access: "pull" | "push";
  /** The `Authorization: Basic …` value to send to the realm, if any. */
  basicAuth?: string;
  /** Realm hosts the user allowed although they are on another host or plain http. */
  allowRealmHosts: readonly string[];
  /** Strings to redact from any text that reaches a message. */
  secrets: () => string[];
  dispatcher: Dispatcher;
  /** Time for the whole answer (headers and body), in ms. */
  timeoutMs: number;
  signal?: AbortSignal;
}

/**
 * Get a bearer token from a registry's token service (the challenge's realm) for
 * `repository:<name>:pull[,push]`. The realm must be https when the registry is (no downgrade), and on the
 * registry's own host when credentials would go with the request, unless the user allowed that realm host;
 * the answer is read within `timeoutMs` and at most 1 MiB. Never puts a credential or token in an error.
 */
export async function fetchRegistryToken(p: FetchRegistryTokenParams): Promise<string> {
  const { registry } = p;
  const base = new URL(p.baseUrl);
  let realm: URL;
  try {
    realm = new URL(p.challenge.params.realm!, base);
  } catch {
    throw new RegistryProtocolError(`${registry} named a token service that is not a URL.`);
  }
  if (realm.protocol !== "https:" && realm.protocol !== "http:")
    throw new RegistryProtocolError(
      `${registry} named a token service with an unsupported scheme (${realm.protocol}).`,
    );
  const allowed =
    p.allowRealmHosts.some((h) => h.toLowerCase() === realm.host) ||
    (KNOWN_REALMS[base.host] ?? []).includes(realm.host);
  if (!allowed && base.protocol === "https:" && realm.protocol === "http:")
    throw new RegistryTokenRealmError(
      `${registry} (https) sent its token service as plain http://${realm.host}; refusing to ask it for a token${p.basicAuth ? " with your credentials" : ""} without encryption.`,
      realm.host,
    );
  if (!allowed && p.basicAuth && realm.host !== base.host)
    throw new RegistryTokenRealmError(
      `${registry} sent its token service on another host (${realm.host}); refusing to send your registry credentials there.`,
      realm.host,
    );
  if (p.challenge.params.service) realm.searchParams.set("service", p.challenge.params.service);
  realm.searchParams.set("scope", `repository:${p.repository}:${p.access === "push" ? "pull,push" : "pull"}`);
  const headers: Record<string, string> = { "user-agent": "llamagate" };
  if (p.basicAuth) headers.authorization = p.basicAuth;

  const deadline = new AbortController();
  const timer = setTimeout(() => deadline.abort(), p.timeoutMs);
  const signal = p.signal ? AbortSignal.any([p.signal, deadline.signal]) : deadline.signal;
  let status: number;
  let body: { bytes: Buffer; truncated: boolean };
  try {
    const r = await request(realm, { method: "GET", headers, dispatcher: p.dispatcher, signal });
    status = r.statusCode;
    body = await readCappedBody(r.body, MAX_TOKEN_RESPONSE_BYTES);
  } catch (e) {
    if (p.signal?.aborted) throw new InterruptedError();
    if (deadline.signal.aborted)
      throw new RegistryTimeoutError(
        `The token service of ${registry} (${realm.host}) did not answer in full within ${p.timeoutMs / 1000} s.`,
      );
    throw new RegistryProtocolError(
      `token service of ${registry} (${realm.host}): ${redactText((e as Error)?.message ?? String(e), p.secrets())}`,
      { cause: e },
    );
  } finally {
    clearTimeout(timer);
  }
  if (status === 401 || status === 403) {
    throw new RegistryAuthError(
      registry,
      `The token service of ${registry} refused ${p.basicAuth ? "the credentials" : "anonymous access"} (HTTP ${status}).`,
    );
  }
  if (status !== 200) throw new RegistryProtocolError(`The token service of ${registry} answered HTTP ${status}.`);
  if (body.truncated)
    throw new RegistryProtocolError(
      `The token service of ${registry} sent more than ${MAX_TOKEN_RESPONSE_BYTES} bytes; the answer was cut there and refused.`,
      { details: { retry: false } },
    );
  let token: unknown;
  try {
    const j = JSON.parse(body.bytes.toString("utf8")) as { token?: unknown; access_token?: unknown };
    token = j.token ?? j.access_token;
  } catch {
    token = undefined;
  }
  if (typeof token !== "string" || !token)
    throw new RegistryProtocolError(`The token service of ${registry} sent no token.`, { details: { retry: false } });
  return token;
}
